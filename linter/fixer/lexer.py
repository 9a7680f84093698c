"""A byte-offset nginx lexer: where each statement starts and ends in the raw file.

crossplane gives lines only. To put a fix at an exact byte, nglint lexes the file's raw
bytes again with the same rules as crossplane's lexer (quotes, backslash escapes, `${`,
comments only at a token start, `{ } ;` as tokens), keeping offsets. Delimiters are all
ASCII, so working on bytes never splits a UTF-8 sequence and undecodable bytes survive.
The result is checked against crossplane's arguments by the caller before it is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

_WS = frozenset(b" \t\r\n\f\v")
_SPECIAL = frozenset(b"{};")
_QUOTES = frozenset(b"\"'")
_BACKSLASH = ord("\\")
_LUA_SUFFIX = "_by_lua_block"


class LexError(ValueError):
    """The file cannot be lexed reliably (unbalanced, unterminated quote, Lua block)."""


@dataclass
class Token:
    value: str
    start: int
    end: int
    line: int
    quoted: bool = False


@dataclass(eq=False)
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

    @property
    def terminator(self) -> int:
        """Offset of the `;` (or `{`) that ends the directive's head."""
        return self.open_brace if self.open_brace is not None else self.end - 1


@dataclass
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


def tokenize(data: bytes) -> tuple[list[Token], list[Token]]:
    """(tokens, comments) of a whole file."""
    tokens: list[Token] = []
    comments: list[Token] = []
    i, n, line = 0, len(data), 1
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    i = start
    while i < n:
        c = data[i]
        if c in _WS:
            if c == 10:
                line += 1
            i += 1
            continue
        if c == ord("#"):
            j = data.find(b"\n", i)
            j = n if j < 0 else j
            comments.append(Token(_text(data[i:j]), i, j, line))
            i = j
            continue
        if c in _SPECIAL:
            tokens.append(Token(chr(c), i, i + 1, line))
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
            tokens.append(Token(_text(bytes(buf)), i, j + 1, token_line, quoted=True))
            i = j + 1
            continue
        token_line, j = line, i
        while j < n:
            ch = data[j]
            if ch == _BACKSLASH and j + 1 < n:
                line += data[j + 1] == 10
                j += 2
                continue
            if ch == ord("{") and j > i and data[j - 1] == ord("$"):
                while j < n and data[j] != ord("}") and data[j] not in _WS:
                    j += 1
                if j < n and data[j] == ord("}"):
                    j += 1
                continue
            if ch in _WS or ch in _SPECIAL:
                break
            j += 1
        tokens.append(Token(_text(data[i:j]), i, j, token_line))
        i = j
    return tokens, comments


def lex(data: bytes) -> Lexed:
    """Statements with offsets; raises LexError where crossplane would report an error too."""
    tokens, comments = tokenize(data)
    statements, index = _statements(tokens, 0, top=True)
    return Lexed(data, statements, comments)


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
        if name.value.endswith(_LUA_SUFFIX):
            raise LexError(f"{name.value} on line {name.line}: Lua blocks are not re-lexed")
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
