"""GitHub code scanning's `primaryLocationLineHash`, computed the way codeql-action does.

GitHub matches alerts across commits by this partial fingerprint. When a SARIF file
lacks it, `github/codeql-action/upload-sarif` computes it from the checked-out file;
when one is present and differs from what the action would compute, the action warns
and alerts may be re-opened as new. So nglint computes the very same value itself,
which also lets reviewdog, GitLab and other consumers that do not recompute it track
alerts the same way.

The algorithm (reimplemented here from its description and test vectors in
github/codeql-action `src/fingerprints.ts`):

* The file is read as UTF-8 (undecodable bytes become U+FFFD, a BOM is kept) and walked
  as UTF-16 code units, because that is what JavaScript's `charCodeAt` yields.
* Spaces and tabs are skipped; CR, LF and CRLF all become one LF.
* A polynomial rolling hash (base 37, signed 64-bit wrap-around) runs over a window of
  the next 100 kept code units. The hash of a line is the window value once the 100
  code units starting at the line's first kept code unit have been consumed, so it
  depends on that line and whatever follows it, not on what precedes it.
* After the text an end marker (65535) and enough zero padding are fed in; a file
  ending in a newline therefore has one extra, empty last "line".
* The value is written as unsigned lower-case hex, followed by `:n`, where n counts
  how often this same hex value has been produced so far in the file (1-based).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

BLOCK_SIZE = 100
_MOD = 37
_MASK = (1 << 64) - 1
_FIRST_MOD = pow(_MOD, BLOCK_SIZE, 1 << 64)
_TAB, _SPACE, _LF, _CR = 9, 32, 10, 13
_EOF = 65535


def _utf16_units(text: str) -> Iterator[int]:
    """Yield the UTF-16 code units of text, splitting astral characters into surrogates."""
    for char in text:
        code = ord(char)
        if code > 0xFFFF:
            code -= 0x10000
            yield 0xD800 + (code >> 10)
            yield 0xDC00 + (code & 0x3FF)
        else:
            yield code


class _Hasher:
    """Rolling-hash state: a window of the last BLOCK_SIZE code units and their line starts."""

    def __init__(self) -> None:
        self.window = [0] * BLOCK_SIZE
        self.line_at = [-1] * BLOCK_SIZE  # line number starting at each slot, or -1
        self.value = 0
        self.index = 0
        self.counts: dict[str, int] = {}
        self.hashes: list[str] = []

    def emit_if_due(self) -> None:
        """A line whose start is about to leave the window has its full hash now."""
        line = self.line_at[self.index]
        if line == -1:
            return
        value = format(self.value, "x")
        self.counts[value] = self.counts.get(value, 0) + 1
        assert line == len(self.hashes) + 1  # lines come out in order
        self.hashes.append(f"{value}:{self.counts[value]}")
        self.line_at[self.index] = -1

    def push(self, current: int) -> None:
        begin = self.window[self.index]
        self.window[self.index] = current
        self.value = (_MOD * self.value + current - _FIRST_MOD * begin) & _MASK
        self.index = (self.index + 1) % BLOCK_SIZE


def line_hashes(text: str) -> list[str]:
    """Fingerprint of every line of text; element i belongs to line i + 1.

    Lines are counted as codeql-action counts them: CR, LF and CRLF each end a line,
    and a text ending in a line break has one more (empty) line after it.
    """
    hasher = _Hasher()
    line_number = 0
    line_start = True
    prev_cr = False
    for current in _with_eof(_utf16_units(text)):
        if current in (_SPACE, _TAB) or (prev_cr and current == _LF):
            prev_cr = False
            continue
        prev_cr = current == _CR
        if prev_cr:
            current = _LF
        hasher.emit_if_due()
        if line_start:
            line_start = False
            line_number += 1
            hasher.line_at[hasher.index] = line_number
        if current == _LF:
            line_start = True
        hasher.push(current)
    for _ in range(BLOCK_SIZE):  # flush: pad with zeros until every line was emitted
        hasher.emit_if_due()
        hasher.push(0)
    return hasher.hashes


def _with_eof(units: Iterable[int]) -> Iterator[int]:
    yield from units
    yield _EOF


def decode_like_node(raw: bytes) -> str:
    """Decode bytes as Node's `fs.createReadStream(path, "utf8")` does: BOM kept, errors replaced."""
    return raw.decode("utf-8", errors="replace")


class FingerprintCache:
    """Per-file line hashes, computed once per run and only for files that have findings."""

    def __init__(self, reader: Callable[[str], bytes | None] | None = None) -> None:
        """`reader` returns a file's bytes or None; the report's SourceCache.raw applies
        the same limits as the parsers (size, regular file, inside the checked tree)."""
        self._hashes: dict[str, list[str] | None] = {}
        self._reader = reader or _read_file

    def file_hashes(self, path: str) -> list[str] | None:
        if path not in self._hashes:
            raw = self._reader(path)
            # codeql-action skips files it cannot read
            self._hashes[path] = None if raw is None else line_hashes(decode_like_node(raw))
        return self._hashes[path]

    def primary_location_line_hash(self, path: str, line: int) -> str | None:
        """The fingerprint for a result whose region starts on `line` (1-based), if computable."""
        hashes = self.file_hashes(path)
        if hashes is None or not 1 <= line <= len(hashes):
            return None
        return hashes[line - 1]


def _read_file(path: str) -> bytes | None:
    from nglint import overlay

    data = overlay.content(path)
    if data is not None:
        return data
    from nglint.boundary import DEFAULT_MAX_SIZE, Refused, open_limited

    try:
        return open_limited(path, DEFAULT_MAX_SIZE)
    except Refused:
        return None
