"""Unified diffs of raw bytes that both `git apply` and `patch -p1` accept.

difflib's unified_diff works on text and has no "\\ No newline at end of file" marker;
config files may end without a newline, use CRLF, or hold bytes that are not UTF-8,
so hunks are built here from difflib's grouped opcodes on byte lines, unchanged bytes.
"""

from __future__ import annotations

import difflib


def split_lines(data: bytes) -> list[bytes]:
    """Lines split on LF only, endings kept (a CR before it stays part of the line, and a
    lone CR or form feed is not a line break, unlike bytes.splitlines)."""
    lines = data.split(b"\n")
    out = [line + b"\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def _range(start: int, stop: int) -> str:
    length = stop - start
    beginning = start + 1
    if length == 1:
        return f"{beginning}"
    if not length:
        beginning -= 1
    return f"{beginning},{length}"


def _line(prefix: bytes, line: bytes) -> bytes:
    if line.endswith(b"\n"):
        return prefix + line
    return prefix + line + b"\n\\ No newline at end of file\n"


def unified_diff(display_path: str, old: bytes, new: bytes, context: int = 3) -> bytes:
    """`--- a/path` / `+++ b/path` and hunks; empty when old == new."""
    if old == new:
        return b""
    a, b = split_lines(old), split_lines(new)
    name = display_path.encode("utf-8", errors="surrogateescape")
    out = [b"--- a/" + name + b"\n", b"+++ b/" + name + b"\n"]
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context):
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n".encode())
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(_line(b" ", line) for line in a[i1:i2])
                continue
            if tag in ("replace", "delete"):
                out.extend(_line(b"-", line) for line in a[i1:i2])
            if tag in ("replace", "insert"):
                out.extend(_line(b"+", line) for line in b[j1:j2])
    return b"".join(out)
