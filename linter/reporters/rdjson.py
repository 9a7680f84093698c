"""reviewdog Diagnostic Format (rdjson): findings as PR review comments with suggestions.

`nglint check --format rdjson | reviewdog -f=rdjson -reporter=github-pr-review` posts
each finding on its line, and a fix nglint can compute becomes a "suggested change"
the reviewer applies with one click. Positions follow reviewdog's definition: 1-based
lines, 1-based columns counted in UTF-8 bytes, end exclusive. A suggestion can only
edit the diagnostic's own file, so a fix that also edits another file is left out
rather than offered half.
"""

from __future__ import annotations

import json

from nglint.findings import Finding, Severity
from nglint.report import Report
from nglint.reporters.portable import path_text, unicode_text
from nglint.source import Region

SOURCE = {"name": "nglint", "url": "https://github.com/nglint/nglint"}
_SEVERITIES = {Severity.ERROR: "ERROR", Severity.WARNING: "WARNING", Severity.INFO: "INFO"}


def render(report: Report) -> str:
    return json.dumps(build(report), indent=2, ensure_ascii=False) + "\n"


def build(report: Report) -> dict:
    urls = report.help_uris
    return {"source": SOURCE, "diagnostics": [diagnostic(report, finding, urls) for finding in report.findings]}


def diagnostic(report: Report, finding: Finding, urls: dict[str, str]) -> dict:
    region = report.sources.region(finding.path, max(finding.line, 1), finding.anchor)
    data: dict = {
        "message": unicode_text(finding.message),
        "location": {"path": path_text(report, finding.path), "range": _range(report, finding.path, region)},
        "severity": _SEVERITIES[Severity(finding.severity)],
        "source": SOURCE,
        "code": {"value": finding.rule},
    }
    if finding.rule in urls:
        data["code"]["url"] = urls[finding.rule]
    suggestions = _suggestions(report, finding)
    if suggestions:
        data["suggestions"] = suggestions
    if finding.related:
        data["related_locations"] = [
            {
                "message": unicode_text(related.message),
                "location": {"path": path_text(report, related.location.path),
                             "range": {"start": {"line": max(related.location.line, 1)}}},
            }
            for related in finding.related
        ]
    return data


def _suggestions(report: Report, finding: Finding) -> list[dict]:
    from nglint.fixer import fix_edits

    edits = fix_edits(finding)
    if not edits or any(path != finding.path for path, _, _ in edits):
        return []
    return [{"range": _range(report, path, region), "text": text} for path, region, text in edits]


def _range(report: Report, path: str, region: Region) -> dict:
    return {
        "start": {"line": region.start_line, "column": _utf8_column(report, path, region.start_line, region.start_column)},
        "end": {"line": region.end_line, "column": _utf8_column(report, path, region.end_line, region.end_column)},
    }


def _utf8_column(report: Report, path: str, line: int, column: int) -> int:
    """1-based code-point column to 1-based UTF-8 byte column on the same line."""
    prefix = report.sources.line_text(path, line)[: max(column - 1, 0)]
    if prefix.isascii():
        return max(column, 1)
    return len(prefix.encode("utf-8", "replace")) + 1
