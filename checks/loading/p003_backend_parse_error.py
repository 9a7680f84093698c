"""P003: a backend file (server.xml) cannot be parsed, or is refused as unsafe."""

from __future__ import annotations

from typing import Iterable

from nglint import diagnostics as kinds
from nglint.api import Finding, Rule, Severity, from_problem, problems_for

RULE = Rule(
    code="P003",
    name="backend-parse-error",
    severity=Severity.ERROR,
    summary="A backend configuration file cannot be parsed or is refused as unsafe.",
    rationale="""
A server.xml that is not well-formed cannot be checked, and Tomcat would not start with it.
server.xml files that declare a DTD or entities are refused outright: entity expansion and
external DTDs are how XML files read other files or exhaust memory, and a real server.xml
needs neither.
""",
    bad_example="""
<?xml version="1.0"?>
<!DOCTYPE Server [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]>
<Server port="8005"><Service name="Catalina">&x;</Service></Server>
""",
    good_example="""
<?xml version="1.0"?>
<Server port="8005">
  <Service name="Catalina">
    <Connector port="8080" protocol="HTTP/1.1" connectionTimeout="20000"/>
  </Service>
</Server>
""",
    tags=("parse", "security"),
    reports=(kinds.BACKEND_PARSE_ERROR, kinds.REFUSED_FILE, kinds.UNREADABLE_FILE),
)


def check(project) -> Iterable[Finding]:
    for problem in problems_for(project, RULE):
        yield from_problem(RULE, problem)
