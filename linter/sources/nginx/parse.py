"""Parse one nginx file, safely, into plain statements in crossplane's shape.

Well-formed files are read by nginx_fastparse, which returns exactly what crossplane
would, several times faster. Every other file is tokenized the way nginx does it
(nginx_syntax), so a parse error is the one `nginx -t` prints, at its line; crossplane
reads the files nginx accepts. crossplane's argument and context checks are off on purpose:
they reject valid newer nginx (`keepalive 32 local;`) and third-party directives.
Include handling is ours (see nginx_tree), so each file is parsed on its own
(`single=True`).
"""

from __future__ import annotations

import os

from nglint.boundary import Refused, open_limited
from nglint.digests import sha256_hex
from nglint.sources.nginx.fastparse import NotRegular, fast_parse
from nglint.records import field, record
from nglint.sources.nginx.templating import mask


@record
class ParsedFile:
    """One file's statements (in crossplane's shape), its comments, and why it failed if it did."""

    path: str
    statements: list[dict] = field(default_factory=list)
    comments: list[tuple[int, str]] = field(default_factory=list)
    error: str | None = None
    error_line: int = 1
    # Digest of the exact bytes parsed: `--fix` plans its edits on a second read of the
    # file and refuses it unless that read is these bytes.
    sha256: str = ""


def parse_nginx_file(path: str, max_file_size: int) -> ParsedFile:
    """Parse `path`; never raises. An unreadable or oversize file comes back with `error`."""
    parsed = ParsedFile(path)
    try:
        data = open_limited(path, max_file_size)
    except Refused as refused:
        parsed.error = refused.reason
        return parsed
    parsed.sha256 = sha256_hex(data)
    data = mask(path, data)  # a template's tags, masked in place: same lines, same offsets
    head = data[:4]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        parsed.error = "file is UTF-16 encoded; nginx reads configs as bytes and cannot parse it"
        return parsed

    try:
        parsed.statements, parsed.comments = fast_parse(data)
    except NotRegular as irregular:
        return _parse_irregular(parsed, data, head, irregular.cut_short)
    _note_byte_order_mark(parsed, head)
    return parsed


def _parse_irregular(parsed: ParsedFile, data: bytes, head: bytes, cut_short: bool) -> ParsedFile:
    """A file the fast reader declined: nginx's tokenizer decides whether it is valid.

    On a file nginx tokenizes without error crossplane's tree is used, so both readers
    give the same statements; where crossplane alone fails (`return 200 a}b;`, which
    nginx reads as one word) the tokenizer's tree is used. A `*_by_lua_block` body is
    Lua, lexed by the lua module: there crossplane's verdict stands.
    """
    from nglint.sources.nginx.syntax import scan

    nginx = scan(data)
    if nginx.error is not None:
        parsed.statements, parsed.comments = nginx.statements, nginx.comments
        parsed.error, parsed.error_line = nginx.error, nginx.error_line
        return parsed
    path = parsed.path
    try:
        statements, comments, errors = crossplane_parse_bytes(data, path)
    except RecursionError:
        parsed.error = "blocks nested too deeply to parse"
        return parsed
    except Exception as exc:  # crossplane may raise on bytes it cannot lex
        if nginx.gave_up:
            parsed.error = f"cannot parse: {exc}"
            return parsed
        statements, comments, errors = nginx.statements, nginx.comments, []
    if not nginx.gave_up:
        if errors:
            statements, comments = nginx.statements, nginx.comments
        parsed.statements, parsed.comments = statements, comments
        _note_byte_order_mark(parsed, head)
        return parsed
    parsed.statements, parsed.comments = statements, comments
    message = str(errors[0].get("error", "parse error")) if errors else None
    if (message is None and cut_short) or message == "":
        # The file ends inside a statement. crossplane drops a last word that nothing
        # follows, and stops with an empty message (a bare StopIteration) otherwise.
        parsed.error = 'unexpected end of file, expecting ";" or "}"'
        parsed.error_line = data.count(b"\n") + 1
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


def crossplane_parse_bytes(data: bytes, path: str) -> tuple[list[dict], list[tuple[int, str]], list[dict]]:
    """crossplane on the bytes already read, not on a second read of `path`: a file
    swapped for a FIFO in between cannot block the run, and every view of a file (the
    model, the fixer's plan) comes from one read. crossplane opens a path, so the bytes
    are handed over through an anonymous in-memory file; its name in crossplane's error
    messages is replaced by the real path."""
    memfd_create = getattr(os, "memfd_create", None)
    if memfd_create is None:  # not Linux: a private temporary file, removed at once
        import tempfile

        handle = tempfile.NamedTemporaryFile(prefix=".nglint-parse-", suffix=".conf")
        with handle:
            handle.write(data)
            handle.flush()
            return _renamed(crossplane_parse(handle.name), handle.name, path)
    fd = memfd_create("nglint-parse", getattr(os, "MFD_CLOEXEC", 0))
    try:
        _write_all(fd, data)
        name = f"/proc/self/fd/{fd}"
        return _renamed(crossplane_parse(name), name, path)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _renamed(result: tuple, name: str, path: str) -> tuple:
    statements, comments, errors = result
    for error in errors:
        if isinstance(error.get("error"), str):
            error["error"] = error["error"].replace(name, path)
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
