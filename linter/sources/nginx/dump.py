"""`nginx -T` dumps: one file holding every configuration file nginx read.

`nginx -T` prints each file after a `# configuration file /etc/nginx/x.conf:` header
(and, with 2>&1, its own `nginx: ... syntax is ok` lines first). People lint such dumps
because they are what a running server really uses. nglint splits a dump into virtual
files named by their headers: includes are resolved against those names (never against
the file system, so a dump cannot make nglint read anything), and every directive,
finding and parse error keeps its line number in the dump itself.
"""

from __future__ import annotations

import os
import posixpath
import re

from nglint.boundary import Refused, open_limited
from nglint.sources.nginx.parse import ParsedFile, parse_nginx_file
from nglint.records import record

_HEADER = re.compile(rb"^# configuration file (\S.*):\r?$")
_PREAMBLE = re.compile(rb"^(nginx: .*|\s*)$")


@record
class DumpFile:
    """One file of the dump: its name in the header and its statements, lines in the dump."""

    virtual: str
    parsed: ParsedFile


def is_dump(path: str, max_file_size: int) -> bool:
    """A dump starts (after nginx's own status lines) with a `# configuration file` header."""
    try:
        head = open_limited(path, max_file_size, head=65536)
    except Refused:
        return False  # the parser records why
    for line in head.split(b"\n")[:20]:
        if _HEADER.match(line):
            return True
        if not _PREAMBLE.match(line):
            return False
    return False


def split_dump(path: str, max_file_size: int) -> list[DumpFile]:
    """Parse each file of the dump separately, shifting lines to where they are in the dump.

    The caller has checked `is_dump` and the file's size; parse errors land on the
    segment's ParsedFile exactly as for a real file."""
    try:
        raw = open_limited(path, max_file_size)
    except Refused as refused:
        return [DumpFile(path, ParsedFile(path, error=refused.reason))]
    lines = raw.split(b"\n")
    headers = [(index, match.group(1).decode("utf-8", "replace")) for index, line in enumerate(lines) if (match := _HEADER.match(line))]
    import shutil
    import tempfile  # only for a dump: this module is imported by every run

    files: list[DumpFile] = []
    workdir = tempfile.mkdtemp(prefix="nglint-dump-")
    try:
        for number, (index, virtual) in enumerate(headers):
            end = headers[number + 1][0] if number + 1 < len(headers) else len(lines)
            segment = os.path.join(workdir, f"{number}.conf")
            with open(segment, "wb") as handle:
                handle.write(b"\n".join(lines[index + 1 : end]))
            parsed = parse_nginx_file(segment, max_file_size)
            offset = index + 1  # segment line 1 is dump line index + 2
            parsed.path = path
            parsed.statements = _shift(parsed.statements, offset)
            parsed.comments = [(line + offset, text) for line, text in parsed.comments]
            parsed.error_line += offset
            if parsed.error:
                parsed.error = parsed.error.replace(segment, path)
            files.append(DumpFile(posixpath.normpath(virtual), parsed))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return files


def _shift(statements: list[dict], offset: int) -> list[dict]:
    for stmt in statements:
        stmt["line"] = int(stmt.get("line") or 1) + offset
        if stmt.get("block") is not None:
            _shift(stmt["block"], offset)
    return statements


def resolve(files: list[DumpFile], pattern: str) -> tuple[list[DumpFile], bool]:
    """Dump files an include names, and whether the pattern was a glob.

    Relative patterns are taken against the directory of the dump's first file (nginx's
    prefix). A glob's `*` does not cross `/`, as with nginx's glob(3)."""
    prefix = posixpath.dirname(files[0].virtual) if files else "/"
    wanted = posixpath.normpath(pattern if pattern.startswith("/") else posixpath.join(prefix, pattern))
    has_magic = any(char in wanted for char in "*?[")
    if not has_magic:
        return [f for f in files if f.virtual == wanted][:1], False
    import fnmatch

    depth = wanted.count("/")
    matches = [f for f in files if f.virtual.count("/") == depth and fnmatch.fnmatchcase(f.virtual, wanted)]
    return sorted(matches, key=lambda f: f.virtual), True
