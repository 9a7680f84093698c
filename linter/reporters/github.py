"""GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` line per finding.

When nglint runs inside a GitHub Actions step, these lines become annotations on the
pull request diff, with no upload step and no code scanning licence needed.
Escaping follows the Actions toolkit: in the message `%`, CR and LF are encoded; in
property values `:` and `,` are encoded as well, since they delimit properties.
"""

from __future__ import annotations

from nglint.findings import Finding, Severity
from nglint.printable import printable
from nglint.report import Report

_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message (the part after `::`). Control characters are made
    visible first (see printable), so nothing from a checked file can end the line and
    start a workflow command of its own (`::add-mask::`, `::error`)."""
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    """Escape a property value such as `file=` or `title=`."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report) -> str:
    """All active findings as workflow commands (suppressed ones are not annotated)."""
    return "".join(annotation(report, finding) + "\n" for finding in report.findings)


def annotation(report: Report, finding: Finding) -> str:
    """One workflow command for one finding, with its exact column range."""
    region = report.sources.region(finding.path, max(finding.line, 1), finding.anchor)
    properties = [
        ("file", report.display_path(finding.path)),
        ("line", str(region.start_line)),
        ("col", str(region.start_column)),
        ("endLine", str(region.end_line)),
        ("endColumn", str(region.end_column)),
        ("title", finding.rule),
    ]
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{_COMMANDS[Severity(finding.severity)]} {props}::{escape_data(_message(report, finding))}"


def _message(report: Report, finding: Finding) -> str:
    """The finding's message, then one line per related location (e.g. the Tomcat side)."""
    lines = [finding.message, *(f"Source: {source}" for source in finding.sources)]
    for related in finding.related:
        where = f"{report.display_path(related.location.path)}:{related.location.line}"
        lines.append(f"Related: {where}: {related.message}")
    return "\n".join(lines)
