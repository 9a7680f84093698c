"""Everything loaded for one run: nginx entry configs with their models, backends, problems.

Checks read a Project and never touch the file system themselves, so each file is
read and parsed once however many rules look at it.
"""

from __future__ import annotations

import os
from functools import cached_property

from nglint.backends import Backend, BackendFile
from nglint.boundary import is_file
from nglint.config import Settings
from nglint.diagnostics import MISSING_INCLUDE, UNLISTED_DIRECTORY
from nglint.discovery import Inputs, UsageError, discover
from nglint.sources.nginx.model import NginxModel, build_model
from nglint.sources.nginx.parse import ParsedFile
from nglint.sources.nginx.tree import LoadLimits, NginxConfig, NginxLoader
from nglint.problems import Problem
from nglint.records import field, record
from nglint.sources.nginx.placeholders import template_problems


@record
class Project:
    settings: Settings
    tree_roots: list[str]
    configs: list[NginxConfig] = field(default_factory=list)
    backend_files: list[BackendFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    # Every nginx file parsed, with its comments (read by inline suppressions).
    parsed_nginx: dict[str, ParsedFile] = field(default_factory=dict)
    # Entry configs that are fragments: no entry file includes them and they hold no
    # main-context block, so nginx's prefix and the enclosing http level are unknown.
    fragments: set[str] = field(default_factory=set)

    @cached_property
    def models(self) -> list[NginxModel]:
        return [build_model(config) for config in self.configs]

    @cached_property
    def backends(self) -> list[Backend]:
        return [backend for file in self.backend_files for backend in file.backends]

    @cached_property
    def links(self):
        """Upstream-to-backend links, computed once for all checks (see linking.py)."""
        from nglint.linking import link_all

        return link_all(self)

    @cached_property
    def hops(self):
        """Every client-to-server hop of the run (see nglint.tiers.hops)."""
        from nglint.tiers.hops import all_hops

        return all_hops(self)

    @cached_property
    def front(self):
        """Front tiers, their hops and link gaps (nglint.tiers.front), analysed once: the
        front-tier hop builder, LB001, LB002 and WS002 read the same analysis."""
        from nglint.tiers.front import analyse_project

        return analyse_project(self)

    @cached_property
    def units(self):
        """Deployment units of the checked tree (nglint.tiers.units), one index per run:
        every linker and analysis asks about the same directories."""
        from nglint.tiers.units import UnitIndex

        return UnitIndex(self.tree_roots)

    @cached_property
    def websocket_sites(self) -> list:
        """Locations that proxy websockets (nglint.websocket), found once: WS001, WS002 and
        KA003 each ask."""
        from nglint.websocket import websocket_sites

        return websocket_sites(self)

    @cached_property
    def keepalive(self):
        """Shared keepalive analysis (see keepalive.py)."""
        from nglint.keepalive import KeepaliveAnalysis

        return KeepaliveAnalysis(self)


def load_project(paths: list[str], settings: Settings, cwd: str | None = None, jobs: int = 1) -> Project:
    """Discover and load everything under `paths`; bad files become problems, not errors.

    `jobs` > 1 parses files in worker processes first (see parallel.py); the result is
    the same Project, only sooner. A small file is read once for its sniff, its dump
    check and its parse (boundary.remembered_reads)."""
    from nglint.boundary import remembered_reads

    with remembered_reads():
        return _load_project(paths, settings, cwd, jobs)


def _load_project(paths: list[str], settings: Settings, cwd: str | None, jobs: int) -> Project:
    from nglint.sources import reader_for

    cwd = cwd or os.getcwd()
    base = settings.project_root or cwd
    inputs = discover(paths, reader_for, settings.exclude, base, settings.max_files, settings.respect_gitignore)
    tree_roots = _tree_roots(inputs, settings, cwd)
    project = Project(settings=settings, tree_roots=tree_roots)
    limits = LoadLimits(settings.max_file_size, settings.max_include_depth, settings.max_files)
    loader = NginxLoader(tree_roots, limits, settings.nginx_prefix)
    preparsed_backends: dict[str, BackendFile] = {}
    if jobs > 1:
        from nglint.parallel import preparse

        # Only files the loader will read: a symlink out of the tree is reported, never opened.
        in_tree = [path for path in inputs.nginx_candidates if loader.in_tree(path)]
        loader.preparsed, preparsed_backends = preparse(in_tree, inputs.backend_files, tree_roots, settings.max_file_size, jobs)
    project.configs = _load_entries(loader, inputs, settings)
    project.parsed_nginx = loader.parsed
    project.problems.extend(loader.problems)
    project.problems.extend(
        Problem(UNLISTED_DIRECTORY, directory, 1, f"cannot list directory: {reason}; the files in it are not checked") for directory, reason in inputs.unlisted
    )
    for config in project.configs:
        if is_fragment(config, settings):
            project.fragments.add(config.path)
            config.problems[:] = [fragment_problem(problem) for problem in config.problems]
        project.problems.extend(config.problems)
    project.problems[:] = template_problems(_with_directive_problems(project, settings), settings.max_file_size)

    seen_files: set[str] = set()
    for config in project.configs:
        for path in config.files:
            if path not in seen_files:
                seen_files.add(path)
                project.files.append(path)
    for path, parser in inputs.backend_files:
        parsed = preparsed_backends.pop(path, None) or parser.parse(path, tree_roots, settings.max_file_size)
        project.backend_files.append(parsed)
        project.problems.extend(parsed.problems)
        project.files.append(path)
    return project


def _with_directive_problems(project: Project, settings: Settings) -> list[Problem]:
    """Loading problems plus what nginx's directive table says (nginx_directives), less
    the parse errors a block-structure error earlier in their file caused."""
    from nglint.sources.nginx.directives import check_configs, drop_cascades

    found, broken = check_configs(project.configs, list(settings.nginx_roots), settings.nginx_version, settings.max_file_size)
    return drop_cascades(project.problems, broken) + found


def _tree_roots(inputs: Inputs, settings: Settings, cwd: str) -> list[str]:
    """The directories includes may read from: checked directories, plus the project root
    (or the current directory) for files named one by one, so `nglint check a/nginx.conf`
    may include `../snippets/x.conf` inside the same repository."""
    roots = list(inputs.tree_roots)
    extra = settings.project_root or cwd
    # Only files named one by one widen the tree: a server.xml found by walking a checked
    # directory must not make the current directory (and every sibling of the tree in it)
    # readable through `include ../x/*;`.
    named = inputs.explicit_files | {p for p, _ in inputs.backend_files if p in inputs.named_files}
    for path in named:
        if is_file(path) and path.startswith(os.path.abspath(extra) + os.sep):
            roots.append(os.path.abspath(extra))
            break
    roots.extend(settings.nginx_prefix.values())
    return roots


def _load_entries(loader: NginxLoader, inputs: Inputs, settings: Settings) -> list[NginxConfig]:
    """Load entry files; a candidate another entry includes is linted as part of it, once."""
    for root in settings.nginx_roots:
        if not is_file(root):
            raise UsageError(f"nginx-roots entry {root} (from {settings.origins.get('nginx-roots', 'config')}) is not a file")
    ordered = list(settings.nginx_roots) + [c for c in inputs.nginx_candidates if c not in settings.nginx_roots]
    covered: set[str] = set()
    configs: list[NginxConfig] = []
    for candidate in ordered:
        if candidate in covered:
            continue
        config = loader.load(candidate)
        configs.append(config)
        covered.update(config.files[1:])
    # A candidate loaded early may turn out to be included by a later entry.
    return [config for config in configs if config.path not in covered]


# Top-level blocks only a main configuration file (nginx.conf) holds.
_MAIN_CONTEXT = {"http", "events", "stream", "mail"}


def is_fragment(config: NginxConfig, settings: Settings) -> bool:
    """True for an entry that is really a piece of a larger config (conf.d/app.conf, a snippet)."""
    if config.path in settings.nginx_roots or os.path.basename(config.path) == "nginx.conf":
        return False
    return not any(d.name in _MAIN_CONTEXT and d.path == config.path for d in config.directives)


def fragment_problem(problem: Problem) -> Problem:
    """A relative include a fragment names but the tree lacks is not an error: the fragment's
    nginx prefix is unknown (Debian's `include proxy_params;` lives in /etc/nginx)."""
    from nglint.findings import Severity
    from nglint.records import replace

    if problem.kind == MISSING_INCLUDE and problem.message.endswith("matches no file"):
        return replace(
            problem,
            severity=Severity.INFO,
            message=problem.message + " here, and this fragment's nginx prefix is unknown: set nginx-roots or nginx-prefix to check it",
        )
    return problem
