"""nginx's own tokenizer, byte for byte: what `nginx -t` accepts before it looks up a directive.

crossplane's lexer is lenient where nginx is strict, and strict where nginx is not:
it splits `return 200 a}b;` at the `}` (nginx reads `a}b` as one word), accepts
`"a"-b` as two words (nginx stops: `unexpected "-"`), and splits words on any Unicode
space. This module is a port of ngx_conf_read_token() and the block loop of
ngx_conf_parse() (src/core/ngx_conf_file.c): it reads one file's bytes into statements
in crossplane's shape and stops at the first error, with nginx's message and the line
nginx prints (`... in /path:LINE`). It knows no directive; nginx_directives checks the
statements against the directive table.

It runs only on the files the fast reader declines (nginx_fastparse), which are few:
a Python loop per byte is slow, but so is crossplane, which reads those files anyway.
"""

from __future__ import annotations

from nglint.records import field, record

_SPACE = " \t\r\n"
# A word longer than nginx's read buffer fails with "too long parameter".
_NGX_CONF_BUFFER = 4096
_MAX_DEPTH = 200  # nginx_tree follows blocks this deep; deeper is reported, not recursed into


@record
class Statement:
    """One statement as nginx reads it: where it starts, where its `;` or `{` is."""

    name: str
    line: int
    end_line: int
    block: bool


@record
class Scan:
    """One file as nginx tokenizes it.

    `statements` and `comments` are in crossplane's shape (what nginx_parse returns),
    complete up to the first error; `error` is nginx's message and line, or None.
    `gave_up` is set for a `*_by_lua_block` body, which the lua module lexes itself:
    then nothing here is a verdict.
    """

    statements: list[dict] = field(default_factory=list)
    comments: list[tuple[int, str]] = field(default_factory=list)
    flat: list[Statement] = field(default_factory=list)
    error: str | None = None
    error_line: int = 0
    gave_up: bool = False


class _Stop(Exception):
    def __init__(self, message: str | None, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


_OK, _BLOCK_START, _BLOCK_DONE, _FILE_DONE = range(4)


class _Reader:
    """ngx_conf_read_token() over text decoded as latin-1 (one character per byte)."""

    def __init__(self, text: str, comments: list[tuple[int, str]]) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.comments = comments

    def statement(self) -> tuple[int, list[tuple[str, bool]], int]:
        """(how it ended, its words as (value, quoted), line of its first word)."""
        text, end = self.text, len(self.text)
        words: list[tuple[str, bool]] = []
        need_space = quoted = s_quoted = d_quoted = variable = False
        last_space = True
        start = self.pos
        first_line = token_line = self.line
        while True:
            if self.pos >= end:
                if words or not last_space:
                    raise _Stop('unexpected end of file, expecting ";" or "}"', self.line)
                return _FILE_DONE, words, first_line
            if self.pos - start >= _NGX_CONF_BUFFER:
                # nginx's read buffer is full of one token (or comment) and more is to come.
                raise _Stop(_too_long(text, start, d_quoted, s_quoted), token_line)
            ch = text[self.pos]
            self.pos += 1
            if ch == "\n":
                self.line += 1
            if quoted:
                quoted = False
                continue
            if need_space:
                if ch in _SPACE:
                    last_space, need_space = True, False
                    continue
                if ch == ";":
                    return _OK, words, first_line
                if ch == "{":
                    return _BLOCK_START, words, first_line
                if ch == ")":
                    last_space, need_space = True, False
                else:
                    raise _Stop(f'unexpected "{ch}"', self.line)
            if last_space:
                start = self.pos - 1
                token_line = self.line
                if not words:
                    first_line = self.line
                if ch in _SPACE:
                    continue
                if ch in ";{":
                    if not words:
                        raise _Stop(f'unexpected "{ch}"', self.line)
                    return (_BLOCK_START if ch == "{" else _OK), words, first_line
                if ch == "}":
                    if words:
                        raise _Stop('unexpected "}"', self.line)
                    return _BLOCK_DONE, words, first_line
                if ch == "#":
                    newline = text.find("\n", self.pos)
                    stop = end if newline < 0 else newline
                    if stop - start >= _NGX_CONF_BUFFER and stop < end:
                        raise _Stop(_too_long(text, start, False, False), token_line)
                    self.comments.append((self.line, _decode(text[self.pos : stop])))
                    self.pos = stop
                    continue
                last_space = False
                if ch == "\\":
                    quoted = True
                elif ch == '"':
                    start += 1
                    d_quoted = True
                elif ch == "'":
                    start += 1
                    s_quoted = True
                elif ch == "$":
                    variable = True
                continue
            if ch == "{" and variable:
                continue
            variable = False
            if ch == "\\":
                quoted = True
                continue
            if ch == "$":
                variable = True
                continue
            found = False
            if d_quoted:
                if ch == '"':
                    d_quoted, need_space, found = False, True, True
            elif s_quoted:
                if ch == "'":
                    s_quoted, need_space, found = False, True, True
            elif ch in _SPACE or ch == ";" or ch == "{":
                last_space = found = True
            if not found:
                continue
            raw = text[start : self.pos - 1]
            if need_space:  # a quoted word: crossplane unescapes its own quote only
                mark = '"' if ch == '"' else "'"
                words.append((_decode(raw.replace("\\" + mark, mark)), True))
            else:
                words.append((_decode(raw), False))
            if ch == ";" and not need_space:
                return _OK, words, first_line
            if ch == "{" and not need_space:
                return _BLOCK_START, words, first_line


def _too_long(text: str, start: int, d_quoted: bool, s_quoted: bool) -> str:
    if d_quoted or s_quoted:
        return f'too long parameter, probably missing terminating "{chr(34) if d_quoted else chr(39)}" character'
    return f'too long parameter "{_decode(text[start : start + 10])}..." started'


def _decode(latin: str) -> str:
    """Bytes read as latin-1 back to text the way crossplane decodes a file."""
    return latin.encode("latin-1").decode("utf-8", "replace")


def scan(data: bytes) -> Scan:
    """Tokenize `data` as nginx does; never raises."""
    from nglint.sources.nginx.fastparse import strip_if_parentheses

    result = Scan()
    reader = _Reader(data.decode("latin-1"), result.comments)

    def block(out: list[dict], depth: int, inside: bool) -> None:
        # Statements are appended as they are read, so what precedes an error is kept.
        while True:
            rc, words, line = reader.statement()
            if rc == _BLOCK_DONE:
                if not inside:
                    raise _Stop('unexpected "}"', reader.line)
                return
            if rc == _FILE_DONE:
                if inside:
                    raise _Stop('unexpected end of file, expecting "}"', reader.line)
                return
            name = words[0][0]
            if name.startswith("\\\n") and not words[0][1]:
                line += 1  # crossplane's line for a name that starts with an escaped newline
            args = [value for value, _ in words[1:]]
            stmt: dict = {"directive": name, "line": line, "args": args}
            if name == "if":
                stmt["args"] = strip_if_parentheses(args)
            out.append(stmt)
            result.flat.append(Statement(name, line, reader.line, rc == _BLOCK_START))
            if rc == _BLOCK_START:
                if name.endswith("_by_lua_block"):
                    raise _Stop(None, line)  # Lua, not nginx tokens: the lua module lexes it
                if depth >= _MAX_DEPTH:
                    raise _Stop("blocks nested too deeply to parse", reader.line)
                stmt["block"] = []
                block(stmt["block"], depth + 1, True)

    try:
        block(result.statements, 0, False)
    except _Stop as stop:
        if stop.message is None:
            result.gave_up = True
        else:
            result.error, result.error_line = stop.message, stop.line
    return result
