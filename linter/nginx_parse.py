"""Parse one nginx file, safely, into plain statements in crossplane's shape.

Well-formed files are read by nginx_fastparse, which returns exactly what crossplane
would, several times faster; every other file is parsed by crossplane itself, so parse
errors are crossplane's. crossplane's argument and context checks are off on purpose:
they reject valid newer nginx (`keepalive 32 local;`) and third-party directives.
Include handling is ours (see nginx_tree), so each file is parsed on its own
(`single=True`).
"""

from __future__ import annotations

import os
import stat

from nglint.nginx_fastparse import NotRegular, decode_like_crossplane, fast_parse
from nglint.records import field, record


@record
class ParsedFile:
    """One file's statements (in crossplane's shape), its comments, and why it failed if it did."""

    path: str
    statements: list[dict] = field(default_factory=list)
    comments: list[tuple[int, str]] = field(default_factory=list)
    error: str | None = None
    error_line: int = 1


def parse_nginx_file(path: str, max_file_size: int) -> ParsedFile:
    """Parse `path`; never raises. An unreadable or oversize file comes back with `error`."""
    parsed = ParsedFile(path)
    from nglint import overlay

    data = overlay.read(path, max_file_size)
    if data is not None:
        return _parse_bytes(parsed, path, data, max_file_size)
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
            data = handle.read(max_file_size + 1)
    except OSError as exc:
        parsed.error = f"cannot read file: {exc.strerror or exc}"
        return parsed
    return _parse_bytes(parsed, path, data, max_file_size)


def _parse_bytes(parsed: ParsedFile, path: str, data: bytes, max_file_size: int) -> ParsedFile:
    if len(data) > max_file_size:  # grew since the stat
        parsed.error = f"file is over the max-file-size limit of {max_file_size} bytes"
        return parsed
    head = data[:4]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        parsed.error = "file is UTF-16 encoded; nginx reads configs as bytes and cannot parse it"
        return parsed

    try:
        parsed.statements, parsed.comments = fast_parse(data)
    except NotRegular as irregular:
        cut_short = irregular.cut_short
    else:
        _note_byte_order_mark(parsed, head)
        return parsed

    try:
        statements, comments, errors = crossplane_parse(path)
    except RecursionError:
        parsed.error = "blocks nested too deeply to parse"
        return parsed
    except Exception as exc:  # crossplane may raise on bytes it cannot lex
        parsed.error = f"cannot parse: {exc}"
        return parsed
    parsed.statements, parsed.comments = statements, comments
    message = str(errors[0].get("error", "parse error")) if errors else None
    if (message is None and cut_short) or message == "":
        # The file ends inside a statement. crossplane drops a last word that nothing
        # follows, and stops with an empty message (a bare StopIteration) otherwise.
        parsed.error = 'unexpected end of file, expecting ";" or "}"'
        parsed.error_line = decode_like_crossplane(data).rstrip().count("\n") + 1
    elif message is not None:
        parsed.error = _clean_error(message, path)
        parsed.error_line = errors[0].get("line") or 1
    else:
        _note_byte_order_mark(parsed, head)
    return parsed


def crossplane_parse(path: str) -> tuple[list[dict], list[tuple[int, str]], list[dict]]:
    """(statements, comments, errors) of one file from crossplane alone.

    The reference the fast reader must match (tests compare the two), and the parser of
    every file the fast reader hands back. May raise what crossplane raises.
    """
    import crossplane  # heavy-ish; loaded only when a file needs it

    from nglint.overlay import crossplane_lexing

    with crossplane_lexing(path):
        payload = crossplane.parse(
            path,
            single=True,
            comments=True,
            catch_errors=True,
            check_ctx=False,
            check_args=False,
            strict=False,
        )
    config = payload["config"][0] if payload.get("config") else {"parsed": [], "errors": []}
    comments: list[tuple[int, str]] = []
    statements = _strip_comments(config.get("parsed") or [], comments)
    errors = config.get("errors") or payload.get("errors") or []
    return statements, comments, errors


def _note_byte_order_mark(parsed: ParsedFile, head: bytes) -> None:
    """nginx does not skip a byte order mark: it reads it as the start of the first
    directive and stops with "unknown directive". The rest is still checked."""
    if head.startswith(b"\xef\xbb\xbf"):
        parsed.error = "file starts with a UTF-8 byte order mark, which nginx reads as part of the first directive"
        parsed.error_line = 1


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
