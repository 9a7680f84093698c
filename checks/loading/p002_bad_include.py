"""P002: an include matches no file, or points outside the checked tree."""

from __future__ import annotations

from typing import Iterable

from nglint import diagnostics as kinds
from nglint.api import Finding, Rule, Severity, from_problem, problems_for

RULE = Rule(
    code="P002",
    name="bad-include",
    severity=Severity.ERROR,
    summary="An include matches no file, loops, or points outside the checked tree.",
    rationale="""
nginx refuses to start when a literal include path does not exist. An include that leaves the
checked tree (through `..`, a symlink or an absolute path) is not read by nglint, because
configs from a pull request must not make the linter read files elsewhere on the machine;
map absolute paths onto the repository with `nginx-prefix`. Absolute includes that could not
be mapped are reported at info level.
""",
    bad_example="""
include snippets/proxy-params.conf;   # no such file in the repository
include ../../../etc/passwd;          # outside the checked tree
""",
    good_example="""
include snippets/proxy.conf;          # exists next to nginx.conf
""",
    tags=("parse", "include"),
    reports=(kinds.MISSING_INCLUDE, kinds.BAD_INCLUDE, kinds.REFUSED_INCLUDE, kinds.STOCK_INCLUDE),
)


def check(project) -> Iterable[Finding]:
    """One finding per file and message: a missing include written on fourteen server
    blocks is one thing to fix, reported at its first line with the others as sources."""
    first: dict[tuple[str, str], Finding] = {}
    for problem in problems_for(project, RULE):
        # Only messages that quote the include's pattern say it is the same include.
        key = (problem.path, problem.message) if problem.message.startswith("include '") else (problem.path, problem.line, problem.message)
        finding = first.get(key)
        if finding is None:
            first[key] = from_problem(RULE, problem)
        elif problem.line != finding.line:
            lines = finding.data.setdefault("other_lines", [])
            if problem.line not in lines:
                lines.append(problem.line)
    for finding in first.values():
        lines = sorted(finding.data.get("other_lines", ()))
        if lines:
            shown = ", ".join(str(n) for n in lines[:10]) + (f" and {len(lines) - 10} more" if len(lines) > 10 else "")
            finding.sources.append(f"the same include is also on line{'s' if len(lines) > 1 else ''} {shown}")
        yield finding
