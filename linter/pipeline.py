"""The stages of one run, in order, each a function of the previous stage's result.

    load → link → check → filter → suppress → scope → fix

Each stage returns a small typed result; whatever a run derives (the suppression index,
which rules judge suppressions, the fixes' lexed files) is a field of a result or of the
per-run `Run`, never an attribute set on the Project. The engine imports no rule: it
schedules the selected checks by their metadata (`Rule.stage`, `Rule.needs`).
"""

from __future__ import annotations

import fnmatch
import os
from typing import Any

from nglint.config import Settings
from nglint.findings import Finding, Location, Related
from nglint.printable import printable
from nglint.project import Project
from nglint.records import field, record
from nglint.report import Report
from nglint.rules import AFTER_SUPPRESSIONS, CHECK


class CheckCrashed(Exception):
    """A check raised: an internal failure (exit 2), named after the rule."""


@record(frozen=True)
class Request:
    """What was asked for: the arguments of runner.run."""

    paths: list[str]
    settings: Settings
    cwd: str
    changed: bool = False
    jobs: int = 1
    fixes: bool | str = True
    isolated: bool = False


@record
class Run:
    """The per-run context every stage after load shares: the request, the loaded project,
    the selected checks, and the scope findings are reported in (None: everywhere)."""

    request: Request
    project: Project
    checks: list
    scope: Any = None
    named: list[str] = field(default_factory=list)  # the paths as given, for "nothing checked"

    @property
    def settings(self) -> Settings:
        return self.request.settings

    def stage_checks(self, stage: str) -> list:
        return [check for check in self.checks if check.RULE.stage == stage]


@record
class Loaded:
    run: Run


@record
class Linked:
    """The tier model is built: upstreams linked to backends, hops, and the views the
    selected rules declared they need (`Rule.needs`)."""

    run: Run


@record
class Checked:
    run: Run
    findings: list[Finding]


@record
class Filtered:
    """Findings after per-file ignores, de-duplication and context rules off in fragments,
    sorted, in a Report that knows the files it may quote."""

    run: Run
    report: Report


@record
class Suppressed:
    """Findings split by inline suppressions; the rules of stage AFTER_SUPPRESSIONS (N001)
    have run on the split (`applied`, with every file's suppression comments)."""

    run: Run
    report: Report
    applied: Any


@record
class Scoped:
    run: Run
    report: Report


@record
class Fixed:
    run: Run
    report: Report


# -- stages -----------------------------------------------------------------------------


def load(request: Request) -> Loaded:
    """Select the checks, work out the scope (--changed, a path inside a project), load."""
    from nglint.project import load_project
    from nglint.registry import selected_checks

    settings = request.settings
    checks = selected_checks(settings.select, settings.ignore)
    paths, scope = _changed_scope(request)
    if scope is None and not request.isolated:
        paths, scope = _path_scope(paths, settings, request.cwd)
    project = load_project(paths, settings, request.cwd, jobs=request.jobs)
    return Loaded(Run(request, project, checks, scope, list(request.paths)))


def link(loaded: Loaded) -> Linked:
    """Link upstreams to backends (reading a declared server.xml may add P003/P004
    problems, so before any check) and prepare the views the selected rules need."""
    run = loaded.run
    project = run.project
    if not run.request.changed:  # --changed loads only part of the project: a missing upstream may be elsewhere
        from nglint.severity import check_backend_upstreams

        check_backend_upstreams(project, run.settings)
    project.links
    needs = {need for check in run.checks for need in check.RULE.needs}
    if "front" in needs:
        from nglint.tiers.front_entry import has_fronts

        if has_fronts(project):  # otherwise no import of the front-tier analysis at all
            project.front
    return Linked(run)


def check(linked: Linked) -> Checked:
    """Run every rule of stage CHECK over the linked project."""
    run = linked.run
    return Checked(run, run_checks(run.project, run.stage_checks(CHECK)))


def run_checks(project: Project, checks: list) -> list[Finding]:
    """Findings of `checks` (stage CHECK) in order; a check that raises is a crash."""
    findings: list[Finding] = []
    for one in checks:
        try:
            findings.extend(one.check(project))
        except Exception as exc:
            raise CheckCrashed(f"check {one.RULE.code} failed: {type(exc).__name__}: {exc}") from exc
    return findings


def filter_findings(checked: Checked) -> Filtered:
    """Per-file ignores, duplicates, columns, sorting; context rules off in fragments."""
    from nglint import fragments
    from nglint.registry import all_rules
    from nglint.source import SourceCache

    run = checked.run
    settings, project = run.settings, run.project
    report = Report(findings=[], rules=all_rules(), cwd=run.request.cwd, files_checked=len(project.files), fail_on=settings.fail_on)
    # Reporters may quote only what the parsers were allowed to read (see SourceCache).
    declared = [settings.config_file] if settings.config_file else []
    declared += [spec.server_xml for spec in settings.backends if spec.server_xml]
    report.sources = SourceCache(project.tree_roots, settings.max_file_size, declared)
    findings = finalize(checked.findings, report, settings)
    report.findings = fragments.drop_context_findings(findings, project, [one.RULE for one in run.checks])
    return Filtered(run, report)


def suppress(filtered: Filtered) -> Suppressed:
    """Apply inline suppressions (suppressed findings move to report.suppressed, they do
    not vanish), then run the rules that judge the suppressions (stage AFTER_SUPPRESSIONS)."""
    from nglint import suppressions

    run, report = filtered.run, filtered.report
    files = suppressions.collect(run.project)
    applied = suppressions.apply(report.findings, files, {one.RULE.code for one in run.checks})
    active = applied.active
    late: list[Finding] = []
    for one in run.stage_checks(AFTER_SUPPRESSIONS):
        try:
            late.extend(one.check_suppressions(applied))
        except Exception as exc:
            raise CheckCrashed(f"check {one.RULE.code} failed: {type(exc).__name__}: {exc}") from exc
    if late:
        active = finalize(active + late, report, run.settings)
    report.findings, report.suppressed = active, applied.suppressed
    return Suppressed(run, report, applied)


def scope(suppressed: Suppressed) -> Scoped:
    """Keep what concerns the scope (--changed files, the paths named inside a project),
    apply severity overrides, count the files checked."""
    run, report = suppressed.run, suppressed.report
    project, within = run.project, run.scope
    if within is not None:
        within.learn(project, {rule.code for rule in report.rules if {"parse", "suppression"} & set(rule.tags)})
        report.findings = [f for f in report.findings if within.covers(f)]
        report.suppressed = [f for f in report.suppressed if within.covers(f)]
    if run.settings.severity:
        from nglint.severity import apply_severity

        apply_severity(report.findings + report.suppressed, run.settings.severity)
    cwd = run.request.cwd
    _count_checked(report, project, within, [] if run.request.changed else [os.path.join(cwd, p) for p in run.named])
    return Scoped(run, report)


def fix(scoped: Scoped) -> Fixed:
    """Render the fixes of the active findings (suppressed ones are never fixed) when the
    output can show them: their plans through the format's editor (see nglint.fixer)."""
    run, report = scoped.run, scoped.report
    wanted = run.request.fixes
    if wanted is True or (wanted == "if-fixable" and _maybe_fixable(report)):
        from nglint.fixer import FixHookFailed, attach_fixes

        counted_only = wanted == "if-fixable"  # the text report shows how many, never the text
        try:
            attach_fixes(report.findings, run.project, run.checks, placement_only=counted_only)
        except FixHookFailed as exc:
            raise CheckCrashed(str(exc)) from exc
        report.fixes_built = True
        report.fix_texts = not counted_only
    return Fixed(run, report)


STAGES = (load, link, check, filter_findings, suppress, scope, fix)


def execute(request: Request) -> Fixed:
    """Every stage in order, each fed the previous one's result."""
    result: Any = request
    for stage in STAGES:
        result = stage(result)
    return result


# -- helpers ----------------------------------------------------------------------------


def finalize(findings: list[Finding], report: Report, settings: Settings) -> list[Finding]:
    """Drop per-file ignores and duplicates, fill in columns, sort by path then line."""
    from nglint.registry import matches

    unique: dict[tuple, Finding] = {}
    base = settings.project_root or report.cwd
    for finding in findings:
        if _ignored_for_file(finding, settings, base, matches):
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


def _ignored_for_file(finding: Finding, settings: Settings, base: str, matches) -> bool:
    if not settings.per_file_ignores:
        return False
    rel = os.path.relpath(finding.location.path, base).replace(os.sep, "/")
    for pattern, codes in settings.per_file_ignores.items():
        if fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(os.path.basename(rel), pattern):
            if matches(finding.rule, codes):
                return True
    return False


def _maybe_fixable(report: Report) -> bool:
    """True when some finding's rule has a fix --fix could apply: only then is the work
    of building fixes worth it for a report that shows just the count of them."""
    safety = {rule.code: rule.fix_safety for rule in report.rules}
    return any(safety.get(finding.rule) in ("safe", "unsafe") for finding in report.findings)


def _changed_scope(request: Request):
    """(paths to load, scope) for `--changed`; (paths, None) otherwise."""
    if not request.changed:
        return list(request.paths), None
    from nglint.changed_files import prepare

    paths, scope_ = prepare(list(request.paths), request.settings, request.cwd)
    return (paths if scope_.files else []), scope_  # only deleted or excluded files: load nothing


def _path_scope(paths: list[str], settings: Settings, cwd: str):
    """(paths to load, scope) for paths inside a larger project; (paths, None) otherwise."""
    from nglint.changed_files import prepare_paths

    prepared = prepare_paths(paths, settings, cwd)
    return prepared if prepared is not None else (paths, None)


def _count_checked(report: Report, project: Project, within, named: list[str]) -> None:
    """Files checked where findings are reported: a path scope counts its own files only
    (--changed keeps counting the project); `named` lets "nothing checked" name the paths."""
    if named and within is not None:
        report.files_checked = sum(1 for path in project.files if within.contains(path))
        report.nginx_files = sum(1 for path in project.parsed_nginx if within.contains(path))
    else:
        report.nginx_files = len(project.parsed_nginx)
    if not report.nginx_files and project.hops:
        # No nginx file, yet an nginx the repository describes otherwise (an ingress
        # controller's pool) or a front tier was checked: not "nothing to lint".
        report.nginx_files = len({hop.client.location.path for hop in project.hops})
    report.named_paths = named
