"""Run the selected checks over a loaded project and produce a Report."""

from __future__ import annotations

import fnmatch
import os

from nglint.config import Settings
from nglint.findings import Finding, Location
from nglint.project import Project, load_project
from nglint.registry import all_rules, matches, selected_checks
from nglint.report import Report


class CheckCrashed(Exception):
    """A check raised: an internal failure (exit 2), named after the rule."""


def run(paths: list[str], settings: Settings, cwd: str | None = None) -> Report:
    cwd = cwd or os.getcwd()
    checks = selected_checks(settings.select, settings.ignore)
    project = load_project(paths, settings, cwd)
    findings = run_checks(project, checks)
    report = Report(findings=[], rules=all_rules(), cwd=cwd, files_checked=len(project.files))
    report.findings = finalize(findings, project, report, settings)
    return report


def run_checks(project: Project, checks: list) -> list[Finding]:
    project.links  # link first: reading a declared server.xml may add P003/P004 problems
    findings: list[Finding] = []
    for check in checks:
        try:
            findings.extend(check.check(project))
        except Exception as exc:
            raise CheckCrashed(f"check {check.RULE.code} failed: {type(exc).__name__}: {exc}") from exc
    return findings


def finalize(findings: list[Finding], project: Project, report: Report, settings: Settings) -> list[Finding]:
    """Drop per-file ignores and duplicates, fill in columns, sort by path then line."""
    unique: dict[tuple, Finding] = {}
    base = settings.project_root or report.cwd
    for finding in findings:
        if _ignored_for_file(finding, settings, base):
            continue
        key = (finding.rule, finding.location.path, finding.location.line, finding.message)
        if key in unique:
            continue
        column = report.sources.column(finding.location.path, finding.location.line, finding.anchor)
        finding.location = Location(finding.location.path, finding.location.line, column)
        unique[key] = finding
    return sorted(unique.values(), key=lambda f: (report.display_path(f.path), f.line, f.location.column, f.rule, f.message))


def _ignored_for_file(finding: Finding, settings: Settings, base: str) -> bool:
    if not settings.per_file_ignores:
        return False
    rel = os.path.relpath(finding.location.path, base).replace(os.sep, "/")
    for pattern, codes in settings.per_file_ignores.items():
        if fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(os.path.basename(rel), pattern):
            if matches(finding.rule, codes):
                return True
    return False
