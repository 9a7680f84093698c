"""Run the selected checks over a loaded project and produce a Report."""

from __future__ import annotations

import fnmatch
import os

from nglint.config import Settings
from nglint.findings import Finding, Location, Related
from nglint.printable import printable
from nglint.project import Project, load_project
from nglint.registry import all_rules, matches, selected_checks
from nglint.report import Report
from nglint.source import SourceCache


class CheckCrashed(Exception):
    """A check raised: an internal failure (exit 2), named after the rule."""


def run(
    paths: list[str],
    settings: Settings,
    cwd: str | None = None,
    changed: bool = False,
    jobs: int = 1,
    fixes: bool | str = True,
    isolated: bool = False,
) -> Report:
    """Lint `paths`. With `changed`, the paths are changed files: the project around them is
    loaded and only findings concerning them are reported (see nglint.changed_files).
    `jobs` > 1 parses files in that many processes (see nglint.parallel); same report.
    `fixes=False` skips building fixes (re-lexing files, rendering templates) when the
    output cannot show them: that work is most of a pre-commit run's start-up;
    `fixes="if-fixable"` builds them only when a finding's rule has a fix (to count them).
    Paths inside a project (config file directory, else git work tree) are linted in the
    context of that whole project and select where findings are reported; `isolated`
    makes the paths their own context (see docs/paths.md)."""
    return run_with_project(paths, settings, cwd, changed, jobs, fixes, isolated)[0]


def run_with_project(
    paths: list[str],
    settings: Settings,
    cwd: str | None = None,
    changed: bool = False,
    jobs: int = 1,
    fixes: bool | str = True,
    isolated: bool = False,
) -> tuple[Report, Project]:
    """run(), and the loaded Project with it, for callers that map findings back onto
    the model (`nglint explain` matches log lines to upstreams)."""
    cwd = cwd or os.getcwd()
    checks = selected_checks(settings.select, settings.ignore)
    named = list(paths)
    paths, scope = _changed_scope(paths, settings, cwd, changed)
    if scope is None and not isolated:
        paths, scope = _path_scope(paths, settings, cwd)
    project = load_project(paths, settings, cwd, jobs=jobs)
    if not changed:  # --changed loads only part of the project: a missing upstream may be elsewhere
        from nglint.severity import check_backend_upstreams

        check_backend_upstreams(project, settings)
    findings = run_checks(project, checks)
    report = Report(findings=[], rules=all_rules(), cwd=cwd, files_checked=len(project.files), fail_on=settings.fail_on)
    # Reporters may quote only what the parsers were allowed to read (see SourceCache).
    declared = [settings.config_file] if settings.config_file else []
    declared += [spec.server_xml for spec in settings.backends if spec.server_xml]
    report.sources = SourceCache(project.tree_roots, settings.max_file_size, declared)
    report.findings = finalize(findings, project, report, settings)
    _suppress_and_scope(report, project, checks, settings, scope)
    if settings.severity:
        from nglint.severity import apply_severity

        apply_severity(report.findings + report.suppressed, settings.severity)
    _count_checked(report, project, scope, [] if changed else [os.path.join(cwd, p) for p in named])
    if fixes is True or (fixes == "if-fixable" and _maybe_fixable(report)):
        _attach_fixes(report.findings, project, checks)  # active findings only: suppressed ones are never fixed
        report.fixes_built = True
    return report, project


def _maybe_fixable(report: Report) -> bool:
    """True when some finding's rule has a fix --fix could apply: only then is the work
    of building fixes worth it for a report that shows just the count of them."""
    safety = {rule.code: rule.fix_safety for rule in report.rules}
    return any(safety.get(finding.rule) in ("safe", "unsafe") for finding in report.findings)


def _changed_scope(paths: list[str], settings: Settings, cwd: str, changed: bool):
    """(paths to load, scope) for `--changed`; (paths, None) otherwise."""
    if not changed:
        return paths, None
    from nglint.changed_files import prepare

    load, scope = prepare(paths, settings, cwd)
    return (load if scope.files else []), scope  # only deleted or excluded files: load nothing


def _count_checked(report: Report, project: Project, scope, named: list[str]) -> None:
    """Files checked where findings are reported: a path scope counts its own files only
    (--changed keeps counting the project); `named` lets "nothing checked" name the paths."""
    if named and scope is not None:
        report.files_checked = sum(1 for path in project.files if scope.contains(path))
        report.nginx_files = sum(1 for path in project.parsed_nginx if scope.contains(path))
    else:
        report.nginx_files = len(project.parsed_nginx)
    if not report.nginx_files and project.hops:
        # No nginx file, yet an nginx the repository describes otherwise (an ingress
        # controller's pool) or a front tier was checked: not "nothing to lint".
        report.nginx_files = len({hop.client.location.path for hop in project.hops})
    report.named_paths = named


def _path_scope(paths: list[str], settings: Settings, cwd: str):
    """(paths to load, scope) for paths inside a larger project; (paths, None) otherwise."""
    from nglint.changed_files import prepare_paths

    prepared = prepare_paths(paths, settings, cwd)
    return prepared if prepared is not None else (paths, None)


def _suppress_and_scope(report: Report, project: Project, checks: list, settings: Settings, scope) -> None:
    """Context rules off in fragments, inline suppressions (N001 for unused ones), then the
    `--changed` scope. Suppressed findings move to report.suppressed, they do not vanish."""
    from nglint import fragments, suppressions

    rules_run = [check.RULE for check in checks]
    findings = fragments.drop_context_findings(report.findings, project, rules_run)
    applied = suppressions.apply(findings, project, {rule.code for rule in rules_run})
    active = applied.active
    # Checks that judge the suppressions themselves run after them (`check_suppressions`):
    # only then is it known which suppression silenced nothing.
    late = [finding for check in checks if hasattr(check, "check_suppressions") for finding in check.check_suppressions(applied)]
    if late:
        active = finalize(active + late, project, report, settings)
    suppressed = applied.suppressed
    if scope is not None:
        scope.learn(project, {rule.code for rule in report.rules if {"parse", "suppression"} & set(rule.tags)})
        active = [f for f in active if scope.covers(f)]
        suppressed = [f for f in suppressed if scope.covers(f)]
    report.findings, report.suppressed = active, suppressed


def _attach_fixes(findings: list[Finding], project: Project, checks: list) -> None:
    """Let fixable rules propose their fix while the project is loaded (see nglint.fixer)."""
    from nglint.fixer import FixHookFailed, attach_fixes

    try:
        attach_fixes(findings, project, checks)
    except FixHookFailed as exc:
        raise CheckCrashed(str(exc)) from exc


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
        # Messages quote file names and values from the checked files: one escaping
        # here covers every output format (see printable).
        finding.message = printable(finding.message)
        if finding.related:
            finding.related = [Related(r.location, printable(r.message)) for r in finding.related]
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
