"""SARIF 2.1.0 output for code review tools (GitHub code scanning, reviewdog, GitLab).

One run per log. The driver lists every rule nglint has, fired or not, so that the
consumer can show rule help for any alert and a clean run still documents the rules.
Columns are measured on the raw file text (crossplane and lxml only give lines) and
written as UTF-16 code units, the unit GitHub and most SARIF viewers count in.
"""

from __future__ import annotations

import json
import os
import re
import urllib.parse
from collections.abc import Iterable
from typing import Any

from nglint import __version__
from nglint.findings import Finding, Location, Severity
from nglint.fingerprint import FingerprintCache
from nglint.report import Report
from nglint.rules import Rule
from nglint.source import Region

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/nglint/nglint"
AUTOMATION_ID = "nglint/"

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def level(severity: Severity) -> str:
    """SARIF `level` for an nglint severity (`info` is SARIF's `note`)."""
    return _LEVELS[Severity(severity)]


def render(report: Report) -> str:
    """The SARIF log as pretty-printed JSON, ending in a newline."""
    return json.dumps(build_log(report), indent=2, ensure_ascii=False) + "\n"


def build_log(report: Report) -> dict[str, Any]:
    """The SARIF log as plain data (exposed for tests and for tools embedding nglint)."""
    rules = list(report.rules)
    rule_index = {rule.code: index for index, rule in enumerate(rules)}
    fingerprints = FingerprintCache(report.sources.raw)
    results = [_result(report, finding, rule_index, fingerprints) for finding in report.findings]
    results += [_result(report, finding, rule_index, fingerprints) for finding in report.suppressed]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "nglint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [rule_descriptor(rule) for rule in rules],
            }
        },
        "automationDetails": {"id": AUTOMATION_ID},
        "columnKind": "utf16CodeUnits",
        "results": results,
    }
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    """A `reportingDescriptor` carrying the rule's whole doc (what, why, example, fix)."""
    full = " ".join(f"{rule.summary} {rule.rationale}".split())
    return {
        "id": rule.code,
        "name": pascal_case(rule.name),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": full},
        "help": {"text": rule.render_text(), "markdown": rule.render_markdown()},
        "helpUri": rule.help_uri,
        "defaultConfiguration": {"level": level(rule.severity)},
        "properties": {"tags": list(rule.tags)},
    }


def pascal_case(name: str) -> str:
    """`upstream-keepalive-outlives-backend` -> `UpstreamKeepaliveOutlivesBackend`.

    SARIF asks for a Pascal-case friendly name (validator rule SARIF2012); the
    kebab-case name nglint shows elsewhere stays in the rule's help text.
    """
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9A-Za-z]+", name) if part)


def _result(
    report: Report, finding: Finding, rule_index: dict[str, int], fingerprints: FingerprintCache
) -> dict[str, Any]:
    region = _clamped_region(report, finding.location, finding.anchor)
    result: dict[str, Any] = {"ruleId": finding.rule}
    if finding.rule in rule_index:
        result["ruleIndex"] = rule_index[finding.rule]
    result["level"] = level(finding.severity)
    result["message"] = {"text": message_text(finding)}
    result["locations"] = [physical_location(report, finding.path, region)]
    if finding.related:
        result["relatedLocations"] = [
            {
                "id": number,
                **physical_location(report, related.location.path, _clamped_region(report, related.location, None)),
                "message": {"text": related.message},
            }
            for number, related in enumerate(finding.related, start=1)
        ]
    line_hash = fingerprints.primary_location_line_hash(finding.path, region.start_line)
    if line_hash is not None:
        result["partialFingerprints"] = {"primaryLocationLineHash": line_hash}
    if finding.fix is not None:
        from nglint.fixer import fix_mapping  # a Fix as {description, edits[{path, start, end, text}]}

        fixes = sarif_fixes(report, fix_mapping(finding.fix))
        if fixes:
            result["fixes"] = fixes
    if finding.suppressed:
        result["suppressions"] = [suppression(finding.suppressed)]
    if finding.sources:
        result["properties"] = {"sources": list(finding.sources)}
    return result


def message_text(finding: Finding) -> str:
    """Alert text: the finding's own sentence first (GitHub uses it as the title).

    Related locations are appended as SARIF embedded links `[text](id)`, which is the
    only way GitHub shows them. Literal brackets are escaped only where they would
    otherwise read as a link, so ordinary text such as `listen [::]:80` stays as is.
    """
    text = " ".join(_as_sentence(part) for part in [finding.message, *finding.sources])
    if _LINKISH.search(text):
        text = _escape_brackets(text)
    if finding.related:
        links = ", ".join(
            f"[{_escape_brackets(related.message.rstrip('.'))}]({number})"
            for number, related in enumerate(finding.related, start=1)
        )
        text += f" Related: {links}."
    return text


_LINKISH = re.compile(r"\]\(")


def _as_sentence(message: str) -> str:
    text = " ".join(message.split()) or "Problem found."
    return text if text.endswith((".", "!", "?")) else text + "."


def _escape_brackets(text: str) -> str:
    return re.sub(r"([\[\]\\])", r"\\\1", text)


def physical_location(report: Report, path: str, region: Region) -> dict[str, Any]:
    """`{"physicalLocation": ...}`: relative URI, region with snippet, and two lines of context.

    Snippets let viewers that lack the checkout (reviewdog comments, web viewers)
    show the offending line; GitHub reads the file itself and ignores them.
    """
    sarif = sarif_region(report, path, region)
    text = _region_text(report, path, region)
    if len(text) <= MAX_SNIPPET_CHARS:
        sarif["snippet"] = {"text": text}
    lines = report.sources.lines(path)
    line_count = len(lines) - 1 if lines[-1] == "" else len(lines)  # no phantom line after a final newline
    first = max(region.start_line - CONTEXT_LINES, 1)
    last = max(min(region.end_line + CONTEXT_LINES, line_count), region.end_line)
    context = [report.sources.line_text(path, number) for number in range(first, last + 1)]
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(report, path)}, "region": sarif}
    if sum(len(line) + 1 for line in context) <= MAX_SNIPPET_CHARS:
        physical["contextRegion"] = {"startLine": first, "endLine": last, "snippet": {"text": "\n".join(context)}}
    return {"physicalLocation": physical}


CONTEXT_LINES = 2
# Snippets are optional in SARIF. Without a cap, a hostile config written on one long line
# with many findings would repeat that whole line per result: a 350 KB line with 8000
# findings made a 2.7 GB log.
MAX_SNIPPET_CHARS = 4096


def _region_text(report: Report, path: str, region: Region) -> str:
    if region.start_line == region.end_line:
        return report.sources.line_text(path, region.start_line)[region.start_column - 1 : region.end_column - 1]
    lines = [report.sources.line_text(path, n) for n in range(region.start_line, region.end_line + 1)]
    lines[-1] = lines[-1][: region.end_column - 1]
    lines[0] = lines[0][region.start_column - 1 :]
    return "\n".join(lines)


def artifact_uri(report: Report, path: str) -> str:
    """URI reference relative to the current directory: POSIX separators, percent-encoded.

    A file outside the current directory keeps its `../` form: GitHub rejects
    absolute `file:` URIs (validator rule GH1006). Only a path that has no relative
    form at all (another drive on Windows) becomes an absolute `file:` URI.
    """
    # From the name's bytes: a file name need not be UTF-8 (git allows any bytes), and
    # percent-encoding the raw bytes names exactly that file.
    relative = report.relative_path(path)
    if os.path.isabs(relative):
        return "file://" + urllib.parse.quote(os.fsencode(os.path.abspath(path)), safe="/")
    return urllib.parse.quote(os.fsencode(relative), safe="/")


def sarif_region(report: Report, path: str, region: Region) -> dict[str, int]:
    """SARIF region with columns converted from code points to UTF-16 code units."""
    return {
        "startLine": region.start_line,
        "startColumn": _utf16_column(report.sources.line_text(path, region.start_line), region.start_column),
        "endLine": region.end_line,
        "endColumn": _utf16_column(report.sources.line_text(path, region.end_line), region.end_column),
    }


def _clamped_region(report: Report, location: Location, anchor: str | None) -> Region:
    """Region of a location; line 0 (a whole-file problem) is shown on line 1."""
    return report.sources.region(location.path, max(location.line, 1), anchor)


def _utf16_column(line_text: str, column: int) -> int:
    """1-based code-point column to 1-based UTF-16 column on the same line."""
    prefix = line_text[: max(column - 1, 0)]
    if prefix.isascii():
        return column
    # Encoded in C: a Python loop over the prefix was slow per result on a long line.
    return len(prefix.encode("utf-16-le", "surrogatepass")) // 2 + 1


def suppression(value: Any) -> dict[str, Any]:
    """SARIF `suppression` for an in-source `# nglint: ignore` (Finding.suppressed).

    Accepts a justification string, or an object or mapping with `justification`
    (or `reason`); anything else still marks the result suppressed, without reason.
    """
    entry: dict[str, Any] = {"kind": "inSource"}
    if isinstance(value, str):
        justification = value
    elif isinstance(value, dict):
        justification = value.get("justification") or value.get("reason")
    else:
        justification = getattr(value, "justification", None) or getattr(value, "reason", None)
    if justification:
        entry["justification"] = str(justification)
    return entry


def sarif_fixes(report: Report, fix: Any) -> list[dict[str, Any]]:
    """SARIF `fixes[]` for a fix from the fix engine.

    The hook expects either an object (or mapping) with `edits` and an optional
    `description`, or a plain iterable of edits. Each edit has `path`, `start` and
    `end` (each with 1-based `line` and code-point `column`, end exclusive, as
    SourceCache regions are) and the replacement `text`. Edits are grouped per file
    into `artifactChanges`, in the order given.
    """
    description = _field(fix, "description")
    edits = _field(fix, "edits")
    if edits is None:
        edits = fix if isinstance(fix, Iterable) and not isinstance(fix, (str, bytes, dict)) else []
    changes: dict[str, list[dict[str, Any]]] = {}
    for edit in edits:
        path = str(_field(edit, "path"))
        start, end = _field(edit, "start"), _field(edit, "end")
        deleted = Region(
            int(_field(start, "line")), int(_field(start, "column")), int(_field(end, "line")), int(_field(end, "column"))
        )
        changes.setdefault(path, []).append(
            {
                "deletedRegion": sarif_region(report, path, deleted),
                "insertedContent": {"text": str(_field(edit, "text") or "")},
            }
        )
    if not changes:
        return []
    sarif_fix: dict[str, Any] = {}
    if description:
        sarif_fix["description"] = {"text": _as_sentence(str(description))}
    sarif_fix["artifactChanges"] = [
        {"artifactLocation": {"uri": artifact_uri(report, path)}, "replacements": replacements}
        for path, replacements in changes.items()
    ]
    return [sarif_fix]


def _field(obj: Any, name: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)
