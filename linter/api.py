"""The interface a check is written against, built-in or third-party.

A check is any object (usually a module) with `RULE: Rule` and
`check(project: Project) -> Iterable[Finding]`. Third-party packages expose one through
the `nglint.checks` entry-point group; nglint loads, selects and runs it exactly like
its own.
"""

from __future__ import annotations

from typing import Iterable, Protocol

from nglint.findings import Finding, Location, Related, Severity
from nglint.nginx_tree import Directive
from nglint.paths import display_path
from nglint.problems import Problem
from nglint.rules import AFTER_SUPPRESSIONS, CHECK, Rule

__all__ = ["AFTER_SUPPRESSIONS", "CHECK", "Check", "display_path", "Finding", "Location", "Related", "Rule", "Severity", "at_directive", "from_problem"]


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


def problems_with_code(project, code: str) -> Iterable[Problem]:
    """Loading problems of one P-rule, from parsers and from the keepalive analysis."""
    for problem in project.problems:
        if problem.code == code:
            yield problem
    for problem in project.keepalive.problems:
        if problem.code == code:
            yield problem

