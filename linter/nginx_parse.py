"""Parse one nginx file with crossplane, safely, into plain statements.

crossplane's argument and context checks are off on purpose: they reject valid
newer nginx (`keepalive 32 local;`) and third-party directives. Include handling is
ours (see nginx_tree), so crossplane parses each file on its own (`single=True`).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field


@dataclass
class ParsedFile:
    """crossplane's statements for one file, its comments, and why it failed if it did."""

    path: str
    statements: list[dict] = field(default_factory=list)
    comments: list[tuple[int, str]] = field(default_factory=list)
    error: str | None = None
    error_line: int = 1


def parse_nginx_file(path: str, max_file_size: int) -> ParsedFile:
    """Parse `path`; never raises. An unreadable or oversize file comes back with `error`."""
    parsed = ParsedFile(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        parsed.error = f"cannot read file: {exc.strerror or exc}"
        return parsed
    if stat.S_ISDIR(info.st_mode):
        parsed.error = "is a directory, not a file"
        return parsed
    if not stat.S_ISREG(info.st_mode):
        parsed.error = "not a regular file"
        return parsed
    if info.st_size > max_file_size:
        parsed.error = f"file is {info.st_size} bytes, over the max-file-size limit of {max_file_size}"
        return parsed
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
    except OSError as exc:
        parsed.error = f"cannot read file: {exc.strerror or exc}"
        return parsed
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        parsed.error = "file is UTF-16 encoded; nginx reads configs as bytes and cannot parse it"
        return parsed

    import crossplane  # heavy-ish; loaded only when a config is parsed

    try:
        payload = crossplane.parse(
            path,
            single=True,
            comments=True,
            catch_errors=True,
            check_ctx=False,
            check_args=False,
            strict=False,
        )
    except RecursionError:
        parsed.error = "blocks nested too deeply to parse"
        return parsed
    except Exception as exc:  # crossplane may raise on bytes it cannot lex
        parsed.error = f"cannot parse: {exc}"
        return parsed
    config = payload["config"][0] if payload.get("config") else {"parsed": [], "errors": []}
    parsed.statements = _strip_comments(config.get("parsed") or [], parsed.comments)
    errors = config.get("errors") or payload.get("errors") or []
    if head.startswith(b"\xef\xbb\xbf") and not errors:
        # nginx does not skip a byte order mark: it reads it as the start of the first
        # directive and stops with "unknown directive". The rest is still checked.
        parsed.error = "file starts with a UTF-8 byte order mark, which nginx reads as part of the first directive"
        parsed.error_line = 1
    if errors:
        first = errors[0]
        parsed.error = _clean_error(str(first.get("error", "parse error")), path)
        parsed.error_line = first.get("line") or 1
    return parsed


def _strip_comments(statements: list[dict], comments: list[tuple[int, str]]) -> list[dict]:
    """Move comment statements out of the tree into a flat (line, text) list."""
    kept = []
    for stmt in statements:
        if stmt.get("directive") == "#":
            comments.append((stmt.get("line", 0), stmt.get("comment", "")))
            continue
        block = stmt.get("block")
        if block is not None:
            stmt["block"] = _strip_comments(block, comments)
        kept.append(stmt)
    return kept


def _clean_error(message: str, path: str) -> str:
    """crossplane appends ' in /abs/path:LINE'; the finding carries file and line already."""
    marker = f" in {path}:"
    index = message.find(marker)
    if index >= 0:
        return message[:index]
    if "maximum recursion depth" in message:
        return "blocks nested too deeply to parse"
    return message
