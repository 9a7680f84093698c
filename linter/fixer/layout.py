"""Where inserted text goes and how it looks: the file's own line endings and indentation.

A fix is rendered as bare directive lines; this module turns them into bytes that look
as if the file's author wrote them: the line ending of the surrounding line (CRLF stays
CRLF), the indentation of sibling directives (tabs or N spaces), and, for one-line
blocks such as `upstream a { server x; }`, an inline insertion instead of a new line.
"""

from __future__ import annotations

import sys
from collections import Counter
from functools import cached_property

from nglint.fixer.plan import NoFix
from nglint.boundary import Refused, open_limited
from nglint.fixer.lexer import Lexed, Statement, lex, tokenize
from nglint.sources.nginx.templating import mask
from nglint.fixer.model import Edit, digest, line_starts
from nglint.sources.nginx.fastparse import strip_if_parentheses
from nglint.records import field, record

_BLANK = b" \t"


class Unfixable(NoFix):
    """No fix can be placed in this file at all, for a reason the user should be told
    (`--fix` and `--diff` print it instead of silently fixing nothing)."""


CR_ONLY_REASON = (
    "the file has CR-only line endings: nginx reads CR as a space (a # comment runs on to the next LF) "
    "while crossplane reads it as a line break, so an edit placed by line could land inside a comment; "
    "convert the file to LF line endings to fix it"
)


def has_lone_cr(data: bytes) -> bool:
    """A carriage return not followed by LF (classic Mac OS line endings)."""
    return data.count(b"\r") > data.count(b"\r\n")


@record
class SourceFile:
    """One file's raw bytes, its statements with offsets, and its conventions.

    Its bytes never change once read, so what is derived from them (digest, line starts,
    indentation unit, statements by position) is a memoised property of the object."""

    path: str
    data: bytes
    lexed: Lexed
    parents: dict[int, Statement | None] = field(default_factory=dict)

    @classmethod
    def read(cls, path: str) -> "SourceFile":
        try:
            data = open_limited(path, sys.maxsize)
        except Refused as refused:
            raise NoFix(f"cannot read {path}: {refused.reason}") from None
        if has_lone_cr(data):
            raise Unfixable(CR_ONLY_REASON)
        try:
            lexed = lex(mask(path, data))  # a template's tags masked in place: offsets unchanged
        except ValueError as exc:
            raise NoFix(str(exc)) from None
        source = cls(path, data, lexed)
        source._index(lexed.statements, None)
        return source

    @cached_property
    def sha256(self) -> str:
        """Memoised: once per file, not once per fix."""
        return digest(self.data)

    def _index(self, statements: list[Statement], parent: Statement | None) -> None:
        for stmt in statements:
            self.parents[id(stmt)] = parent
            if stmt.children:
                self._index(stmt.children, stmt)

    # -- finding statements ---------------------------------------------------------
    def statement(self, name: str, line: int, args: list[str]) -> Statement:
        """The statement crossplane reported as (name, line, args)."""
        for stmt in self.by_position.get((line, name), ()):
            if stmt.line == line and stmt.name == name and _crossplane_args(stmt) == list(args):
                return stmt
            if stmt.line == line and stmt.name == name and name.endswith("_by_lua_block"):
                return stmt  # its code is one opaque token; nglint never edits it
        raise NoFix(f"{name} on line {line} of {self.path} not found when re-reading the file")

    @cached_property
    def by_position(self) -> dict[tuple[int, str], list[Statement]]:
        """Statements by (line, name), memoised: walking the whole file per fix made
        thousands of fixes in one file quadratic."""
        index: dict[tuple[int, str], list[Statement]] = {}
        for candidate in self.lexed.walk():
            index.setdefault((candidate.line, candidate.name), []).append(candidate)
        return index

    def parent(self, stmt: Statement) -> Statement | None:
        return self.parents.get(id(stmt))

    def raw(self, stmt: Statement) -> str:
        return self.data[stmt.start : stmt.end].decode("utf-8", errors="surrogateescape")

    # -- conventions ----------------------------------------------------------------
    def eol_at(self, offset: int) -> str:
        """The line ending of the line holding `offset`, else the file's usual one."""
        end = self.data.find(b"\n", offset)
        if end >= 0:
            return "\r\n" if end > 0 and self.data[end - 1] == 13 else "\n"
        crlf = self.data.count(b"\r\n")
        return "\r\n" if crlf and crlf * 2 >= self.data.count(b"\n") else "\n"

    def line_start(self, offset: int) -> int:
        return self.data.rfind(b"\n", 0, offset) + 1

    def starts_line(self, offset: int) -> bool:
        """Only blanks between the start of the line and `offset`."""
        return self.data[self.line_start(offset) : offset].strip(_BLANK) == b""

    def indent_of(self, offset: int) -> str:
        start = self.line_start(offset)
        end = start
        while end < len(self.data) and self.data[end] in _BLANK:
            end += 1
        return self.data[start:end].decode("ascii")

    @cached_property
    def line_starts(self) -> list[int]:
        """Memoised: every edit's region is looked up in it."""
        return line_starts(self.data)

    def indent_unit(self) -> str:
        """One nesting level as this file writes it: the commonest parent-to-child step."""
        return self._indent

    @cached_property
    def _indent(self) -> str:
        """Memoised: it walks every statement, and thousands of fixes ask."""
        steps: Counter[str] = Counter()
        for stmt in self.lexed.walk():
            if not stmt.children or not self.starts_line(stmt.start):
                continue
            outer = self.indent_of(stmt.start)
            for child in stmt.children:
                if self.starts_line(child.start):
                    inner = self.indent_of(child.start)
                    if inner.startswith(outer) and len(inner) > len(outer):
                        steps[inner[len(outer) :]] += 1
        if steps:
            return max(steps.items(), key=lambda item: (item[1], item[0] == "    "))[0]
        tabbed = sum(1 for line in self.data.split(b"\n") if line.startswith(b"\t"))
        spaced = sum(1 for line in self.data.split(b"\n") if line.startswith(b" "))
        return "\t" if tabbed > spaced else "    "

    def child_indent(self, block: Statement) -> str:
        """Indentation for a new directive inside `block`: that of its children, else one
        level deeper than the block's own line."""
        for child in reversed(block.children or []):
            if self.starts_line(child.start):
                return self.indent_of(child.start)
        return self.indent_of(block.start) + self.indent_unit()

    def rest_of_line_is_free(self, offset: int) -> bool:
        """Nothing but blanks or a comment after `offset` on its line."""
        end = self.data.find(b"\n", offset)
        rest = self.data[offset : len(self.data) if end < 0 else end].strip(b" \t\r")
        return rest == b"" or rest.startswith(b"#")

    # -- edits ------------------------------------------------------------------------
    def insert_after(self, stmt: Statement, lines: list[str]) -> Edit:
        """New directives after `stmt`, on their own lines when `stmt` ends its line."""
        if self.rest_of_line_is_free(stmt.end):
            parent = self.parent(stmt)
            if self.starts_line(stmt.start) or parent is None:
                indent = self.indent_of(stmt.start)
            else:
                indent = self.child_indent(parent)
            return self._new_lines_after_line(stmt.end, indent, lines)
        return Edit(self.path, stmt.end, stmt.end, " " + _inline(lines))

    def append_to_block(self, block: Statement, lines: list[str]) -> Edit:
        """New directives as the last ones of `block`, before its closing brace."""
        if block.close_brace is None:
            raise NoFix(f"{block.name} on line {block.line} is not a block")
        close = block.close_brace
        if self.starts_line(close):
            indent = self.child_indent(block)
            eol = self._eol_before(close)
            start = self.line_start(close)
            if start <= (block.open_brace or 0):  # `{` and `}` on the same line cannot happen here
                raise NoFix("unexpected block layout")
            return Edit(self.path, start, start, "".join(indent + line + eol for line in lines))
        before = self.data[close - 1 : close]
        joined = _inline(lines)
        text = joined + " " if before in (b" ", b"\t") else " " + joined + " "
        return Edit(self.path, close, close, text)

    def replace(self, stmt: Statement, lines: list[str]) -> Edit:
        """Replace a simple directive (name to `;`) by new directive(s), same indentation."""
        if stmt.children is not None:
            raise NoFix(f"{stmt.name} on line {stmt.line} is a block; nglint replaces simple directives only")
        if not self.rest_of_line_is_free(stmt.end):
            text = _inline(lines)
        elif len(lines) == 1:
            text = lines[0]
        elif self.starts_line(stmt.start):
            indent = self.indent_of(stmt.start)
            text = (self.eol_at(stmt.start) + indent).join(lines)
        else:
            text = _inline(lines)
        return Edit(self.path, stmt.start, stmt.end, text)

    def _eol_before(self, offset: int) -> str:
        """The line ending of the line before `offset`'s line (or the file's usual one)."""
        start = self.line_start(offset)
        if start >= 2 and self.data[start - 2] == 13:
            return "\r\n"
        if start >= 1:
            return "\n"
        return self.eol_at(offset)

    def _new_lines_after_line(self, offset: int, indent: str, lines: list[str]) -> Edit:
        end = self.data.find(b"\n", offset)
        eol = self.eol_at(offset)
        if end < 0:  # last line without a final newline: keep it that way
            at = len(self.data)
            return Edit(self.path, at, at, "".join(eol + indent + line for line in lines))
        at = end + 1
        return Edit(self.path, at, at, "".join(indent + line + eol for line in lines))


def _inline(lines: list[str]) -> str:
    """Directives joined on one line, their `# comments` dropped: text follows them on
    that line (`upstream a { server x; }`), and a comment would swallow it."""
    parts = []
    for line in lines:
        data = line.encode("utf-8", errors="surrogateescape")
        _, comments = tokenize(data)
        if comments:
            data = data[: comments[0].start].rstrip()
        if data:
            parts.append(data.decode("utf-8", errors="surrogateescape"))
    return " ".join(parts)


def _crossplane_args(stmt: Statement) -> list[str]:
    """Arguments as crossplane reports them: it strips the parentheses of `if (...)`."""
    return strip_if_parentheses(list(stmt.args)) if stmt.name == "if" else list(stmt.args)
