"""Link an upstream `server host:PORT` to the backend listening on PORT.

The host is not compared (container names rarely appear in a server's own config), so
the port is all the evidence, and it is weak. Three guards keep it from linking one
stack's nginx to another stack's server:

- only backends of the nginx file's own deployment unit (nglint.tiers.units) are
  candidates;
- among them, the file nearest the nginx file wins, the one sharing the deepest
  directory with it ("the nearest directory holding both sides"), and only when that
  file is the only one that near;
- that shared directory must hold one stack, not several: when two or more of its
  subdirectories hold nginx configs of their own (a folder of stacks, a monorepo), a
  server found through it may be any stack's, so the link stays a gap, unless the
  directory declares itself one project (a compose file, kustomization, chart or nglint
  config at its top; a git work tree does not, since monorepos are git work trees).

What the guards refuse is reported as ambiguous (P005), never guessed.
"""

from __future__ import annotations

import os

from nglint.tiers.linkers import Resolution
from nglint.tiers.units import UnitIndex, declares_one_project


class ByPort:
    name = "port"
    priority = 100

    def prepare(self, backends, project) -> None:
        self._units = UnitIndex(project.tree_roots)
        self._by_unit_port: dict[tuple[str, int], list] = {}
        for backend in backends:
            if backend.nginx_links_to and backend.port is not None:
                # A backend that knows its unit (a compose service) keeps it: its location
                # may be a file elsewhere (the Dockerfile of a build context).
                key = (backend.unit or self._units.unit_of(backend.location.path), backend.port)
                self._by_unit_port.setdefault(key, []).append(backend)
        self._stacks = StackIndex(project.parsed_nginx.keys())

    def resolve(self, upstream, server) -> Resolution | None:
        if server.port is None:
            return None
        candidates = self._by_unit_port.get((self._units.unit_of(server.directive.path), server.port))
        if not candidates:
            return None
        via = f"port {server.port}"
        # Real paths: a config reached through a symlink is one file, in one place.
        origin = os.path.dirname(os.path.realpath(server.directive.path))
        shared: dict[str, str] = {}
        for backend in candidates:
            path = backend.location.path
            if path not in shared:
                shared[path] = os.path.commonpath([origin, os.path.dirname(os.path.realpath(path))])
        deepest = max(len(directory) for directory in shared.values())
        nearest = [path for path, directory in shared.items() if len(directory) == deepest]
        if len(nearest) != 1 or (self._stacks.holds_several(shared[nearest[0]]) and not declares_one_project(shared[nearest[0]])):
            return Resolution(via, ambiguous=list(candidates))
        return Resolution(via, backends=[backend for backend in candidates if backend.location.path == nearest[0]])


class StackIndex:
    """Which directories hold nginx configs in two or more of their subdirectories."""

    def __init__(self, nginx_files) -> None:
        self._children: dict[str, set[str]] = {}
        for path in {os.path.realpath(path) for path in nginx_files}:
            current = os.path.dirname(path)
            while True:
                parent = os.path.dirname(current)
                if parent == current:
                    break
                children = self._children.setdefault(parent, set())
                if current in children:
                    break  # this ancestor chain is already recorded
                children.add(current)
                current = parent

    def holds_several(self, directory: str) -> bool:
        return len(self._children.get(directory, ())) >= 2
