"""In-memory file contents for `nglint check --stdin-filename PATH -`.

An editor lints the buffer it has, not the file on disk. The buffer replaces that one
file's bytes for every reader of the run: every read goes through
`nglint.boundary.open_limited`, which asks here first, so the findings are exactly those
the file would get if it were saved, with the project around it. Nothing is written to
disk. Lookups are by real path, so `./a/../a/nginx.conf` is the same file.
"""

from __future__ import annotations

import os

_CONTENT: dict[str, bytes] = {}


def install(path: str, data: bytes) -> None:
    _CONTENT[os.path.realpath(path)] = data


def clear() -> None:
    _CONTENT.clear()


def content(path: str) -> bytes | None:
    """The overlaid bytes of `path`, or None when it is read from disk as usual."""
    if not _CONTENT:
        return None
    return _CONTENT.get(os.path.realpath(path))


def read(path: str, limit: int | None = None) -> bytes | None:
    """Overlaid bytes cut to `limit` + 1 (so callers still see an oversize file), or None."""
    data = content(path)
    if data is None or limit is None:
        return data
    return data[: limit + 1]
