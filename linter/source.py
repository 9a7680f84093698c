"""Raw file text for columns and regions.

crossplane and lxml give line numbers only; reporters (SARIF regions, GitHub
annotations) and the fixer need columns measured on the file's own text, so this
module reads a file once, keeps its lines, and finds a token on a line.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    """1-based, end-exclusive column region as SARIF defines it."""

    start_line: int
    start_column: int
    end_line: int
    end_column: int


class SourceCache:
    """Lines of files as decoded text, read lazily and at most once per run."""

    def __init__(self) -> None:
        self._lines: dict[str, list[str]] = {}

    def lines(self, path: str) -> list[str]:
        cached = self._lines.get(path)
        if cached is None:
            try:
                with open(path, "rb") as handle:
                    raw = handle.read()
            except OSError:
                raw = b""
            text = decode_config_bytes(raw)
            # Same line splitting as crossplane's lexer, which counts "\n" only.
            cached = text.split("\n")
            self._lines[path] = cached
        return cached

    def line_text(self, path: str, line: int) -> str:
        lines = self.lines(path)
        if 1 <= line <= len(lines):
            return lines[line - 1].rstrip("\r")
        return ""

    def region(self, path: str, line: int, anchor: str | None = None) -> Region:
        """Region of `anchor` on `line`, or of the line's non-blank text when absent."""
        text = self.line_text(path, line)
        if anchor:
            index = _find_token(text, anchor)
            if index >= 0:
                return Region(line, index + 1, line, index + 1 + len(anchor))
        stripped = text.lstrip()
        start = len(text) - len(stripped)
        end = len(text.rstrip())
        if end <= start:
            return Region(line, 1, line, 1)
        return Region(line, start + 1, line, end + 1)

    def column(self, path: str, line: int, anchor: str | None = None) -> int:
        return self.region(path, line, anchor).start_column


def _find_token(text: str, token: str) -> int:
    """First occurrence of token that is not part of a longer word, outside a comment."""
    comment = text.find("#")
    start = 0
    while True:
        index = text.find(token, start)
        if index < 0 or (0 <= comment < index and not token.startswith("<")):
            return -1
        before = text[index - 1] if index > 0 else " "
        after_pos = index + len(token)
        after = text[after_pos] if after_pos < len(text) else " "
        if not _is_word_char(before) and not _is_word_char(after):
            return index
        start = index + 1


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char in "_-"


def decode_config_bytes(raw: bytes) -> str:
    """Decode as crossplane does (UTF-8, undecodable bytes replaced), minus a UTF-8 BOM."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    return raw.decode("utf-8", errors="replace")
