"""`.gitignore` for discovery: files git ignores are not linted when walking a directory.

A generated or vendored nginx tree (build/, node_modules/, a rendered `out/`) is usually
ignored by git, and linting it reports findings nobody can fix in the repository, as
ruff and ripgrep know. Git's rules are followed: every `.gitignore` from the work tree's
root down to the file's directory applies to paths relative to its own directory, a
deeper file overrides a shallower one (`!pattern` re-includes), `.git/info/exclude`
applies below all of them, and an ignored directory is not entered at all. A file named
on the command line is linted even when ignored, as with ruff. Outside a git work tree
only the `.gitignore` files inside the walked directory apply. `pathspec` implements the
pattern syntax and is imported only when a `.gitignore` exists.
"""

from __future__ import annotations

import os

MAX_IGNORE_FILE_SIZE = 1024 * 1024


class GitIgnore:
    """Ignore decisions for paths under one walked directory."""

    def __init__(self, walked_root: str) -> None:
        self.walked_root = os.path.abspath(walked_root)
        self.top = _git_root(self.walked_root) or self.walked_root
        self._real_top: str | None = None
        self._specs: dict[str, object | None] = {}
        self._chains: dict[str, list] = {}  # per directory: its files share one chain

    def applies_in(self, directory: str) -> bool:
        """Whether any ignore file applies to the entries of `directory`: a walker asks
        once per directory, and only then per entry."""
        return bool(self._chain(os.path.abspath(directory)))

    def ignored(self, path: str, is_dir: bool = False) -> bool:
        path = os.path.abspath(path)
        decision = None
        for directory, spec in self._chain(os.path.dirname(path)):
            prefix = directory if directory.endswith(os.sep) else directory + os.sep
            if not path.startswith(prefix):
                continue
            rel = path[len(prefix) :].replace(os.sep, "/")
            result = spec.check_file(rel + "/" if is_dir else rel)
            if result.include is not None:
                decision = result.include
        return bool(decision)

    def _chain(self, directory: str) -> list:
        """(directory, spec) for each ignore file that applies in `directory`, outermost
        first: its parent's chain plus its own file, so each directory costs one lookup.
        Worked out upwards to the nearest known directory in a loop (no recursion)."""
        pending: list[str] = []
        current = directory
        while current not in self._chains:
            if current == self.top:
                exclude = self._spec(os.path.join(self.top, ".git", "info", "exclude"))
                own = self._spec(os.path.join(self.top, ".gitignore"))
                self._chains[current] = [(self.top, spec) for spec in (exclude, own) if spec is not None]
                break
            parent = os.path.dirname(current)
            if parent == current or not current.startswith(self.top.rstrip(os.sep) + os.sep):
                self._chains[current] = []  # outside the work tree: no ignore file applies
                break
            pending.append(current)
            current = parent
        for below in reversed(pending):
            chain = self._chains[os.path.dirname(below)]
            spec = self._spec(os.path.join(below, ".gitignore"))
            self._chains[below] = chain + [(below, spec)] if spec is not None else chain
        return self._chains[directory]

    def _spec(self, ignore_file: str):
        if ignore_file not in self._specs:
            if self._real_top is None:
                self._real_top = os.path.realpath(self.top)
            self._specs[ignore_file] = _load(ignore_file, self._real_top)
        return self._specs[ignore_file]


def _load(ignore_file: str, real_top: str):
    """The patterns of one ignore file; None when absent, too large, or a symlink that
    leads out of the work tree (its patterns are used, never printed, but nglint reads
    nothing outside the checkout)."""
    if not os.path.lexists(ignore_file):
        return None  # most directories have none: one lstat, no realpath
    real = os.path.realpath(ignore_file)
    if not (real == real_top or real.startswith(real_top.rstrip(os.sep) + os.sep)):
        return None
    from nglint.boundary import Refused, open_limited

    try:
        text = open_limited(ignore_file, MAX_IGNORE_FILE_SIZE).decode("utf-8", errors="replace")
    except Refused:
        return None
    if not any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines()):
        return None  # comments only, like a fresh .git/info/exclude: nothing to import pathspec for
    try:
        import pathspec
    except ImportError:
        from nglint.discovery import UsageError

        raise UsageError(f"{ignore_file}: reading it needs the pathspec package (pip install pathspec), "
                         "or set respect-gitignore = false") from None

    try:
        return pathspec.GitIgnoreSpec.from_lines(text.splitlines())
    except Exception:  # a pattern pathspec cannot compile: git would ignore that line too
        lines = []
        for line in text.splitlines():
            try:
                pathspec.GitIgnoreSpec.from_lines([line])
            except Exception:
                continue
            lines.append(line)
        return pathspec.GitIgnoreSpec.from_lines(lines)


def _git_root(start: str) -> str | None:
    current = start
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent
