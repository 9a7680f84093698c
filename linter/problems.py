"""Problems met while loading files (parse errors, bad includes, placeholders).

Loading never raises on bad input; it records a Problem and goes on. The P-rules in
`checks/` turn these records into findings, so loading and reporting stay separate.
"""

from __future__ import annotations

from nglint.findings import Severity
from nglint.records import field, record


@record(frozen=True)
class Problem:
    """One loading problem, tagged with the P-rule code that reports it."""

    code: str
    path: str
    line: int
    message: str
    anchor: str | None = None
    severity: Severity | None = None  # None: the rule's default severity
    data: tuple = field(default_factory=tuple)
    sources: tuple[str, ...] = ()  # where the values the message names came from (Finding.sources)
