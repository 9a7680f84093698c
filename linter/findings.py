"""The plain-data result of a check: a Finding, with where it is and what relates to it.

Findings are the only thing checks hand back; reporters, the fixer and suppressions all
read this one shape, so it stays small and free of behaviour.
"""

from __future__ import annotations

import enum
from typing import Any

from nglint.records import field, record


class Severity(str, enum.Enum):
    """How bad a finding is. `info` never fails a run (exit code stays 0)."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@record(frozen=True)
class Location:
    """A place in a file: absolute path and 1-based line (column 0 = unknown, computed later)."""

    path: str
    line: int
    column: int = 0


@record(frozen=True)
class Related:
    """A location in another tier (or file) that explains a finding, e.g. the Tomcat Connector."""

    location: Location
    message: str


@record
class Finding:
    """One problem found by one rule at one place.

    `message` is one sentence a person reads once: what is wrong and what to do.
    `sources` says where each value in it came from (a file:line, a default, the user's
    declaration), one line each; `related` are the other places that explain it.
    `anchor` is the token to look for on the line when computing the column (usually the
    directive name or XML element name); `data` carries the values a fix template needs.
    `plan` is the fix the check decided on when it made the finding (nglint.fixer.plan),
    which the fix stage renders into `fix`.
    """

    rule: str
    severity: Severity
    message: str
    location: Location
    related: list[Related] = field(default_factory=list)
    anchor: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    fix: Any = None
    suppressed: Any = None
    sources: list[str] = field(default_factory=list)
    plan: Any = field(default=None, compare=False, repr=False)

    @property
    def path(self) -> str:
        return self.location.path

    @property
    def line(self) -> int:
        return self.location.line
