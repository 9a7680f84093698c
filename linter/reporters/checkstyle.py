"""Checkstyle XML: the format Jenkins (warnings-ng), SonarQube importers, danger and
reviewdog (`-f=checkstyle`) read from linters of every language.

One `<file>` per file with findings, one `<error>` per finding; `source` is the rule
code prefixed with `nglint.` as checkstyle names its checks by package. Lines and
columns are written only when known, since the schema requires positive integers.
"""

from __future__ import annotations

from nglint import __version__
from nglint.findings import Severity
from nglint.report import Report
from nglint.reporters.portable import path_text, xml_text

# checkstyle's own severities are error, warning and info: the same three as nglint's.
_SEVERITIES = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "info"}


def render(report: Report) -> str:
    from lxml import etree

    root = etree.Element("checkstyle", version=f"nglint-{__version__}")
    files: dict[str, object] = {}
    for finding in report.findings:
        name = path_text(report, finding.path)
        element = files.get(name)
        if element is None:
            element = files[name] = etree.SubElement(root, "file", name=xml_text(name))
        attributes = {}
        if finding.line > 0:
            attributes["line"] = str(finding.line)
            if finding.location.column > 0:
                attributes["column"] = str(finding.location.column)
        attributes["severity"] = _SEVERITIES[Severity(finding.severity)]
        attributes["message"] = xml_text(_message(report, finding))
        attributes["source"] = f"nglint.{finding.rule}"
        etree.SubElement(element, "error", attributes)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode("utf-8")


def _message(report: Report, finding) -> str:
    related = "".join(f" Related: {path_text(report, r.location.path)}:{r.location.line}: {r.message}" for r in finding.related)
    return f"{finding.rule}: {finding.message}{related}"
