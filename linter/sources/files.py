"""Reading a file a reader found or was pointed at, with the same guarantees everywhere.

Orchestration files name other files (an env_file, a build context's Dockerfile, a
volume's source): each is read only when it lies inside the checked tree (after
resolving symlinks), is a regular file and fits the size limit. Refusals become refused-file
problems, so a hostile compose file cannot make nglint read /etc/passwd or block on a FIFO.
"""

from __future__ import annotations

import os

from nglint import boundary
from nglint.diagnostics import REFUSED_FILE, UNREADABLE_FILE
from nglint.problems import Problem


def inside_tree(path: str, tree_roots: list[str]) -> bool:
    """True when `path`, symlinks resolved, lies inside one of the checked directories."""
    real = boundary.real_path(path)
    if real is None:
        return False  # cannot be resolved (a NUL byte, a link into /proc/1/cwd): outside
    roots = (boundary.real_path(root) for root in tree_roots)
    return any(root is not None and boundary.within(real, root) for root in roots)


def read_text(path: str, tree_roots: list[str], max_file_size: int, problems: list[Problem],
              report_at: tuple[str, int] | None = None) -> str | None:
    """The file's text (UTF-8, undecodable bytes replaced), or None after recording why not.

    `report_at` places the problem where the file was named (a compose line) instead of
    on the file itself."""
    where_path, where_line = report_at or (path, 1)
    shown = os.path.basename(path) if report_at else "file"
    if not inside_tree(path, tree_roots):
        problems.append(Problem(REFUSED_FILE, where_path, where_line, f"not read: {shown} lies outside the checked tree"))
        return None
    try:
        raw = boundary.open_limited(path, max_file_size)
    except boundary.Refused as refused:
        problems.append(_refusal(refused.reason, shown, where_path, where_line))
        return None
    return raw.decode("utf-8", errors="replace")


def _refusal(reason: str, shown: str, path: str, line: int) -> Problem:
    """The boundary's reason, worded for the file as this reader names it."""
    if reason.startswith("cannot read file: "):
        return Problem(UNREADABLE_FILE, path, line, f"cannot read {shown}: {reason.removeprefix('cannot read file: ')}")
    if reason.startswith("file is "):
        return Problem(REFUSED_FILE, path, line, f"refused: {shown} {reason.removeprefix('file ')}")
    return Problem(REFUSED_FILE, path, line, f"not read: {shown} is not a regular file")


def expand_files(local: str, inside: str, tree_roots: list[str], limit: int = 400) -> dict[str, str]:
    """{path inside the container: local file} for a bind mount or COPY of `local` to `inside`.

    A directory is walked (skipping dependency and VCS folders) up to `limit` files, so a
    `COPY . /app` of a large repository stays bounded; files outside the tree are left out."""
    found: dict[str, str] = {}
    if not inside_tree(local, tree_roots):
        return found
    if os.path.isfile(local):
        found[inside] = os.path.abspath(local)
        return found
    if not os.path.isdir(local):
        return found
    base = os.path.abspath(local)
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in _SKIP)
        for name in sorted(filenames):
            if len(found) >= limit:
                return found
            full = os.path.join(dirpath, name)
            if os.path.islink(full) and not inside_tree(full, tree_roots):
                continue
            rel = os.path.relpath(full, base).replace(os.sep, "/")
            found[inside.rstrip("/") + "/" + rel] = full
    return found


_SKIP = {"node_modules", "__pycache__", "venv", "site-packages", "vendor", "target", "build", ".git"}
