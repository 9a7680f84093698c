"""Raw file text for columns and regions.

crossplane and lxml give line numbers only; reporters (SARIF regions, GitHub
annotations) and the fixer need columns measured on the file's own text, so this
module reads a file once, keeps its lines, and finds a token on a line.
"""

from __future__ import annotations

import os
import stat

from nglint.records import record


@record(frozen=True)
class Region:
    """1-based, end-exclusive column region as SARIF defines it."""

    start_line: int
    start_column: int
    end_line: int
    end_column: int


DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024


class SourceCache:
    """Lines of files as decoded text, read lazily and at most once per run.

    Reporters copy source lines into their output (SARIF snippets), so this reads only
    what the parsers were allowed to read: regular files within `max_file_size`, and,
    when `roots` is set, only files whose real path is inside a root or in `extra_files`.
    A finding about a symlink that escapes the tree must not print the target's text.
    """

    def __init__(self, roots: list[str] | None = None, max_file_size: int = DEFAULT_MAX_FILE_SIZE, extra_files: list[str] | None = None) -> None:
        self._lines: dict[str, list[str]] = {}
        self._raw: dict[str, bytes | None] = {}
        self._regions: dict[tuple[str, int, str | None], Region] = {}
        self.roots = [os.path.realpath(r) for r in roots] if roots is not None else None
        self.extra_files = {os.path.realpath(f) for f in extra_files or ()}
        self.max_file_size = max_file_size

    def raw(self, path: str) -> bytes | None:
        """The file's bytes, or None when it may not or cannot be read."""
        if path not in self._raw:
            self._raw[path] = self._read(path)
        return self._raw[path]

    def _read(self, path: str) -> bytes | None:
        real = os.path.realpath(path)
        if self.roots is not None and real not in self.extra_files:
            if not any(real == root or real.startswith(root + os.sep) for root in self.roots):
                return None
        from nglint import overlay

        data = overlay.read(path, self.max_file_size)
        if data is not None:
            return data if len(data) <= self.max_file_size else None
        try:
            info = os.stat(path)
            if not stat.S_ISREG(info.st_mode) or info.st_size > self.max_file_size:
                return None  # a FIFO would block, /dev/zero never ends, a huge file was refused
            with open(path, "rb") as handle:
                return handle.read(self.max_file_size + 1)
        except OSError:
            return None

    def lines(self, path: str) -> list[str]:
        cached = self._lines.get(path)
        if cached is None:
            raw = self.raw(path) or b""
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
        """Region of `anchor` on `line`, or of the line's non-blank text when absent.

        Memoized: many findings can share one long line (a hostile one-line config), and
        searching it again for each made reporting quadratic."""
        key = (path, line, anchor)
        cached = self._regions.get(key)
        if cached is None:
            cached = self._regions[key] = self._region(path, line, anchor)
        return cached

    def _region(self, path: str, line: int, anchor: str | None) -> Region:
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
