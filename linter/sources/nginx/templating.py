"""nginx configs kept as templates: ERB, Jinja2, Go templates, Mustache, envsubst.

Many repositories keep nginx.conf as a template that a tool renders at deploy time:
Heroku's nginx buildpack reads `config/nginx.conf.erb`, Ansible roles ship
`templates/nginx.conf.j2`, consul-template and confd render `*.ctmpl`/`*.tmpl`, the official
image runs envsubst over `*.template`. Their nginx is real and races like any other, so
nglint reads them: every template tag is *masked* before nginx's grammar sees the bytes.

Masking keeps every byte offset and every line break where it was, so line numbers in
findings and the byte offsets the fix engine edits stay those of the template itself:

- an output tag (`<%= ENV["PORT"] %>`, `{{ port }}`) becomes one placeholder word of the
  same length, `$___`: nginx's grammar reads it as one argument, nglint as an unknown value
  (never guessed). No braces: crossplane keeps the blank after `${x}` when a block follows;
- a statement or comment tag (`<% if x %>`, `{% for %}`, `{{/* */}}`, `{{#list}}`) becomes
  blanks: both branches of a conditional are read, a loop's body once.

envsubst templates need no mask: `${VAR}` is already one word to nginx.
"""

from __future__ import annotations

import os
import re

from nglint.records import record


@record(frozen=True)
class Dialect:
    """One template language: its file suffixes and how its tags open and close."""

    name: str
    tool: str  # who renders it, for messages
    suffixes: tuple[str, ...]
    # (opening, closing) pairs, longest opening first so `{{{` wins over `{{`.
    tags: tuple[tuple[bytes, bytes], ...]


ENVSUBST = Dialect("envsubst", "envsubst at start-up", (".template",), ())
ERB = Dialect("erb", "ERB when the template is rendered", (".erb", ".epp"), ((b"<%", b"%>"),))
JINJA = Dialect(
    "jinja", "Jinja2 when the template is rendered", (".j2", ".jinja", ".jinja2"),
    ((b"{{", b"}}"), (b"{%", b"%}"), (b"{#", b"#}")),
)
GO_TEMPLATE = Dialect(
    "go-template", "the Go template engine when the template is rendered", (".tmpl", ".ctmpl", ".gotmpl"),
    ((b"{{", b"}}"),),
)
MUSTACHE = Dialect(
    "mustache", "Mustache when the template is rendered", (".mustache", ".hbs"),
    ((b"{{{", b"}}}"), (b"{{", b"}}")),
)
DIALECTS = (ENVSUBST, ERB, JINJA, GO_TEMPLATE, MUSTACHE)
_BY_SUFFIX = {suffix: dialect for dialect in DIALECTS for suffix in dialect.suffixes}

# Go template actions that print nothing; any other action prints a value.
_GO_SILENT = (b"if ", b"else", b"end", b"range ", b"with ", b"define ", b"template ", b"block ", b"/*", b"break", b"continue")
_LINE_BREAKS = frozenset(b"\r\n")
_MASKED = re.compile(r"\$_+(?![A-Za-z0-9])")
_ENVSUBST = re.compile(rb"\$\{[A-Za-z_][A-Za-z0-9_]*\}")


def dialect_of(path: str) -> Dialect | None:
    """The template language a file name declares, by its last suffix."""
    _, suffix = os.path.splitext(path)
    return _BY_SUFFIX.get(suffix.lower())


def rendered_name(path: str) -> str:
    """The file name once rendered: `nginx.conf.erb` -> `nginx.conf` (unchanged otherwise)."""
    stem, suffix = os.path.splitext(path)
    if suffix.lower() in _BY_SUFFIX and suffix.lower() != ".template":
        return stem
    return path


def mask(path: str, data: bytes) -> bytes:
    """`data` with every template tag of the file's dialect masked (same length, same
    line breaks); unchanged for a file that is no template or needs no mask."""
    dialect = dialect_of(path)
    if dialect is None or not dialect.tags:
        return data
    return mask_tags(data, dialect)


def mask_tags(data: bytes, dialect: Dialect) -> bytes:
    """One left-to-right pass: each opening finds its closing with `bytes.find`, so the
    cost is linear; an opening that is never closed leaves the rest of the file as it is
    (nginx's grammar then reports the line)."""
    out = bytearray(data)
    position = 0
    ahead: dict[bytes, int] = {}
    while True:
        start, opening, closing = _next_tag(data, position, dialect.tags, ahead)
        if start < 0:
            return bytes(out)
        end = data.find(closing, start + len(opening))
        if end < 0:
            return bytes(out)
        end += len(closing)
        if _prints(data[start + len(opening) : end - len(closing)], opening, dialect):
            _placeholder(out, start, end)
        else:
            _blank(out, start, end)
        position = end


def tags_on_line(path: str, data: bytes, line: int) -> tuple[int, list[str]]:
    """The template tags (or envsubst `${VAR}`s) that explain a parse error nginx reports on
    `line`, with the line they are on: that line's own, or those of the nearest non-blank
    line before it when that line's statement is left open (nginx reports a statement a
    placeholder left unterminated at the `}` or word after it)."""
    lines = data.split(b"\n")
    if not 1 <= line <= len(lines):
        return line, []
    dialect = dialect_of(path)
    found = _tags_in(lines[line - 1], dialect)
    index = line - 2
    while not found and index >= 0 and index >= line - 50:
        text = lines[index]
        if text.strip():
            masked = mask_tags(text, dialect) if dialect is not None and dialect.tags else _ENVSUBST.sub(b"$_", text)
            if masked.rstrip().endswith((b";", b"{", b"}")):
                return line, []  # a complete statement: the error is the reported line's own
            return index + 1, _tags_in(text, dialect)
        index -= 1
    return line, found


def _tags_in(text: bytes, dialect: Dialect | None) -> list[str]:
    if dialect is None or not dialect.tags:
        found, position = [], 0
        while (start := text.find(b"${", position)) >= 0:
            end = text.find(b"}", start)
            if end < 0:
                break
            found.append(text[start : end + 1].decode("utf-8", "replace"))
            position = end + 1
        return list(dict.fromkeys(found))
    masked = mask_tags(text, dialect)
    found, position = [], 0
    ahead: dict[bytes, int] = {}
    while True:
        start, opening, closing = _next_tag(text, position, dialect.tags, ahead)
        if start < 0:
            break
        end = text.find(closing, start + len(opening))
        end = len(text) if end < 0 else end + len(closing)
        if masked[start:end] != text[start:end]:
            found.append(text[start:end].decode("utf-8", "replace"))
        position = end
    return list(dict.fromkeys(found))


def _next_tag(data: bytes, position: int, tags, ahead: dict[bytes, int]) -> tuple[int, bytes, bytes]:
    """The earliest opening at or after `position` (longest first where two start together).

    `ahead` keeps, per opening, where it was last found (-1: nowhere after): an opening is
    searched again only once the scan has passed it, so a file of a million `{{x}}` does
    not rescan the rest of the file for a `{%` that never comes (each search moves forward)."""
    best, best_tag = -1, (b"", b"")
    for opening, closing in tags:
        found = ahead.get(opening)
        if found is None or 0 <= found < position:
            found = ahead[opening] = data.find(opening, position)
        if found >= 0 and (best < 0 or found < best or (found == best and len(opening) > len(best_tag[0]))):
            best, best_tag = found, (opening, closing)
    return best, best_tag[0], best_tag[1]


def _prints(body: bytes, opening: bytes, dialect: Dialect) -> bool:
    """Does this tag put text into the rendered file?"""
    body = body.lstrip(b"-~+ \t")
    if dialect is ERB:
        return body.startswith(b"=")
    if dialect is JINJA:
        return opening == b"{{"
    if dialect is GO_TEMPLATE:
        return not body.startswith(_GO_SILENT)
    if dialect is MUSTACHE:
        return opening == b"{{{" or not body.startswith((b"#", b"/", b"^", b"!", b">", b"=", b"&"))
    return True


def is_placeholder(word: str) -> bool:
    """Does this argument hold a masked template value (or an envsubst `${VAR}`)?"""
    if "$" not in word:
        return False  # most words: one scan, no regex
    return "${" in word or _MASKED.search(word) is not None


def shown(word: str) -> str:
    """An argument as messages show it: a masked template value is named as such."""
    return _MASKED.sub("<template value>", word)


def _placeholder(out: bytearray, start: int, end: int) -> None:
    """One word (`$___`) on the tag's first line; its other lines become blanks."""
    line_start = start
    for index in range(start, end + 1):
        if index == end or out[index] in _LINE_BREAKS:
            _word(out, line_start, index, first=line_start == start)
            line_start = index + 1


def _word(out: bytearray, start: int, end: int, first: bool) -> None:
    width = end - start
    if width <= 0:
        return
    if not first:
        out[start:end] = b" " * width
    else:
        out[start:end] = b"$" + b"_" * (width - 1)


def _blank(out: bytearray, start: int, end: int) -> None:
    for index in range(start, end):
        if out[index] not in _LINE_BREAKS:
            out[index] = 32
