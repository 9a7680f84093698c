"""Turn parsed nginx files into one directive tree per entry file, following includes.

nginx resolves relative includes against its configuration prefix (the entry file's
directory), expands globs in sorted order, and fails on a literal include that does not
exist. nglint does the same, but never reads outside the checked tree: absolute paths
are read only through an `nginx-prefix` mapping, and anything escaping the tree via
`..` or a symlink is recorded as a refused include instead of read.
"""

from __future__ import annotations

import os

from nglint import boundary
from nglint.boundary import Boundary
from nglint.diagnostics import BAD_INCLUDE, MISSING_INCLUDE, NGINX_PARSE_ERROR, REFUSED_INCLUDE, STOCK_INCLUDE
from nglint.findings import Severity
from nglint.sources.nginx.dump import DumpFile, is_dump, split_dump
from nglint.sources.nginx.dump import resolve as resolve_in_dump
from nglint.sources.nginx.parse import ParsedFile, parse_nginx_file
from nglint.paths import display_path
from nglint.problems import Problem
from nglint.records import field, record
from nglint.sources.nginx.stock_includes import stock_glob, stock_message, stock_name

# Where distributions install nginx's configuration; an absolute include under one of
# these is looked up relative to the checked tree before being given up on.
WELL_KNOWN_PREFIXES = ("/etc/nginx", "/usr/local/nginx/conf", "/usr/local/etc/nginx", "/opt/homebrew/etc/nginx")

# Block nesting followed across includes. Real configs nest under 10 deep; the bound keeps
# the recursive walk (and crossplane, parsing an include from inside it) far from
# Python's recursion limit, whatever a hostile chain of includes stacks up.
MAX_BLOCK_DEPTH = 200
# Directives one entry may expand to through includes. Each file is parsed once, but a
# file including the next ten times, ten levels deep, splices 10^10 copies ("billion
# laughs" with includes); real configs stay far below this.
MAX_EXPANDED_DIRECTIVES = 250_000


@record(eq=False)
class Directive:
    """One nginx directive with the file and line it was written at."""

    name: str
    args: list[str]
    path: str
    line: int
    block: list["Directive"] | None = None

    def arg(self, index: int, default: str = "") -> str:
        return self.args[index] if len(self.args) > index else default

    def children(self, name: str) -> list["Directive"]:
        return [d for d in self.block or () if d.name == name]


@record
class NginxConfig:
    """An entry file with its includes spliced in; `files` are every file it read."""

    path: str
    directives: list[Directive]
    files: list[str] = field(default_factory=list)
    includes: dict[str, list[str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # include problems met loading this entry


@record
class LoadLimits:
    max_file_size: int = 10 * 1024 * 1024
    max_include_depth: int = 32
    max_files: int = 10_000


class NginxLoader:
    """Loads entry files; parses each file at most once per run, whoever includes it."""

    def __init__(
        self,
        tree_roots: list[str],
        limits: LoadLimits | None = None,
        prefix_map: dict[str, str] | None = None,
    ) -> None:
        self.boundary = Boundary(tree_roots)
        self.tree_roots = self.boundary.roots
        self.limits = limits or LoadLimits()
        self.prefix_map = {os.path.normpath(k): v for k, v in (prefix_map or {}).items()}
        self.parsed: dict[str, ParsedFile] = {}
        self.preparsed: dict[str, ParsedFile] = {}  # parsed ahead by --jobs workers (parallel.py)
        # File-system answers, memoized for the run: a snippet included by thousands of
        # locations would otherwise cost a glob/lstat/realpath chain per include (the
        # tree is assumed not to change while it is being linted).
        self._matches: dict[tuple[bool, tuple[str, ...]], boundary.GlobResult] = {}
        self._globbed: dict[str, boundary.GlobResult] = {}
        self._isdir: dict[str, bool] = {}
        self.problems: list[Problem] = []
        self._problem_keys: set[tuple] = set()
        self._stock_reported: set[tuple[str, str]] = set()

    # -- public -------------------------------------------------------------------------
    def load(self, entry: str) -> NginxConfig:
        """Load `entry` and everything it includes (within the tree)."""
        entry = os.path.abspath(entry)
        config = NginxConfig(path=entry, directives=[])
        if not self.in_tree(entry):
            # A symlink found in the tree that points out of it: reading it could echo a
            # file the pull request's author cannot otherwise see into the CI log.
            # The message names the link only: where it leads is not the tree's business.
            config.problems.append(Problem(REFUSED_INCLUDE, entry, 1, f"{display_path(entry)} is a symlink that leads outside the checked tree; not read"))
            return config
        if is_dump(entry, self.limits.max_file_size):
            return self._load_dump(entry, config)
        parsed = self.parse(entry)
        config.files.append(entry)
        state = _Walk(config=config, base_dirs=self._base_dirs(entry))
        state.seen.add(entry)
        config.directives = self._expand(parsed.statements, entry, (self.realpath(entry),), state, 0)
        return config

    def _load_dump(self, entry: str, config: NginxConfig) -> NginxConfig:
        """An `nginx -T` dump: its first file is the entry, includes name files in the dump."""
        dump = split_dump(entry, self.limits.max_file_size)
        self.parsed[entry] = ParsedFile(entry)
        config.files.append(entry)
        for part in dump:
            if part.parsed.error:
                self._problem(Problem(NGINX_PARSE_ERROR, entry, part.parsed.error_line, f"{part.virtual}: {part.parsed.error}"))
        state = _Walk(config=config, base_dirs=[], dump=dump)
        config.directives = self._expand(dump[0].parsed.statements, entry, (f"{entry}::{dump[0].virtual}",), state, 0)
        return config

    def _include_from_dump(self, directive: Directive, pattern: str, stack: tuple[str, ...], state: "_Walk", depth: int) -> list[Directive]:
        parts, has_magic = resolve_in_dump(state.dump, pattern)
        if not parts and not has_magic:
            state.config.problems.append(Problem(MISSING_INCLUDE, directive.path, directive.line, f"include {pattern!r} matches no file in this nginx -T dump", "include"))
        out: list[Directive] = []
        for part in parts:
            key = f"{directive.path}::{part.virtual}"
            if key in stack:
                state.config.problems.append(
                    Problem(BAD_INCLUDE, directive.path, directive.line, f"include cycle: {pattern!r} includes a file that includes it", "include")
                )
                continue
            out.extend(self._expand(part.parsed.statements, directive.path, stack + (key,), state, depth))
        return out

    def parse(self, path: str) -> ParsedFile:
        """Parse one file once; its problems are recorded once, whoever asks."""
        key = os.path.abspath(path)
        parsed = self.parsed.get(key)
        if parsed is None:
            if len(self.parsed) >= self.limits.max_files:
                parsed = ParsedFile(key, error=f"not read: over the max-files limit of {self.limits.max_files}")
            else:
                parsed = self.preparsed.pop(key, None) or parse_nginx_file(key, self.limits.max_file_size)
            self.parsed[key] = parsed
            if parsed.error:
                self._problem(Problem(NGINX_PARSE_ERROR, key, parsed.error_line, parsed.error))
        return parsed

    def realpath(self, path: str) -> str:
        """The resolved path (the absolute path itself when it cannot be resolved, which
        only happens to paths in_tree refuses)."""
        return self.boundary.real(path) or os.path.abspath(path)

    def in_tree(self, path: str) -> bool:
        return self.boundary.contains(path)

    # -- internals ----------------------------------------------------------------------
    def _problem(self, problem: Problem) -> None:
        key = (problem.kind, problem.path, problem.line, problem.message)
        if key not in self._problem_keys:
            self._problem_keys.add(key)
            self.problems.append(problem)

    def _base_dirs(self, entry: str) -> list[str]:
        """Directories a relative include may be resolved against, nearest first.

        An `nginx.conf` is nginx's prefix itself. Any other entry is usually a fragment
        (conf.d/app.conf) whose includes are written relative to the real prefix one or
        more levels up, so its ancestors inside the tree are fallbacks.
        """
        first = os.path.dirname(entry)
        dirs = [first]
        if os.path.basename(entry) != "nginx.conf":
            current = first
            while True:
                parent = os.path.dirname(current)
                if parent == current or not self.in_tree(parent):
                    break
                dirs.append(parent)
                current = parent
        return dirs

    def _expand(self, statements: list[dict], path: str, stack: tuple[str, ...], state: "_Walk", depth: int) -> list[Directive]:
        out: list[Directive] = []
        append = out.append
        state.expanded += len(statements)
        for stmt in statements:
            # Every reader's statement has these three keys (fastparse, crossplane and
            # nginx_syntax alike). The argument list is shared, not copied: neither side
            # ever changes it.
            name = stmt["directive"]
            directive = Directive(name, stmt["args"], path, stmt["line"])
            block = stmt.get("block")
            if block is not None:
                if depth >= MAX_BLOCK_DEPTH:
                    self._problem(
                        Problem(NGINX_PARSE_ERROR, path, directive.line, f"blocks nested more than {MAX_BLOCK_DEPTH} deep (counting includes); the inner blocks are not checked")
                    )
                    directive.block = []
                else:
                    directive.block = self._expand(block, path, stack, state, depth + 1)
            append(directive)
            if name == "include" and block is None:
                out.extend(self._include(directive, stack, state, depth))
        return out

    def _include(self, directive: Directive, stack: tuple[str, ...], state: "_Walk", depth: int) -> list[Directive]:
        if not directive.args:
            state.config.problems.append(Problem(BAD_INCLUDE, directive.path, directive.line, "include has no file argument", "include"))
            return []
        pattern = directive.args[0]
        if "$" in pattern:
            return []  # nginx does not expand variables here either; nothing to follow
        if "\x00" in pattern:
            # No file name can hold a NUL byte (the OS calls would raise); nginx cannot open it either.
            state.config.problems.append(
                Problem(MISSING_INCLUDE, directive.path, directive.line, "include path contains a NUL byte and matches no file", "include")
            )
            return []
        if len(stack) > self.limits.max_include_depth:
            state.config.problems.append(
                Problem(
                    BAD_INCLUDE,
                    directive.path,
                    directive.line,
                    f"include {pattern!r} not followed: nesting deeper than max-include-depth {self.limits.max_include_depth}",
                    "include",
                )
            )
            return []
        if state.expanded >= MAX_EXPANDED_DIRECTIVES:
            if not state.fanout_reported:
                state.fanout_reported = True
                state.config.problems.append(
                    Problem(
                        BAD_INCLUDE,
                        directive.path,
                        directive.line,
                        f"include {pattern!r} not followed: the includes expand to more than {MAX_EXPANDED_DIRECTIVES} directives; "
                        "later includes are not followed either",
                        "include",
                    )
                )
            return []
        if state.dump is not None:
            return self._include_from_dump(directive, pattern, stack, state, depth)
        key = (directive.path, directive.line, pattern)
        resolved = state.resolved.get(key)
        if resolved is None:
            # The same include line is met again whenever its file is included again;
            # resolving (glob, realpath) once per line keeps that cheap.
            resolved = [(target, self.realpath(target)) for target in self._resolve(directive, pattern, state)]
            state.resolved[key] = resolved
        out: list[Directive] = []
        for target, real in resolved:
            if real in stack:
                state.config.problems.append(
                    Problem(BAD_INCLUDE, directive.path, directive.line, f"include cycle: {pattern!r} includes a file that includes it", "include")
                )
                continue
            if target not in state.seen:
                state.seen.add(target)
                state.config.files.append(target)
            state.config.includes.setdefault(directive.path, []).append(target)
            parsed = self.parse(target)
            out.extend(self._expand(parsed.statements, target, stack + (real,), state, depth))
        return out

    def _resolve(self, directive: Directive, pattern: str, state: "_Walk") -> list[str]:
        """Files an include names, filtered to the checked tree, with a diagnostic for the rest."""
        candidates_for_bases: list[str]
        if os.path.isabs(pattern):
            mapped = self._map_absolute(pattern, state)
            if mapped is None and self._stock(directive, pattern):
                return []
            if mapped is None and stock_glob(pattern):
                return []  # `include /etc/nginx/conf.d/*.conf;` with no such files here: nginx too includes nothing
            if mapped is None:
                state.config.problems.append(
                    Problem(
                        REFUSED_INCLUDE,
                        directive.path,
                        directive.line,
                        f"include {pattern!r} not read: absolute path outside the checked tree "
                        "(map it with nginx-prefix to check it)",
                        "include",
                        Severity.INFO,
                    )
                )
                return []
            candidates_for_bases = [mapped]
        else:
            candidates_for_bases = [os.path.join(base, pattern) for base in state.base_dirs]

        has_magic = boundary.has_magic(pattern)
        found = self._first_match(candidates_for_bases, has_magic)
        if found.outside and not found.matches:
            # Decided on the pattern and the tree's own links, reported once per include
            # line, and worded the same whether or not anything exists out there.
            state.config.problems.append(
                Problem(REFUSED_INCLUDE, directive.path, directive.line, f"include {pattern!r} points outside the checked tree; not read", "include")
            )
            return []
        if not found.matches:
            if not has_magic and not self._stock(directive, pattern):
                state.config.problems.append(Problem(MISSING_INCLUDE, directive.path, directive.line, f"include {pattern!r} matches no file", "include"))
            return []
        if found.outside:
            state.config.problems.append(
                Problem(
                    REFUSED_INCLUDE,
                    directive.path,
                    directive.line,
                    f"include {pattern!r} also reaches outside the checked tree through a symlink; those files are not read",
                    "include",
                )
            )

        files = []
        for match in found.matches:
            isdir = self._isdir.get(match)
            if isdir is None:
                isdir = self._isdir[match] = boundary.is_dir(match)
            if isdir:
                if not has_magic:
                    state.config.problems.append(Problem(BAD_INCLUDE, directive.path, directive.line, f"include {pattern!r} is a directory", "include"))
                continue
            files.append(match)
        return files

    def _stock(self, directive: Directive, pattern: str) -> bool:
        """True for an include of a stock file (mime.types) the tree lacks: one info per
        including file, never an error, however it is spelled (see stock_includes)."""
        name = stock_name(pattern)
        if name is None:
            return False
        key = (directive.path, name)
        if key not in self._stock_reported:
            self._stock_reported.add(key)
            self._problem(Problem(STOCK_INCLUDE, directive.path, directive.line, stock_message(pattern), "include", Severity.INFO))
        return True

    def _first_match(self, candidates: list[str], has_magic: bool) -> boundary.GlobResult:
        """Matches of the first candidate that has any (nginx's prefix first, then fallbacks).
        Every candidate is expanded by the boundary, which never lists outside the tree;
        nginx's own prefix decides `outside` when nothing matches anywhere."""
        key = (has_magic, tuple(candidates))
        found = self._matches.get(key)
        if found is None:
            found = boundary.GlobResult([])
            for index, candidate in enumerate(candidates):
                result = self._glob(candidate)
                if index == 0:
                    found = result
                if result.matches:
                    found = result
                    break
            self._matches[key] = found
        return found

    def _glob(self, pattern: str) -> boundary.GlobResult:
        """The boundary's expansion of `pattern`, once per run (see _matches)."""
        found = self._globbed.get(pattern)
        if found is None:
            found = self._globbed[pattern] = self.boundary.glob(pattern)
        return found

    def _map_absolute(self, pattern: str, state: "_Walk") -> str | None:
        """Map an absolute include onto the tree: configured nginx-prefix first, then the
        well-known install prefixes looked up against the entry's directory and its ancestors."""
        normalized = os.path.normpath(pattern)
        for prefix, target in sorted(self.prefix_map.items(), key=lambda item: -len(item[0])):
            if normalized == prefix or normalized.startswith(prefix + "/"):
                return os.path.join(target, os.path.relpath(normalized, prefix))
        for prefix in WELL_KNOWN_PREFIXES:
            if normalized.startswith(prefix + "/"):
                rest = os.path.relpath(normalized, prefix)
                for base in state.base_dirs:
                    candidate = os.path.join(base, rest)
                    if self._glob(candidate).matches:
                        return candidate
        return None


@record
class _Walk:
    config: NginxConfig
    base_dirs: list[str]
    seen: set[str] = field(default_factory=set)  # config.files as a set: membership per include
    dump: list[DumpFile] | None = None  # set when the entry is an `nginx -T` dump
    expanded: int = 0  # directives created so far, bounded by MAX_EXPANDED_DIRECTIVES
    fanout_reported: bool = False
    resolved: dict[tuple[str, int, str], list[tuple[str, str]]] = field(default_factory=dict)

