"""Find what to lint under the given paths: nginx candidates and backend files.

Directories are searched for `nginx.conf`, files whose name may be nginx and whose content
is (see nglint.sources.nginx.sniff: supervisord.conf, php-fpm pools... are not ours), and files a
backend parser claims (server.xml). A file named on the command line is taken as nginx
unless a backend parser claims it or its content is plainly not nginx (sniff.explicit_nginx).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from nglint import boundary
from nglint.backends import BackendParser
from nglint.records import field, record
from nglint.sources.nginx.sniff import explicit_nginx, is_nginx_file, looks_like_nginx, worth_sniffing  # noqa: F401 (looks_like_nginx: API)

_SKIP_DIRS = {"node_modules", "__pycache__", "venv", "site-packages"}

Claimant = Callable[[str], "BackendParser | None"]


class UsageError(Exception):
    """The invocation cannot be carried out (exit code 2)."""


@record
class Inputs:
    nginx_candidates: list[str] = field(default_factory=list)
    backend_files: list[tuple[str, BackendParser]] = field(default_factory=list)
    tree_roots: list[str] = field(default_factory=list)
    explicit_files: set[str] = field(default_factory=set)
    # Every file named one by one on the command line (not found by walking a directory).
    named_files: set[str] = field(default_factory=set)
    # Directories the walk could not list, with the reason (reported as findings).
    unlisted: list[tuple[str, str]] = field(default_factory=list)


def discover(paths: list[str], claimant: Claimant, exclude: list[str], base: str, max_files: int,
             respect_gitignore: bool = True) -> Inputs:
    """Collect inputs; nonexistent paths are a usage error. Walking a directory skips
    what `exclude` names and, with `respect_gitignore`, what git ignores (nglint.gitignore).
    `claimant(path)` names the reader claiming a file, or None (nglint.sources.reader_for:
    it imports a reader only when a file's name fits it)."""
    inputs = Inputs()
    seen: set[str] = set()
    for raw in paths:
        path = os.path.abspath(raw)
        if not os.path.lexists(path):
            raise UsageError(f"{raw}: no such file or directory")
        if os.path.isdir(path):
            inputs.tree_roots.append(path)
            walked = boundary.Boundary([path])
            ignore = None
            if respect_gitignore:
                from nglint.gitignore import GitIgnore

                ignore = GitIgnore(path)
            for file_path, is_link in _walk(path, exclude, base, inputs.unlisted, ignore):
                # Only files nglint would check count: a repository's other files do not.
                if len(inputs.nginx_candidates) + len(inputs.backend_files) >= max_files:
                    raise UsageError(f"{raw}: more than max-files={max_files} files to check; raise the limit or exclude some")
                if is_link and not walked.contains(file_path):
                    # A symlink out of the tree is never opened, not even to sniff it; the
                    # loader refuses a .conf one (refused-include), a server.xml one is refused (refused-file).
                    if file_path not in seen:
                        seen.add(file_path)
                        if worth_sniffing(file_path):
                            inputs.nginx_candidates.append(file_path)
                        else:
                            parser = claimant(file_path)
                            if parser is not None:
                                inputs.backend_files.append((file_path, parser))
                    continue
                _classify(file_path, claimant, inputs, seen, explicit=False, is_link=is_link)
        else:
            inputs.tree_roots.append(os.path.dirname(path))
            inputs.named_files.add(path)
            if not _excluded(path, exclude, base):
                _classify(path, claimant, inputs, seen, explicit=True)
    inputs.nginx_candidates.sort(key=_entry_order)
    return inputs


def _entry_order(path: str) -> tuple:
    """nginx.conf first (it includes the rest), shallow before deep, then by name."""
    return (os.path.basename(path) != "nginx.conf", path.count(os.sep), path)


def _walk(root: str, exclude: list[str], base: str, unlisted: list[tuple[str, str]], ignore=None):
    """(file, whether it is a symlink) under `root`, top-down, sorted, symlinked
    directories not followed; the listing already says which entries are links.

    An explicit stack, not recursion (os.walk recurses before Python 3.12): a tree a
    thousand directories deep must not end in RecursionError. A directory that cannot be
    listed (permission, a name too long for the OS) is recorded, not raised."""
    stack = [root]
    while stack:
        dirpath = stack.pop()
        try:
            with os.scandir(dirpath) as entries:
                listed = [(entry.name, _kind(entry)) for entry in entries]
        except (OSError, ValueError) as exc:
            unlisted.append((dirpath, boundary.os_reason(exc)))
            continue
        subdirs = []
        ignoring = ignore is not None and ignore.applies_in(dirpath)
        for name, kind in sorted(listed):
            full = os.path.join(dirpath, name)
            if kind == "linked-dir":
                continue  # like os.walk(followlinks=False): neither followed nor a file
            if kind == "dir":
                if (
                    not name.startswith(".")
                    and name not in _SKIP_DIRS
                    and not _excluded(full, exclude, base)
                    and not (ignoring and ignore.ignored(full, is_dir=True))
                ):
                    subdirs.append(full)
            elif not _excluded(full, exclude, base) and not (ignoring and ignore.ignored(full)):
                yield full, kind == "linked-file"
        stack.extend(reversed(subdirs))


def _kind(entry: os.DirEntry) -> str:
    """"dir", "linked-dir" (a symlink to a directory), "linked-file" (any other symlink,
    including one that cannot be resolved: the loader reports it) or "file"."""
    try:
        if entry.is_dir(follow_symlinks=False):
            return "dir"
        if entry.is_symlink():
            return "linked-dir" if entry.is_dir() else "linked-file"
        return "file"
    except OSError:
        return "linked-file" if os.path.islink(entry.path) else "file"


def _excluded(path: str, patterns: list[str], base: str) -> bool:
    if not patterns:
        return False
    import fnmatch

    rel = os.path.relpath(path, base).replace(os.sep, "/")
    name = os.path.basename(path)
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(name, p) or fnmatch.fnmatch(rel, p.rstrip("/") + "/*") for p in patterns)


def _classify(path: str, claimant: Claimant, inputs: Inputs, seen: set[str], explicit: bool, is_link: bool | None = None) -> None:
    if path in seen:
        return
    seen.add(path)
    parser = claimant(path)
    if parser is not None:
        inputs.backend_files.append((path, parser))
        return
    name = os.path.basename(path)
    if explicit:
        if name != "catalina.properties" and explicit_nginx(path):
            inputs.nginx_candidates.append(path)
            inputs.explicit_files.add(path)
        return
    if (os.path.islink(path) if is_link is None else is_link) and not os.path.exists(path):
        return  # dangling or looping link found by walking: nothing to lint
    if is_nginx_file(path):
        inputs.nginx_candidates.append(path)
