"""GitLab Code Quality report: the JSON array `artifacts:reports:codequality` reads.

GitLab shows these findings in the merge request widget and diff. Its format is a
subset of the Code Climate spec; GitLab reads `description`, `check_name`,
`fingerprint`, `severity` and `location` (path and line) and ignores the rest.
Fingerprints must be stable across commits so GitLab can tell a new finding from an old
one that moved: they hash the rule, the file's path bytes, the finding's message and
the text of its line (not the line number), plus a counter for identical findings.
"""

from __future__ import annotations

import hashlib
import json

from nglint.findings import Finding, Severity
from nglint.report import Report
from nglint.reporters.portable import path_bytes, path_text, unicode_text

# GitLab's severities: info, minor, major, critical, blocker.
_SEVERITIES = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "info"}


def render(report: Report) -> str:
    """The report as one JSON array (no BOM: GitLab's parser rejects one)."""
    return json.dumps(build(report), indent=2, ensure_ascii=False) + "\n"


def build(report: Report) -> list[dict]:
    urls = report.help_uris
    seen: dict[str, int] = {}
    issues = []
    for finding in report.findings:
        base = _fingerprint_base(report, finding)
        seen[base] = seen.get(base, 0) + 1
        fingerprint = hashlib.sha256(f"{base}:{seen[base]}".encode()).hexdigest()
        issues.append(issue(report, finding, fingerprint, urls.get(finding.rule)))
    return issues


def issue(report: Report, finding: Finding, fingerprint: str, help_uri: str | None = None) -> dict:
    line = max(finding.line, 1)  # a whole-file problem (line 0) is shown on line 1
    data = {
        "type": "issue",
        "check_name": finding.rule,
        "description": unicode_text(f"{finding.rule}: {finding.message}"),
        "categories": ["Bug Risk"],
        "fingerprint": fingerprint,
        "severity": _SEVERITIES[Severity(finding.severity)],
        "location": {"path": path_text(report, finding.path), "lines": {"begin": line}},
    }
    if finding.related or help_uri:
        body = [unicode_text(f"{path_text(report, r.location.path)}:{r.location.line}: {r.message}") for r in finding.related]
        if help_uri:
            body.append(f"Rule documentation: {help_uri}")
        data["content"] = {"body": "\n\n".join(body)}
    return data


def _fingerprint_base(report: Report, finding: Finding) -> str:
    line = report.sources.line_text(finding.path, finding.line).strip() if finding.line > 0 else ""
    digest = hashlib.sha256()
    for part in (finding.rule.encode(), path_bytes(report, finding.path), finding.message.encode("utf-8", "surrogatepass"),
                 line.encode("utf-8", "surrogatepass")):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()
