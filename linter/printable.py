"""Text from the checked files made safe to print: one escaping for every output.

File names and values in findings come from pull requests. A newline in a file name
would start a new line in a CI log (a forged `::error` or `::add-mask::` workflow
command), an ESC would drive the reader's terminal, and a name that is not UTF-8 (git
allows any bytes) cannot be written to a strict stream at all. So every string a
reporter prints passes through `printable`: control characters (C0, DEL, C1), bidi
controls and the bytes Python could not decode in a file name (kept as lone surrogates
by os.fsdecode) become visible `\\xNN` / `\\uNNNN` escapes. The result is plain,
one-line, valid Unicode; SARIF URIs are built from the raw bytes instead (exact).
"""

from __future__ import annotations

import re

# C0 and DEL, C1, the Unicode bidi controls (Trojan Source), line/paragraph separators,
# and lone surrogates (undecodable bytes of a file name, from surrogateescape).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match) -> str:
    char = match.group()
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, as os.fsdecode keeps it
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


# The same without lone surrogates: for log lines shown byte for byte (nglint explain),
# whose undecodable bytes are written back as they were read.
_UNSAFE_KEEPING_BYTES = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable_keeping_bytes(text: str) -> str:
    """`printable`, except that bytes which were not UTF-8 stay raw bytes (surrogateescape)."""
    if _UNSAFE_KEEPING_BYTES.search(text) is None:
        return text
    return _UNSAFE_KEEPING_BYTES.sub(_escape, text)


def printable(text: str) -> str:
    """`text` with every character that could forge a line or move a terminal escaped."""
    if _UNSAFE.search(text) is None:
        return text  # the common case: no copy
    return _UNSAFE.sub(_escape, text)
