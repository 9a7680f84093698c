"""`--statistics`: how many findings each rule produced, at the severity they had.

A rule's severity can be changed in config (`[severity]`), so counts are grouped by
rule and by the severity each finding was actually reported with, not the rule's
default: the table must agree with the exit code and with every other output format.
"""

from __future__ import annotations

import json

from nglint.records import record
from nglint.report import Report


@record(frozen=True)
class Row:
    code: str
    severity: str
    name: str
    count: int
    suppressed: int


def rows(report: Report) -> list[Row]:
    """One row per (rule, severity), most frequent first; suppressed findings counted apart."""
    names = {rule.code: rule.name for rule in report.rules}
    counts: dict[tuple[str, str], int] = {}
    for finding in report.findings:
        key = (finding.rule, finding.severity.value)
        counts[key] = counts.get(key, 0) + 1
    suppressed: dict[tuple[str, str], int] = {}
    for finding in report.suppressed:
        key = (finding.rule, finding.severity.value)
        suppressed[key] = suppressed.get(key, 0) + 1
    keys = sorted(set(counts) | set(suppressed), key=lambda k: (-counts.get(k, 0), k))
    return [Row(code, severity, names.get(code, ""), counts.get((code, severity), 0), suppressed.get((code, severity), 0))
            for code, severity in keys]


def render_json(report: Report) -> str:
    """`--statistics --format json`: the rows and the run's summary as one object."""
    counts = report.counts()
    payload = {
        "statistics": [
            {"code": row.code, "name": row.name, "severity": row.severity, "count": row.count, "suppressed": row.suppressed}
            for row in rows(report)
        ],
        "summary": {
            "total": len(report.findings),
            "errors": counts["error"],
            "warnings": counts["warning"],
            "info": counts["info"],
            "suppressed": len(report.suppressed),
            "files_checked": report.files_checked,
        },
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
