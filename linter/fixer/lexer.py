"""A byte-offset nginx lexer: where each statement starts and ends in the raw file.

crossplane gives lines only. To put a fix at an exact byte, nglint lexes the file's raw
bytes again with the same rules as crossplane's lexer (quotes, backslash escapes, `${`,
comments only at a token start, `{ } ;` as tokens), keeping offsets. Delimiters are all
ASCII, so working on bytes never splits a UTF-8 sequence and undecodable bytes survive.
The result is checked against crossplane's arguments by the caller before it is used.
"""

from __future__ import annotations

import re

from nglint.records import field, record

_WS = frozenset(b" \t\r\n\f\v")
_BLANKS = re.compile(rb"[ \t\r\f\v]+")
_PLAIN = re.compile(rb"[^ \t\r\n\f\v{};\\$]+")  # runs with nothing to decide inside a token
_SPECIAL = frozenset(b"{};")
_QUOTES = frozenset(b"\"'")
_BACKSLASH = ord("\\")
_LUA_SUFFIX = "_by_lua_block"
_LUA_CODE = "\x00lua\x00"  # stands for a Lua block's code, which is never compared


class LexError(ValueError):
    """The file cannot be lexed reliably (unbalanced, unterminated quote, Lua block)."""


@record
class Token:
    value: str
    start: int
    end: int
    line: int
    quoted: bool = False


@record(eq=False)
class Statement:
    """One directive with offsets: [start, end) spans the name to `;` or the closing `}`."""

    name: str
    args: list[str]
    line: int
    start: int
    end: int
    open_brace: int | None = None
    close_brace: int | None = None
    children: list["Statement"] | None = None


@record
class Lexed:
    data: bytes
    statements: list[Statement]
    comments: list[Token] = field(default_factory=list)

    def walk(self):
        stack = list(reversed(self.statements))
        while stack:
            stmt = stack.pop()
            yield stmt
            if stmt.children:
                stack.extend(reversed(stmt.children))


# The regular part of an ASCII file, one token per match with the blanks before it: a
# comment, `{ } ;`, a quoted string, or a word with no quote at its start, no escaped
# line break and no `${`. Everything else (see _regular_lex) sends the whole file to
# the byte-by-byte reader below.
_REGULAR = re.compile(
    r"""[ \t\r\n\f\v]*(?:
      (?P<comment>\#[^\n]*)
    | (?P<special>[{};])
    | (?P<dq>"[^"\\]*(?:\\[\s\S][^"\\]*)*")
    | (?P<sq>'[^'\\]*(?:\\[\s\S][^'\\]*)*')
    | (?P<word>(?:[^ \t\r\n\f\v{};\\$"'\#]|\\[^\n]|\$(?!\{))[^ \t\r\n\f\v{};\\$]*(?:(?:\\[^\n]|\$(?!\{))[^ \t\r\n\f\v{};\\$]*)*)
    | (?P<end>\Z)
    | (?P<other>)
    )""",
    re.VERBOSE,
)


# A whole statement of plain words (no quote, backslash or `#` in it) ended by `;` or
# `{`: one match instead of one per word. Words split on the lexer's own blanks.
_SIMPLE = re.compile(r"[ \t\r\n\f\v]*(?P<body>[^ \t\r\n\f\v{};\\\"'#][^{};\\\"'#]*)(?P<mark>[;{])")
_WORDS = re.compile(r"[^ \t\r\n\f\v]+")


def _regular_lex(data: bytes) -> Lexed | None:
    """lex() for a well-formed ASCII file in the regular part of the grammar (_REGULAR):
    statements built straight from one regular expression's matches, with no token
    objects in between; None for any other file, which lex() reads byte by byte (and
    which alone can raise LexError, with its messages). In ASCII a character is a byte,
    so offsets into the text are offsets into the file. tests/test_fix_lexer.py holds
    the two readers to the same statements and comments."""
    if not data.isascii():
        return None
    text = data.decode("ascii")
    size = len(text)
    comments: list[Token] = []
    top: list[Statement] = []
    current = top
    open_blocks: list[tuple[list[Statement], Statement]] = []
    head: tuple[str, int, int] | None = None  # (name, start, line) of the statement being read
    args: list[str] = []
    line, counted = 1, 0
    pos = 0
    while True:
        if head is None:
            simple = _SIMPLE.match(text, pos)
            if simple is not None:
                body, mark = simple.group("body", "mark")
                if not (mark == "{" and body[-1] == "$"):
                    words = _WORDS.findall(body)
                    if words[0].endswith(_LUA_SUFFIX):
                        return None  # crossplane's Lua lexer takes over
                    start = simple.start("body")
                    line += text.count("\n", counted, start)
                    counted = start
                    pos = simple.end()
                    if mark == ";":
                        current.append(Statement(words[0], words[1:], line, start, pos))
                    else:
                        block = Statement(words[0], words[1:], line, start, pos, pos - 1, None, [])
                        current.append(block)
                        open_blocks.append((current, block))
                        current = block.children
                    continue
        match = _REGULAR.match(text, pos)
        pos = match.end()
        kind = match.lastgroup
        if kind == "end":
            return Lexed(data, top, comments) if head is None and not open_blocks else None
        if kind == "other":
            return None
        start, end = match.span(kind)
        line += text.count("\n", counted, start)
        counted = start
        if kind == "special":
            mark = text[start]
            if mark == "}":
                if head is not None or not open_blocks:
                    return None
                current, block = open_blocks.pop()
                block.end, block.close_brace = end, start
            elif head is None:
                return None
            elif mark == ";":
                current.append(Statement(head[0], args, head[2], head[1], end))
                head, args = None, []
            else:
                block = Statement(head[0], args, head[2], head[1], end, start, None, [])
                current.append(block)
                open_blocks.append((current, block))
                current = block.children
                head, args = None, []
            continue
        if kind == "comment":
            comments.append(Token(match.group(kind), start, end, line))
            continue
        if kind == "word":
            value = match.group(kind)
            if end < size and (text[end] in "\\$" or (text[end] == "{" and value[-1] == "$")):
                return None  # an escaped line break, a lone backslash at the end, or `${`
        else:
            mark = '"' if kind == "dq" else "'"
            value = match.group(kind)[1:-1].replace("\\" + mark, mark)
        if head is None:
            if value.endswith(_LUA_SUFFIX):
                return None  # crossplane's Lua lexer takes over
            head = (value, start, line)
        else:
            args.append(value)
    return None


def tokenize(data: bytes) -> tuple[list[Token], list[Token]]:
    """(tokens, comments) of a whole file, byte by byte."""
    tokens: list[Token] = []
    comments: list[Token] = []
    n, line = len(data), 1
    i = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    directive_next = True
    while i < n:
        c = data[i]
        if c in _WS:
            if c == 10:
                line += 1
                i += 1
            else:
                i = _BLANKS.match(data, i).end()
            continue
        if c == ord("#"):
            j = data.find(b"\n", i)
            j = n if j < 0 else j
            comments.append(Token(_text(data[i:j]), i, j, line))
            i = j
            continue
        if c in _SPECIAL:
            tokens.append(Token(chr(c), i, i + 1, line))
            directive_next = True
            i += 1
            continue
        if c in _QUOTES:
            token_line, buf, j = line, bytearray(), i + 1
            while True:
                if j >= n:
                    raise LexError(f"unterminated quote starting on line {token_line}")
                ch = data[j]
                if ch == c:
                    break
                if ch == _BACKSLASH and j + 1 < n:
                    nxt = data[j + 1]
                    buf += bytes([nxt]) if nxt == c else data[j : j + 2]
                    line += nxt == 10
                    j += 2
                    continue
                line += ch == 10
                buf.append(ch)
                j += 1
            value = _text(bytes(buf))
            tokens.append(Token(value, i, j + 1, token_line, quoted=True))
            i = j + 1
            if directive_next and value.endswith(_LUA_SUFFIX):
                i, line = _lua_block(data, i, line, value, tokens)
                continue
            directive_next = False
            continue
        token_line, j = line, i
        while j < n:
            plain = _PLAIN.match(data, j)
            if plain is not None:
                j = plain.end()
                continue
            ch = data[j]
            if ch == _BACKSLASH and j + 1 < n:
                line += data[j + 1] == 10
                j += 2
                continue
            if ch == ord("{") and j > i and data[j - 1] == ord("$"):
                # crossplane reads `${...}` up to `}` or a blank, then takes the next
                # character into the token whatever it is (unless `{ } ;`): mirrored so
                # that arguments match crossplane's, e.g. "${HOST} fail_timeout=0".
                while j < n and data[j] != ord("}") and data[j] not in _WS:
                    j += 1
                if j < n and data[j] == ord("}"):
                    j += 1
                if j < n and data[j] not in _SPECIAL:
                    line += data[j] == 10
                    j += 2 if data[j] == _BACKSLASH and j + 1 < n else 1
                continue
            if ch in _WS or ch in _SPECIAL:
                break
            j += 1
        value = _text(data[i:j])
        tokens.append(Token(value, i, j, token_line))
        i = j
        # crossplane hands over to its Lua lexer only when the name ends at a blank
        if directive_next and value.endswith(_LUA_SUFFIX) and (j >= n or data[j] in _WS):
            i, line = _lua_block(data, i, line, value, tokens)
            directive_next = True
            continue
        directive_next = False
    return tokens, comments


def _lua_block(data: bytes, i: int, line: int, name: str, tokens: list[Token]) -> tuple[int, int]:
    """Skip a `*_by_lua_block { ... }` as crossplane's Lua extension does (braces counted
    outside Lua strings and `--` comments); it becomes one quoted token and a `;`."""
    n = len(data)
    if name == "set_by_lua_block":  # the one Lua block directive with an argument
        while i < n and data[i] in _WS:
            line += data[i] == 10
            i += 1
        start = i
        while i < n and data[i] not in _WS:
            i += 1
        tokens.append(Token(_text(data[start:i]), start, i, line))
    while i < n and data[i] in _WS:
        line += data[i] == 10
        i += 1
    if i >= n or data[i] != ord("{"):
        raise LexError(f"{name} on line {line}: expected {{ to start the Lua block")
    start, token_line, depth = i, line, 0
    while i < n:
        ch = data[i]
        if ch == _BACKSLASH:
            line += i + 1 < n and data[i + 1] == 10
            i += 2
            continue
        if ch == ord("-") and data[i + 1 : i + 2] == b"-":
            end = data.find(b"\n", i)
            i = n if end < 0 else end
            continue
        if ch in _QUOTES:
            j = i + 1
            while j < n and data[j] != ch:
                if data[j] == _BACKSLASH:
                    line += j + 1 < n and data[j + 1] == 10
                    j += 2
                    continue
                line += data[j] == 10
                j += 1
            i = j + 1
            continue
        line += ch == 10
        if ch == ord("{"):
            depth += 1
        elif ch == ord("}"):
            depth -= 1
            if depth == 0:
                tokens.append(Token(_LUA_CODE, start, i + 1, token_line, quoted=True))
                tokens.append(Token(";", i + 1, i + 1, line))
                return i + 1, line
        i += 1
    raise LexError(f"{name} on line {token_line}: unterminated Lua block")


def lex(data: bytes) -> Lexed:
    """Statements with offsets; raises LexError where crossplane would report an error too."""
    regular = _regular_lex(data)
    if regular is not None:
        return regular
    tokens, comments = tokenize(data)
    statements, index = _statements(tokens, 0, top=True)
    return Lexed(data, statements, comments)


def validate(data: bytes) -> None:
    """Raise the LexError `lex(data)` would raise, without building its statements.

    `--fix` checks that every rewritten file still lexes and never uses the statements:
    with lex() that was a Statement per directive of the whole file, built and thrown
    away. One pass over the tokens tracks what `_statements` would (whether a directive
    is open, how many blocks are) and raises with the same messages."""
    if _regular_lex(data) is not None:
        return  # well formed
    tokens, _ = tokenize(data)
    depth = 0
    name: Token | None = None
    for tok in tokens:
        if tok.quoted or tok.value not in ("{", ";", "}"):
            if name is None:
                name = tok
            continue
        if tok.value == "}":
            if name is not None or depth == 0:
                raise LexError(f'unexpected "}}" on line {tok.line}')
            depth -= 1
        elif name is None:
            raise LexError(f'unexpected "{tok.value}" on line {tok.line}')
        else:
            depth += tok.value == "{"
            name = None
    if name is not None:
        raise LexError(f"unexpected end of file after {name.value!r} on line {name.line}")
    if depth:
        raise LexError('unexpected end of file, expecting "}"')


def _statements(tokens: list[Token], index: int, top: bool) -> tuple[list[Statement], int]:
    out: list[Statement] = []
    n = len(tokens)
    while index < n:
        tok = tokens[index]
        if tok.value == "}" and not tok.quoted:
            if top:
                raise LexError(f'unexpected "}}" on line {tok.line}')
            return out, index
        if tok.value in ("{", ";") and not tok.quoted:
            raise LexError(f'unexpected "{tok.value}" on line {tok.line}')
        name = tok
        args: list[str] = []
        index += 1
        while index < n and not (tokens[index].value in ("{", ";", "}") and not tokens[index].quoted):
            args.append(tokens[index].value)
            index += 1
        if index >= n:
            raise LexError(f"unexpected end of file after {name.value!r} on line {name.line}")
        term = tokens[index]
        if term.value == ";":
            out.append(Statement(name.value, args, name.line, name.start, term.end))
            index += 1
        elif term.value == "{":
            children, index = _statements(tokens, index + 1, top=False)
            if index >= n:
                raise LexError(f'unexpected end of file, expecting "}}" for {name.value!r} on line {name.line}')
            close = tokens[index]
            out.append(Statement(name.value, args, name.line, name.start, close.end, term.start, close.start, children))
            index += 1
        else:
            raise LexError(f'unexpected "}}" on line {term.line}')
    if not top:
        raise LexError('unexpected end of file, expecting "}"')
    return out, index


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")
