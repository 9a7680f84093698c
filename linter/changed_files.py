"""Linting changed files in context: what the pre-commit hook (`nglint check --changed`) runs.

pre-commit passes only the files a commit touches, possibly split over several processes.
An nginx file rarely makes sense alone (its upstreams, its http level and the Tomcat
server.xml behind it live elsewhere), so each run loads the whole project around the
changed files (the repository, or the directory of the nglint config) exactly as
`nglint check <root>` would, then reports only what concerns the changed files:

- findings located in a changed file (an included file is checked through the entry file
  that includes it, so the finding is the same one the full run reports);
- findings caused by a changed file: its related location is in one (a server.xml edit
  that now breaks KA001 at an unchanged upstream fails the commit), or the changed file
  puts directives into a level enclosing the finding (a snippet edit that breaks the
  location including it, an http-level edit in nginx.conf that breaks a conf.d location).

Each finding is reported once even when pre-commit splits the files over several
processes: the process given the finding's own file reports it; otherwise the one given
its first changed cause (the full list of changed files comes from git).
"""

from __future__ import annotations

import os
from functools import cached_property

from nglint.boundary import exists, is_dir, within
from nglint.config import Settings
from nglint.findings import Finding
from nglint.records import field, record

# Where nginx configs live by convention; mirrors the `files` pattern of the hook.
_NGINX_DIRS = ("conf.d", "snippets", "nginx")
_BACKEND_NAMES = ("server.xml", "catalina.properties")
# Rules whose verdict depends on the enclosing levels a fragment does not have.


def is_hook_file(path: str) -> bool:
    """True for a file the `nglint` hook's default `files` pattern selects, or one a
    reader claims or is fed by."""
    name = os.path.basename(path)
    if name in _BACKEND_NAMES or name == "nginx.conf" or name.endswith((".conf", ".nginx", ".vhost", ".conf.template")):
        return True
    if _in_nginx_dir(path):
        return True
    from nglint.sources import feeds_a_reader, reader_for

    return reader_for(path) is not None or feeds_a_reader(path)


def find_git_root(start: str) -> str | None:
    current = os.path.abspath(start)
    if not os.path.isdir(current):
        current = os.path.dirname(current)
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def context_roots(changed: list[str], settings: Settings, cwd: str) -> list[str]:
    """The directories whose whole content gives the changed files their context: the
    directory of the nglint config, else the git work tree, else the changed files' own
    directory (never the current directory: run from $HOME, that would walk all of it).
    Empty for files in no common directory but `/`: they are linted on their own, as
    files named on the command line, and no directory is walked (walking the whole file
    system is not what a hook on one file means)."""
    if not changed:
        return [os.path.abspath(cwd)]
    own = os.path.commonpath([os.path.dirname(path) for path in changed])
    for candidate in (settings.project_root, find_git_root(changed[0]), find_git_root(cwd), own if os.path.dirname(own) != own else None):
        if candidate and all(within(path, os.path.abspath(candidate)) for path in changed):
            return [os.path.abspath(candidate)]
    return []


@record
class ChangedScope:
    """The changed files of one invocation and the rule deciding which findings are theirs."""

    root: str
    files: set[str]
    nginx_files: list[str] = field(default_factory=list)
    properties: set[str] = field(default_factory=set)
    _levels: dict[tuple[str, int], list[tuple[frozenset, ...]]] = field(default_factory=dict)
    _file_local: set[str] = field(default_factory=set)

    def learn(self, project, file_local: set[str]) -> None:
        """Learn which files shape the levels around each directive, and which backend
        files a changed file feeds (catalina.properties changes its server.xml)."""
        self._file_local = file_local
        for config in project.configs:
            # The main context (user, worker_processes, error_log) shapes no http level.
            self._walk(config.directives, (), main=True)
        if not self.properties:
            return
        from nglint.sources import readers

        loaded = [backend_file.path for backend_file in project.backend_files]
        for path in self.properties:
            for reader in readers():
                affected = getattr(reader, "affected_by", None)
                if affected is not None:
                    self.files.update(os.path.abspath(p) for p in affected(path, loaded, project.tree_roots))

    def _walk(self, block: list, outer: tuple, main: bool = False) -> None:
        """Record, for each directive, the files that set something in its enclosing levels
        (simple directives spliced in by include), as shared per-level sets. Sibling blocks
        (another server, another upstream) and the include lines themselves shape nothing."""
        chain = outer if main else outer + (_setters(block),)
        for directive in block:
            key = (os.path.abspath(directive.path), directive.line)
            if directive.block is not None:
                self._levels.setdefault(key, []).append(chain + (_setters(directive.block),))
                self._walk(directive.block, chain)
            else:
                self._levels.setdefault(key, []).append(chain)

    def _shaping(self, path: str, line: int) -> set[str]:
        """Files that put directives into the levels enclosing the directive at path:line."""
        found: set[str] = set()
        for chain in self._levels.get((path, line), ()):
            for level in chain:
                found |= level
        found.discard(path)
        return found

    def covers(self, finding: Finding) -> bool:
        own = os.path.abspath(finding.path)
        if own in self.files:
            return True
        # Not in a changed file, but caused by one: its related location is in one (the
        # server.xml Connector of KA001), or a changed file puts directives into the levels
        # around it (a snippet included in its location, the servers of its upstream).
        # Parse and suppression findings are about their own file only.
        causes = {os.path.abspath(r.location.path) for r in finding.related}
        if finding.rule not in self._file_local:
            causes |= self._shaping(own, finding.line)
        if not causes & self.files:
            return False
        # pre-commit may have split the changed files over several processes; exactly one
        # reports the finding: the one given its own file, else the one given its first cause.
        elsewhere = self._changed_elsewhere
        if own in elsewhere:
            return False
        return min(causes & (self.files | elsewhere)) in self.files

    @cached_property
    def _changed_elsewhere(self) -> set[str]:
        """Files of this commit (or pushed range) that pre-commit gives to the hook, known
        from git when run by pre-commit; empty otherwise (no split to coordinate with)."""
        if os.environ.get("PRE_COMMIT") != "1":
            return set()
        return {path for path in git_changed_files(self.root) if is_hook_file(path) and os.path.exists(path)}


def _setters(block: list) -> frozenset:
    return frozenset(os.path.abspath(d.path) for d in block if d.block is None and d.name != "include")


def git_changed_files(root: str) -> set[str]:
    """Absolute paths pre-commit hands to hooks for this run (staged files, or the
    from/to range of `pre-commit run --from-ref --to-ref` and pre-push)."""
    top = _git(root, "rev-parse", "--show-toplevel")
    if top is None:
        return set()
    top = top.strip()
    from_ref, to_ref = os.environ.get("PRE_COMMIT_FROM_REF"), os.environ.get("PRE_COMMIT_TO_REF")
    if from_ref and to_ref:
        out = _git(root, "diff", "--name-only", "--no-ext-diff", "-z", f"{from_ref}...{to_ref}")
    else:
        out = _git(root, "diff", "--staged", "--name-only", "--no-ext-diff", "-z", "--diff-filter=ACMRTUXB")
    if not out:
        return set()
    return {os.path.abspath(os.path.join(top, name)) for name in out.split("\0") if name}


def _git(root: str, *args: str) -> str | None:
    try:
        import subprocess  # only the --changed path asks git; keep it off every run's start-up

        result = subprocess.run(["git", "-C", root, *args], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None


def prepare(paths: list[str], settings: Settings, cwd: str) -> tuple[list[str], ChangedScope]:
    """Paths to load (changed nginx files first, then the context root) and the scope."""
    from nglint.discovery import _excluded

    changed: list[str] = []
    for raw in paths:
        path = os.path.abspath(os.path.join(cwd, raw))
        if is_dir(path):
            # A submodule (git lists its gitlink as a changed path) or a directory passed
            # by hand: pre-commit never passes either, so neither is linted.
            continue
        if not exists(path):
            continue  # deleted by the change: nothing is located in it any more
        changed.append(path)
    roots = context_roots(changed, settings, cwd)
    root = roots[0] if roots else os.path.dirname(changed[0])
    base = settings.project_root or cwd
    changed = [p for p in changed if not _excluded(p, settings.exclude, base)]
    scope = ChangedScope(root=root, files=set(changed))
    from nglint.sources import feeds_a_reader, reader_for

    for path in changed:
        if reader_for(path) is not None:
            continue  # a backend file: found again under the root
        if feeds_a_reader(path):
            scope.properties.add(path)
        elif _is_nginx(path):
            scope.nginx_files.append(path)
    if not roots:  # outside any project: the changed files alone
        return scope.nginx_files + [p for p in changed if os.path.basename(p) == "server.xml"], scope
    return scope.nginx_files + roots, scope


def _is_nginx(path: str) -> bool:
    """Should a changed file be read as nginx even if no entry file includes it? The same
    answer discovery gives (nglint.sources.nginx.sniff): a likely name, and nginx content."""
    from nglint.sources.nginx.sniff import is_nginx_file

    return is_nginx_file(path)


def _in_nginx_dir(path: str) -> bool:
    parts = path.replace(os.sep, "/").split("/")[:-1]
    return any(part in _NGINX_DIRS or part.startswith("sites-") for part in parts)


@record
class PathScope:
    """Paths named on the command line inside a larger project: the project is loaded as a
    whole (its includes, upstreams and backends are the context), and only findings located
    under the named paths, or in files a named nginx file includes, are reported, exactly
    as the whole run reports them there."""

    root: str
    selected: list[str]
    files: set[str] = field(default_factory=set)  # named files and what they include

    def learn(self, project, file_local: set[str]) -> None:
        """Add the files the named nginx files (or those under a named directory) include,
        transitively: `nglint check nginx.conf` checks the configuration it loads, not one
        file of it."""
        includes: dict[str, list[str]] = {}
        for config in project.configs:
            for parent, targets in config.includes.items():
                includes.setdefault(os.path.abspath(parent), []).extend(targets)
        pending = [parent for parent in includes if self._named(parent)]
        while pending:
            parent = pending.pop()
            for target in includes.get(parent, ()):
                target = os.path.abspath(target)
                if target not in self.files:
                    self.files.add(target)
                    pending.append(target)

    def contains(self, path: str) -> bool:
        path = os.path.abspath(path)
        return path in self.files or self._named(path)

    def _named(self, path: str) -> bool:
        return any(within(path, os.path.abspath(selected)) for selected in self.selected)

    def covers(self, finding: Finding) -> bool:
        return self.contains(finding.path)


def project_root(paths: list[str], settings: Settings, cwd: str) -> str | None:
    """The project around `paths`: the directory of the nglint config file, else the git
    work tree; None when neither holds every path (the paths are then their own context)."""
    absolute = [os.path.abspath(os.path.join(cwd, p)) for p in paths]
    if not absolute:
        return None
    for candidate in (settings.project_root, find_git_root(absolute[0])):
        if candidate and all(within(path, os.path.abspath(candidate)) for path in absolute):
            return os.path.abspath(candidate)
    return None


def prepare_paths(paths: list[str], settings: Settings, cwd: str) -> tuple[list[str], PathScope] | None:
    """(paths to load, scope) when `paths` lie inside a larger project; None when they are
    the project themselves (or name something that does not exist: discovery reports it)."""
    from nglint.sources.nginx.sniff import explicit_nginx

    absolute = [os.path.abspath(os.path.join(cwd, p)) for p in paths]
    if not absolute or not all(os.path.lexists(p) for p in absolute):
        return None
    root = project_root(paths, settings, cwd)
    if root is None or all(os.path.realpath(p) == os.path.realpath(root) for p in absolute):
        return None
    # A file named on the command line that the walk of the root would not pick (an
    # extension-less vhost, a file under an excluded directory) is loaded on its own too.
    named = [p for p in absolute if os.path.isfile(p) and os.path.basename(p) not in _BACKEND_NAMES and explicit_nginx(p)]
    return named + [root], PathScope(root=root, selected=absolute)
