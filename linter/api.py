"""The interface a check is written against, built-in or third-party.

A check is any object (usually a module) with `RULE: Rule` and
`check(project: Project) -> Iterable[Finding]`. Third-party packages expose one through
the `nglint.checks` entry-point group; nglint loads, selects and runs it exactly like
its own.

When it runs: `RULE.stage` is CHECK (the default: `check(project)` with every other
rule) or AFTER_SUPPRESSIONS (`check_suppressions(applied)` once inline suppressions are
applied, for a rule that judges them, like N001). `RULE.needs` names what it reads
beyond the tier model ("nginx", "front", "suppressions").

Fixes: a fixable check attaches a plan when it makes the finding,
`finding.plan = plan(RULE, description, [changes])` with the changes of
`nglint.fixer.plan` (replace, insert_after, append_to on an nginx statement; set_value
on a SettingRef of another format), built from the objects it already holds; the fix
stage renders plans through the format's editor, only when the output shows fixes.
Still supported: a check defining `fix(finding, project) -> Fix | None` (built with
`nglint.fixer.builder.FixBuilder`) is called by the fix stage for its findings that
carry no plan; `project` is then the run's FixContext, which reads through to the
Project. Raising `nglint.fixer.layout.NoFix` means "no fix offered".
"""

from __future__ import annotations

from typing import Iterable, Protocol

from nglint.diagnostics import LINK_GAP
from nglint.findings import Finding, Location, Related, Severity
from nglint.sources.nginx.tree import Directive
from nglint.paths import display_path
from nglint.problems import Problem
from nglint.rules import AFTER_SUPPRESSIONS, CHECK, Rule

__all__ = ["AFTER_SUPPRESSIONS", "CHECK", "Check", "display_path", "Finding", "Location", "Related", "Rule", "Severity", "at_directive", "from_problem", "problems_for"]


class Check(Protocol):
    RULE: Rule

    def check(self, project) -> Iterable[Finding]: ...


def at_directive(rule: Rule, directive: Directive, message: str, **extra) -> Finding:
    """A finding located at an nginx directive, anchored on its name for the column."""
    return Finding(
        rule=rule.code,
        severity=extra.pop("severity", rule.severity),
        message=message,
        location=Location(directive.path, directive.line),
        anchor=directive.name,
        **extra,
    )


def from_problem(rule: Rule, problem: Problem) -> Finding:
    """A finding for a loading problem recorded by the parsers."""
    return Finding(
        rule=rule.code,
        severity=problem.severity or rule.severity,
        message=problem.message,
        location=Location(problem.path, problem.line),
        anchor=problem.anchor,
        sources=list(problem.sources),
    )


def problems_for(project, rule: Rule) -> Iterable[Problem]:
    """The diagnostics of the kinds `rule` reports (`Rule.reports`), in the order the stages
    recorded them: the readers', the keepalive analysis's and, when link gaps are asked
    for, the front-tier analysis's (computed only in a run that read or declared a front tier)."""
    kinds = frozenset(rule.reports)
    if not kinds:
        return
    for problem in project.problems:
        if problem.kind in kinds:
            yield problem
    for problem in project.keepalive.problems:
        if problem.kind in kinds:
            yield problem
    if LINK_GAP in kinds:
        from nglint.tiers.front_entry import link_gaps

        yield from link_gaps(project)
