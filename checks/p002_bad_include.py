"""P002: an include matches no file, or points outside the checked tree."""

from __future__ import annotations

from typing import Iterable

from nglint.api import Finding, Rule, Severity, from_problem, problems_with_code

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
)


def check(project) -> Iterable[Finding]:
    for problem in problems_with_code(project, RULE.code):
        yield from_problem(RULE, problem)
