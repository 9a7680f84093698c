"""Text that every output format can carry: file names and messages made safe to encode.

Paths on POSIX are bytes. Python hands a file name that is not valid UTF-8 to nglint
as a str with lone surrogates (surrogateescape), and such a str cannot be written as
UTF-8 JSON or XML: the report would crash on the one odd file name in a tree. The
machine formats therefore show each undecodable byte as U+FFFD, the same choice the
fix engine makes for edit text (Edit.display_text). XML 1.0 also forbids most C0
control characters, which a file name or a quoted config value may contain; they are
shown as U+FFFD too. Fingerprints hash the original bytes, so two names that differ
only in undecodable bytes stay distinct.
"""

from __future__ import annotations

import os
import re

from nglint.report import Report

_NOT_ESCAPED_BYTE = re.compile("[\ud800-\udc7f\udd00-\udfff]")
_XML_INVALID = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def unicode_text(text: str) -> str:
    """`text` with lone surrogates (undecodable bytes) replaced by U+FFFD."""
    if text.isascii():
        return text
    text = _NOT_ESCAPED_BYTE.sub("\ufffd", text)  # a surrogate that surrogateescape did not make
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def xml_text(text: str) -> str:
    """`text` as XML 1.0 can hold it: undecodable bytes and forbidden characters as U+FFFD."""
    return _XML_INVALID.sub("\ufffd", unicode_text(text))


def path_text(report: Report, path: str) -> str:
    """Path relative to the current directory, POSIX separators, valid Unicode."""
    return unicode_text(report.relative_path(path))


def path_bytes(report: Report, path: str) -> bytes:
    """The relative path as the bytes the file system knows it by (for fingerprints)."""
    return os.fsencode(report.relative_path(path))
