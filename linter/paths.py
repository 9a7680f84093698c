"""How paths appear in messages: relative to the current directory, POSIX separators."""

from __future__ import annotations

import os


def display_path(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return rel.replace(os.sep, "/")
