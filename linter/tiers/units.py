"""Deployment units: which files describe one deployable stack.

Links between tiers must stay inside a unit: a monorepo (or a corpus) with many stacks
must never link one stack's nginx to another stack's server by a shared port. A file's
unit is the nearest directory above it that marks a project of its own (a compose file,
a kustomization, a Helm chart, a git work tree, an nglint config), else the checked tree
root it was found under. Per-service markers (a Dockerfile, package.json) do not mark a
unit: a stack's nginx and app usually each have their own.
"""

from __future__ import annotations

import os

CHECKED_TREE = "<checked tree>"

UNIT_MARKERS = (
    "docker-compose.yml",
    "docker-compose.yaml",
    "compose.yml",
    "compose.yaml",
    "kustomization.yaml",
    "kustomization.yml",
    "Kustomization",
    "Chart.yaml",
    ".git",
    ".nglint.toml",
)


class UnitIndex:
    """Unit roots of files, memoised per directory (one stat per marker per directory)."""

    def __init__(self, tree_roots: list[str]) -> None:
        # A root inside another (an nginx-prefix mapping, a directory named twice) is no
        # unit boundary: only the outermost checked directories bound units.
        roots = sorted({os.path.abspath(root) for root in tree_roots}, key=len)
        outermost: list[str] = []
        for root in roots:
            if not any(root == outer or root.startswith(outer + os.sep) for outer in outermost):
                outermost.append(root)
        self._roots = outermost
        self._by_dir: dict[str, str] = {}

    def unit_of(self, path: str) -> str:
        directory = os.path.dirname(os.path.abspath(path))
        return self._unit_of_dir(directory)

    def _unit_of_dir(self, directory: str) -> str:
        walked = []
        current = directory
        unit = None
        while True:
            known = self._by_dir.get(current)
            if known is not None:
                unit = known
                break
            walked.append(current)
            if _is_marked(current):
                unit = current
                break
            parent = os.path.dirname(current)
            if current in self._roots or parent == current or not self._inside_tree(parent):
                unit = CHECKED_TREE
                break
            current = parent
        for seen in walked:
            self._by_dir[seen] = unit
        return unit

    def unit_dir(self, path: str) -> str:
        """The directory that bounds `path`'s unit: the unit's own directory, or for the
        checked tree the outermost checked directory holding `path`."""
        unit = self.unit_of(path)
        if unit != CHECKED_TREE:
            return unit
        absolute = os.path.abspath(path)
        for root in self._roots:
            if absolute == root or absolute.startswith(root + os.sep):
                return root
        return os.path.dirname(absolute)

    def _inside_tree(self, directory: str) -> bool:
        return any(directory == root or directory.startswith(root + os.sep) for root in self._roots)


def _is_marked(directory: str, markers: tuple[str, ...] = UNIT_MARKERS) -> bool:
    """One listing of the directory answers for every marker and for the variant compose
    files (docker-compose.local.yml, compose.prod.yaml) a project may deploy with only."""
    from nglint.sources.compose.names import is_compose_name

    try:
        names = os.listdir(directory)
    except OSError:
        # Searchable but not listable (mode 711): each marker can still be looked up.
        return any(os.path.lexists(os.path.join(directory, marker)) for marker in markers)
    return any(name in markers or is_compose_name(name) for name in names)


def declares_one_project(directory: str) -> bool:
    """True for a directory whose own files say it is one deployable project (a compose
    file, kustomization, chart or nglint config); a git work tree may be a monorepo."""
    return _is_marked(directory, tuple(marker for marker in UNIT_MARKERS if marker != ".git"))
