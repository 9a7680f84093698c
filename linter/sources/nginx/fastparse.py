"""Read well-formed nginx files fast, into exactly what crossplane would return.

crossplane's lexer walks a file one character at a time through three chained
generators (escapes, line counting, tokens). On real trees that is two thirds of an
nglint run, and it caps how fast nglint can be on many small files. Nearly every real
file uses a small, regular part of its grammar: words, quoted strings, comments at the
start of a token, `{ } ;`, and backslash escapes. This module reads that part with one
regular expression and builds the same statement dicts (directive, line, args, block,
`if` parentheses stripped) and the same comment list, in the same order, that
`nginx_parse` builds from crossplane's output.

crossplane stays the authority. Anything outside that regular part raises NotRegular and
the caller parses the file with crossplane, so every error message and every odd
corner keeps crossplane's behaviour: unbalanced braces, a statement cut short by `}` or
by the end of the file, a word or comment still open at the end of the file, a lone
trailing backslash, an unterminated quote, `${...}` parameter expansion other than a
plain `${name}` not followed by whitespace (crossplane appends that whitespace to the
word, nginx ends the word there), a token near nginx's 4 KiB read buffer, `{`, `;` or a
quoted `#` where a directive name belongs, and a quoted word that something other than
a space, `;`, `{` or `)` follows (`"a"-b`: nginx rejects it, crossplane splits it).
Where crossplane and nginx disagree, nginx_syntax has the last word (see nginx_parse).
tests/test_fastparse.py checks the two paths against each other on the corpus, the
samples, the fuzz regressions and generated text.
"""

from __future__ import annotations

import re

# One match per token, leading whitespace included. `\s` and str.isspace() agree on
# every code point (a test checks all of them), so whitespace is what crossplane skips.
# A backslash always takes the next character with it, as crossplane's escape pass does;
# a lone backslash at the very end is dropped with whatever token it was in. Loops are
# unrolled (`a*(?:\.a*)*`, not `(?:a|\.)*`): the same language, matched faster.
_TOKEN = re.compile(
    r"""\s*(?:
      (?P<word>(?:[^\s"'{};#\\$]|\\[\s\S]|\$(?:\{\w*\}(?!\s))?)[^\s{};\\$]*(?:(?:\\[\s\S]|\$(?:\{\w*\}(?!\s))?)[^\s{};\\$]*)*)
    | (?P<end>[{};])
    | \#(?P<comment>[^\\\n]*(?:\\[^\n][^\\\n]*)*)\\?\n
    | \#[^\\\n]*(?:\\[^\n][^\\\n]*)*\\?(?P<eof_in_comment>\Z)
    | "(?P<dq>[^"\\]*(?:\\[\s\S][^"\\]*)*)"
    | '(?P<sq>[^'\\]*(?:\\[\s\S][^'\\]*)*)'
    | (?P<eof>\Z)
    | (?P<other>)
    )""",
    re.VERBOSE,
)


# A whole statement of plain words: no quote, escape, comment or brace in it, ended by
# `;` or `{` (a `$` just before `{` is crossplane's `${` and goes the long way).
_SIMPLE = re.compile(r"""\s*(?P<body>[^\s"'{};#\\][^"'{};#\\]*)(?P<end>[;{])""")


# What nginx accepts right after a closing quote; anything else is its `unexpected "x"`.
_AFTER_QUOTE = frozenset(" \t\r\n;{)")

# nginx rejects a word or comment that fills its 4096-byte read buffer. A token of up to
# _LONG_TOKEN characters cannot (a character is at most 4 bytes); a longer one is
# measured in bytes, and one within _BUFFER_MARGIN bytes of the buffer goes to
# nginx_syntax, which applies nginx's exact rule (the margin covers the quote or the
# terminator nginx counts with the token, and a CR before each line break).
_LONG_TOKEN = 1000
_NGX_CONF_BUFFER = 4096
_BUFFER_MARGIN = 8

# Deeper nesting goes to crossplane, whose recursion limit turns it into a parse error.
_MAX_DEPTH = 100


class NotRegular(Exception):
    """The file leaves the regular part of the grammar; crossplane must read it.

    `cut_short` says the file was regular up to its end and the end came inside a
    statement (`... foo bar` with no `;`). nginx rejects that, but crossplane either
    drops the last word silently or fails with an empty message, so the caller
    reports it itself.
    """

    def __init__(self, cut_short: bool = False) -> None:
        super().__init__("cut short" if cut_short else "not regular")
        self.cut_short = cut_short


def decode_like_crossplane(data: bytes) -> str:
    """The text crossplane lexes: UTF-8 with bad bytes replaced, universal newlines."""
    text = data.decode("utf-8", "replace")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def fast_parse(data: bytes) -> tuple[list[dict], list[tuple[int, str]]]:
    """(statements, comments) as nginx_parse builds them from crossplane.

    Raises NotRegular when the file is not in the regular part of the grammar (see
    the module docstring) and must be parsed by crossplane instead. Comments are
    (line, text) pairs, text without the `#`.
    """
    if b"\\\r" in data:
        # crossplane reads `\` CR LF as an escaped line break; to nginx the backslash takes
        # the CR and the LF ends the word.
        raise NotRegular
    return _read(decode_like_crossplane(data))


def _read(text: str) -> tuple[list[dict], list[tuple[int, str]]]:
    comments: list[tuple[int, str]] = []
    top: list[dict] = []
    # Each open block: (its statement list, comments found in the head of the
    # statement that opened it, which crossplane lists after that statement).
    stack: list[tuple[list[dict], list[tuple[int, str]]]] = []
    current = top
    stmt: dict | None = None  # the statement whose arguments are being read
    head_comments: list[tuple[int, str]] = []
    line, counted = 1, 0  # line number at offset `counted`

    pos, size = 0, len(text)
    while True:
        if stmt is None:
            # Most statements are plain words ended by `;` or `{`: read whole, split on
            # whitespace as crossplane does. Anything else is read token by token below.
            simple = _SIMPLE.match(text, pos)
            if simple is not None:
                body, end = simple.group("body", "end")
                if len(body) <= _LONG_TOKEN and not (end == "{" and body[-1] == "$"):
                    start = simple.start("body")
                    line += text.count("\n", counted, start)
                    counted = start
                    words = body.split()
                    args = words[1:]
                    if words[0] == "if":
                        args = strip_if_parentheses(args)
                    new = {"directive": words[0], "line": line, "args": args}
                    current.append(new)
                    pos = simple.end()
                    if end == "{":
                        block = []
                        new["block"] = block
                        stack.append((current, []))
                        if len(stack) > _MAX_DEPTH:
                            raise NotRegular  # crossplane decides how deep is too deep
                        current = block
                    continue
        match = _TOKEN.match(text, pos)
        if match.end() - pos > _LONG_TOKEN and match.lastgroup != "eof" and match.end() - match.start(match.lastgroup) > _LONG_TOKEN:
            _held_to_nginx_buffer(text[match.start(match.lastgroup) : match.end()])
        pos = match.end()
        kind = match.lastgroup
        if kind == "word":
            value = match.group(kind)
            if pos == size:
                raise NotRegular(cut_short=True)  # crossplane drops a word that nothing follows
            if value[-1] == "$" and text[pos] == "{":
                raise NotRegular  # `${` starts crossplane's parameter expansion
            quoted = False
        elif kind == "end":
            value = match.group("end")
            if stmt is None:
                if value != "}":
                    raise NotRegular  # `;` or `{` where a directive name belongs
                if not stack:
                    raise NotRegular  # unexpected "}"
                current, pending = stack.pop()
                comments.extend(pending)
                continue
            if value == "}":
                raise NotRegular  # a statement ended by `}`: crossplane's tree differs
            if stmt["directive"] == "if":
                stmt["args"] = strip_if_parentheses(stmt["args"])
            if value == "{":
                block = []
                stmt["block"] = block
                stack.append((current, head_comments))
                if len(stack) > _MAX_DEPTH:
                    raise NotRegular  # crossplane decides how deep is too deep
                current = block
            else:
                comments.extend(head_comments)
            head_comments = []
            stmt = None
            continue
        elif kind == "comment":
            start = match.start("comment") - 1
            line += text.count("\n", counted, start)
            counted = start
            if stmt is None:
                comments.append((line, match.group("comment")))
            else:
                head_comments.append((stmt["line"], match.group("comment")))
            continue
        elif kind == "dq" or kind == "sq":
            if pos < size and text[pos] not in _AFTER_QUOTE:
                raise NotRegular  # nginx: `unexpected "-"` after `"a"`; crossplane splits
            mark = '"' if kind == "dq" else "'"
            value = match.group(kind).replace("\\" + mark, mark)
            quoted = True
        elif kind == "eof" or kind == "eof_in_comment":
            # crossplane drops a comment that the end of the file cuts short.
            if stmt is not None:
                raise NotRegular(cut_short=True)
            if stack:
                raise NotRegular  # unexpected end of file, crossplane says so
            return top, comments
        else:
            raise NotRegular  # unterminated quote, lone trailing backslash, ...

        if stmt is not None:
            stmt["args"].append(value)
            continue
        if quoted and value == "#":
            raise NotRegular  # a quoted "#" directive looks like a comment downstream
        start = match.start(kind)
        line += text.count("\n", counted, start)
        counted = start
        # A word that starts with an escaped newline starts on the next line.
        stmt = {"directive": value, "line": line + (1 if value.startswith("\\\n") and not quoted else 0), "args": []}
        current.append(stmt)


def _held_to_nginx_buffer(token: str) -> None:
    """Decline a token that may not fit nginx's read buffer ("too long parameter")."""
    size = len(token.encode("utf-8", "surrogatepass")) + token.count("\n")
    if size >= _NGX_CONF_BUFFER - _BUFFER_MARGIN:
        raise NotRegular


def strip_if_parentheses(args: list[str]) -> list[str]:
    """`if` arguments as crossplane reports them: the parentheses of `if (...)` are
    stripped, and an argument left empty by that is dropped."""
    if not (args and args[0].startswith("(") and args[-1].endswith(")")):
        return args
    args = list(args)
    args[0] = args[0][1:].lstrip()
    args[-1] = args[-1][:-1].rstrip()
    return args[int(not args[0]) : len(args) - int(not args[-1])]
