"""Reading a file a reader found or was pointed at, with the same guarantees everywhere.

Orchestration files name other files (an env_file, a build context's Dockerfile, a
volume's source): each is read only when it lies inside the checked tree (after
resolving symlinks), is a regular file and fits the size limit. Refusals become refused-file
problems, so a hostile compose file cannot make nglint read /etc/passwd or block on a FIFO.
"""

from __future__ import annotations

import os
import stat

from nglint.diagnostics import REFUSED_FILE, UNREADABLE_FILE
from nglint.problems import Problem


def inside_tree(path: str, tree_roots: list[str]) -> bool:
    """True when `path`, symlinks resolved, lies inside one of the checked directories."""
    real = os.path.realpath(path)
    return any(real == r or real.startswith(r + os.sep) for r in (os.path.realpath(root) for root in tree_roots))


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
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            problems.append(Problem(REFUSED_FILE, where_path, where_line, f"not read: {shown} is not a regular file"))
            return None
        if info.st_size > max_file_size:
            problems.append(Problem(REFUSED_FILE, where_path, where_line,
                                    f"refused: {shown} is {info.st_size} bytes, over the max-file-size limit of {max_file_size}"))
            return None
        with open(path, "rb") as handle:
            raw = handle.read(max_file_size + 1)
    except OSError as exc:
        problems.append(Problem(UNREADABLE_FILE, where_path, where_line, f"cannot read {shown}: {exc.strerror or exc}"))
        return None
    return raw.decode("utf-8", errors="replace")


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
