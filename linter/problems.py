"""Problems met while loading files and linking tiers (parse errors, bad includes,
placeholders, link gaps).

Loading never raises on bad input; it records a Problem of one diagnostic kind
(`nglint.diagnostics`) and goes on. The P-rules in `checks/` declare which kinds they
report and turn these records into findings, so loading and reporting stay separate and
no reader names a rule.
"""

from __future__ import annotations

from nglint.findings import Severity
from nglint.records import field, record


@record(frozen=True)
class Problem:
    """One loading problem, tagged with its diagnostic kind (what happened, not who reports it)."""

    kind: str  # one of nglint.diagnostics.KINDS
    path: str
    line: int
    message: str
    anchor: str | None = None
    severity: Severity | None = None  # None: the reporting rule's default severity
    data: tuple = field(default_factory=tuple)
    sources: tuple[str, ...] = ()  # where the values the message names came from (Finding.sources)
