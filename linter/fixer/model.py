"""The Fix a finding may carry: byte-exact edits of the original files, and how safe they are.

Edits are byte offsets into the file exactly as it was read (BOM included), so applying
them leaves every other byte untouched: indentation, CRLF, comments, odd encodings.
`sha256` of each file at planning time lets the applier refuse a file that changed since.
"""

from __future__ import annotations

import bisect

from nglint.digests import sha256_hex
from nglint.records import field, record
from nglint.source import Region, decode_config_bytes

SAFE, UNSAFE, DISPLAY = "safe", "unsafe", "display"
SAFETIES = (SAFE, UNSAFE, DISPLAY)


@record(frozen=True)
class Edit:
    """Replace bytes [start, end) of `path` with `text` (UTF-8); start == end inserts."""

    path: str
    start: int
    end: int
    text: str
    region: Region | None = field(default=None, compare=False)  # line/column form, set when built

    @property
    def data(self) -> bytes:
        # surrogateescape: text copied from a file that is not valid UTF-8 goes back byte for byte
        return self.text.encode("utf-8", errors="surrogateescape")

    @property
    def display_text(self) -> str:
        """The text with undecodable bytes shown as U+FFFD (for JSON and SARIF)."""
        return self.data.decode("utf-8", errors="replace")


@record
class Fix:
    """What a rule proposes for one finding.

    `sha256` maps each edited path to the digest of the bytes the offsets refer to.
    """

    rule: str
    safety: str
    description: str
    edits: list[Edit] = field(default_factory=list)
    sha256: dict[str, str] = field(default_factory=dict)
    # (path, offset of the enclosing block or -1 for a file's top level, directive name)
    # for each directive the fix adds or rewrites: two fixes adding the same directive to
    # the same block would make nginx reject it as duplicate, so they never share a pass.
    claims: frozenset = frozenset()
    # (data key, value) naming what the finding is about when its line may move with the
    # fix, e.g. ("upstream", "app") for rules that report once per upstream block
    subject: tuple | None = None
    # rules the fix may legitimately bring out, e.g. KA003 makes a pool used, after which
    # KA002 asks for its idle timeout: such a finding is a consequence, not a regression
    reveals: frozenset = frozenset()

    @property
    def paths(self) -> list[str]:
        return sorted({edit.path for edit in self.edits})

    def applicable(self, unsafe_fixes: bool) -> bool:
        """Whether `--fix` applies it: safe always, unsafe only when asked, display never."""
        return self.safety == SAFE or (self.safety == UNSAFE and unsafe_fixes)


def digest(data: bytes) -> str:
    return sha256_hex(data)


def line_starts(data: bytes) -> list[int]:
    """Offsets where each line begins: built once per file, so finding the line of an
    offset is a binary search, not a count from the start of the file per edit."""
    starts = [0]
    find = data.find
    index = find(b"\n")
    while index >= 0:
        starts.append(index + 1)
        index = find(b"\n", index + 1)
    return starts


def position(data: bytes, offset: int, starts: list[int] | None = None) -> tuple[int, int]:
    """1-based (line, column) of a byte offset, columns in code points of the decoded
    line, the same measure as finding columns (a UTF-8 BOM is not counted). Pass the
    file's `line_starts` when asking many times."""
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    offset = max(offset, bom)
    if starts is None:
        line_start = data.rfind(b"\n", 0, offset) + 1
        line = data.count(b"\n", 0, offset) + 1
    else:
        line = bisect.bisect_right(starts, offset)
        line_start = starts[line - 1]
    line_start = max(line_start, bom)
    column = len(decode_config_bytes(data[line_start:offset])) + 1
    return line, column


def edit_region(data: bytes, edit: Edit, starts: list[int] | None = None) -> Region:
    """The end-exclusive region an edit replaces (empty for an insertion)."""
    start_line, start_column = position(data, edit.start, starts)
    end_line, end_column = position(data, edit.end, starts)
    return Region(start_line, start_column, end_line, end_column)
