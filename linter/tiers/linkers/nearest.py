"""The nearest-side rule every weak linker shares: which of several candidates is "ours".

A port or a conventional socket path (`/tmp/nginx.socket`) may be used by every stack of
a monorepo. Among the candidates of one deployment unit, the backend whose file shares
the deepest directory with the nginx file wins, and only when it is alone that near and
that directory holds one stack, not a folder of stacks (unless the directory declares
itself one project). Anything else is ambiguous: a link gap, never a guess.
"""

from __future__ import annotations

import os

from nglint.tiers.linkers import Resolution
from nglint.tiers.units import declares_one_project


def nearest_resolution(via: str, nginx_path: str, candidates: list, stacks: "StackIndex") -> Resolution:
    # Real paths: a config reached through a symlink is one file, in one place.
    origin = stacks.real_directory(nginx_path)
    shared: dict[str, str] = {}
    for backend in candidates:
        path = backend.location.path
        if path not in shared:
            shared[path] = os.path.commonpath([origin, stacks.real_directory(path)])
    deepest = max(len(directory) for directory in shared.values())
    nearest = [path for path, directory in shared.items() if len(directory) == deepest]
    if len(nearest) != 1 or (stacks.holds_several(shared[nearest[0]]) and not declares_one_project(shared[nearest[0]])):
        return Resolution(via, ambiguous=list(candidates))
    return Resolution(via, backends=[backend for backend in candidates if backend.location.path == nearest[0]])


class StackIndex:
    """Which directories hold nginx configs in two or more of their subdirectories."""

    def __init__(self, nginx_files) -> None:
        from nglint.boundary import RealPaths

        self._children: dict[str, set[str]] = {}
        self._paths = RealPaths()
        for current in {self.real_directory(path) for path in nginx_files}:
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

    def real_directory(self, path: str) -> str:
        """The real directory of a file (one lstat per distinct path, see RealPaths)."""
        real = self._paths.real(os.path.abspath(path))
        return os.path.dirname(real) if real is not None else os.path.dirname(os.path.abspath(path))
