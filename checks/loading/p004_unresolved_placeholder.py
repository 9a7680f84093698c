"""P004: a `${...}` placeholder hides a value a check needs."""

from __future__ import annotations

from typing import Iterable

from nglint import diagnostics as kinds
from nglint.api import Finding, Rule, Severity, from_problem, problems_for

RULE = Rule(
    code="P004",
    name="unresolved-placeholder",
    severity=Severity.WARNING,
    summary="A setting a check needs holds an unresolved ${...} placeholder.",
    rationale="""
Tomcat resolves `${name}` in server.xml from system properties (catalina.properties), and
deploy tooling renders `${VAR}` in nginx templates. When nglint cannot resolve one in a port
or timeout, it cannot link or compare that setting, and says so instead of guessing.
""",
    bad_example="""
<Connector port="${http.port}" connectionTimeout="${http.timeout}"/>
<!-- no catalina.properties defines http.port / http.timeout -->
""",
    good_example="""
<!-- conf/catalina.properties: http.port=8080, http.timeout=20000 -->
<Connector port="${http.port}" connectionTimeout="${http.timeout:-20000}"/>
""",
    tags=("parse", "placeholder"),
    reports=(kinds.UNRESOLVED_PLACEHOLDER,),
)


def check(project) -> Iterable[Finding]:
    for problem in problems_for(project, RULE):
        yield from_problem(RULE, problem)
