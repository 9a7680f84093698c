"""P001: an nginx file cannot be parsed; nothing in it can be checked."""

from __future__ import annotations

from typing import Iterable

from nglint import diagnostics as kinds
from nglint.api import Finding, Rule, Severity, from_problem, problems_for

RULE = Rule(
    code="P001",
    name="nginx-parse-error",
    severity=Severity.ERROR,
    summary="An nginx configuration file cannot be read or parsed.",
    rationale="""
A file nglint cannot parse is a file none of its checks ran on; nginx would refuse it too
(`nginx -t`). The message and line are the ones `nginx -t` prints: nginx's own tokenizer
rules, and its directive table (a block without `{`, a wrong argument count, a directive
in the wrong context), generated from nginx's source. Directives of third-party modules
are never errors. See docs/nginx-syntax.md.
""",
    bad_example="""
server {
    location / {
        proxy_pass http://app;
}
""",
    good_example="""
server {
    location / {
        proxy_pass http://app;
    }
}
""",
    tags=("parse",),
    reports=(kinds.NGINX_PARSE_ERROR, kinds.MANIFEST_PARSE_ERROR, kinds.UNLISTED_DIRECTORY),
)


def check(project) -> Iterable[Finding]:
    for problem in problems_for(project, RULE):
        yield from_problem(RULE, problem)
