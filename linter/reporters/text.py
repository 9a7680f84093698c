"""Human output: `path:line:col: CODE message`, then a summary.

Names and messages are printed through `printable`: one finding is one line, and no
byte of a checked file reaches the terminal as a control character. With colour (a
terminal, or `--color always`) each rule code is also an OSC 8 hyperlink to the rule's
page (docs/rules/CODE.md), which terminals that support OSC 8 make clickable and others
print as the plain code. Without colour the text is plain.
"""

from __future__ import annotations

from nglint.printable import printable
from nglint.report import Report

_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}
_BOLD, _RESET = "\033[1m", "\033[0m"


def render(report: Report, colour: bool = False) -> str:
    urls = report.help_uris
    lines = []
    for finding in report.findings:
        where = f"{report.display_path(finding.path)}:{finding.line}:{finding.location.column}:"
        code = finding.rule
        if colour:
            where = f"{_BOLD}{where}{_RESET}"
            code = f"{_COLOURS.get(finding.severity.value, '')}{hyperlink(code, urls.get(code))}{_RESET}"
        lines.append(f"{where} {code} {printable(finding.message)}")
        for source in finding.sources:
            lines.append(f"    source: {printable(source)}")
        for related in finding.related:
            lines.append(
                f"    related: {report.display_path(related.location.path)}:{related.location.line}: {printable(related.message)}"
            )
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def hyperlink(text: str, url: str | None) -> str:
    """OSC 8 hyperlink: `ESC ] 8 ;; URL ST text ESC ] 8 ;; ST` (ST = `ESC \\`)."""
    if not url:
        return text
    return f"\033]8;;{url}\033\\{text}\033]8;;\033\\"


def summary_line(report: Report) -> str:
    counts = report.counts()
    total = len(report.findings)
    files = f"{report.files_checked} file{'s' if report.files_checked != 1 else ''} checked"
    suppressed = f", {len(report.suppressed)} suppressed" if report.suppressed else ""
    if not total and not report.nginx_files and report.named_paths:
        return f"Nothing to lint: {nothing_found(report)} ({files}{suppressed})."
    if not total:
        return f"All checks passed ({files}{suppressed})."
    parts = [f"{counts[name]} {label}{'s' if counts[name] != 1 and label != 'info' else ''}"
             for name, label in (("error", "error"), ("warning", "warning"), ("info", "info"))
             if counts[name]]
    return f"Found {total} problem{'s' if total != 1 else ''} ({', '.join(parts)}) in {files}{suppressed}."


def nothing_found(report: Report) -> str:
    """What a run that read no nginx file found, naming the paths it looked under."""
    names = ", ".join(report.display_path(p) for p in report.named_paths) or "."
    return f"no nginx configuration found under {names}"
