"""Machine output: one JSON object with findings (sorted by path, line) and a summary."""

from __future__ import annotations

import json

from nglint.findings import Finding
from nglint.report import Report


def finding_to_dict(finding: Finding, report: Report) -> dict:
    help_uri = report.help_uris.get(finding.rule)
    data = {
        "rule": finding.rule,
        "help_uri": help_uri,
        "severity": finding.severity.value,
        "message": finding.message,
        "path": report.display_path(finding.path),
        "line": finding.line,
        "column": finding.location.column,
        "sources": list(finding.sources),
        "related": [
            {
                "path": report.display_path(related.location.path),
                "line": related.location.line,
                "message": related.message,
            }
            for related in finding.related
        ],
        "fix": fix_to_dict(finding, report),
    }
    return data


def fix_to_dict(finding: Finding, report: Report) -> dict | None:
    """The finding's fix: safety, description and edits (1-based, end-exclusive positions)."""
    if finding.fix is None:
        return None
    from nglint.fixer import Fix, fix_mapping

    return fix_mapping(finding.fix, report.display_path) if isinstance(finding.fix, Fix) else None


def render(report: Report) -> str:
    counts = report.counts()
    payload = {
        "findings": [finding_to_dict(f, report) for f in report.findings],
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
