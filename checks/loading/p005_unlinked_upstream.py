"""P005: a pooled upstream that nglint cannot link to any backend."""

from __future__ import annotations

from typing import Iterable

from nglint import diagnostics as kinds
from nglint.api import Finding, Location, Related, Rule, Severity, at_directive, display_path, from_problem, problems_for

MAX_CANDIDATES_SHOWN = 10

RULE = Rule(
    code="P005",
    name="unlinked-upstream",
    severity=Severity.INFO,
    summary="A pooled upstream links to no backend, so its idle timeout was not checked.",
    rationale="""
KA001 compares an upstream's idle timeout with the backend's. nglint links them by port
(an upstream `server host:8080` to a server.xml Connector on 8080) or by explicit
configuration. When neither works, or a port matches connectors in several server.xml files,
the comparison is skipped: declare the link. A load balancer in front whose target nglint
cannot find is reported the same way: its idle timeout is compared with nothing.
""",
    bad_example="""
upstream api { server node:3000; keepalive 16; }   # no server.xml listens on 3000
""",
    good_example="""
# pyproject.toml
[[tool.nglint.backend]]
upstream = "api"
idle-timeout = "5s"     # Node.js keepAliveTimeout
""",
    tags=("linking",),
    reports=(kinds.LINK_GAP,),
)

_HOW = (
    'declare it in [tool.nglint] config: [[tool.nglint.backend]] upstream = "{name}" with '
    'server-xml = "path/to/server.xml" or idle-timeout = "5s"'
)


def check(project) -> Iterable[Finding]:
    yield from _unlinked_upstreams(project)
    for problem in problems_for(project, RULE):  # link gaps the tier model recorded (a load balancer)
        yield from_problem(RULE, problem)


def _unlinked_upstreams(project) -> Iterable[Finding]:
    analysis = project.keepalive
    for upstream, _pool in analysis.pooled_upstreams():
        sites = analysis.sites(upstream)
        if sites and not any(analysis.reuses_connections(site) for site in sites):
            continue  # every proxy_pass leaves the pool unused (KA003 says why): its timeout does not matter
        links = analysis.links(upstream)
        if links.links:
            continue
        how = _HOW.format(name=upstream.name)
        related: list[Related] = []
        if links.explicit_error:
            reason = f"its [[tool.nglint.backend]] entry cannot be used: {links.explicit_error}"
        elif links.ambiguous:
            server, candidates = links.ambiguous[0]
            port = f"port {server.port}" if server is not None else "the declared server.xml"
            # Listed up to a cap: in a monorepo where every Tomcat uses 8080, each pool
            # would otherwise name every server.xml (output quadratic in services).
            shown = candidates[:MAX_CANDIDATES_SHOWN]
            places = ", ".join(f"{display_path(b.location.path)}:{b.location.line}" for b in shown)
            if len(candidates) > len(shown):
                places += f" and {len(candidates) - len(shown)} more"
            reason = f"{port} is ambiguous: it matches connectors in {places}; nglint does not guess"
            related = [Related(Location(b.location.path, b.location.line), f"candidate: {b.label}") for b in shown]
        else:
            ports = sorted({s.port for s in links.unmatched if s.port is not None})
            if ports:
                reason = ("no backend found for " + ", ".join(
                    f"{s.host}:{s.port}" for s in links.unmatched if s.port is not None)
                    + " (no compose service, server config or server.xml of this stack nglint can read listens there)")
            else:
                reason = "its servers have no TCP port to match"
        message = (
            f"Pooled upstream {upstream.name!r} links to no backend, so its idle timeout is unchecked: "
            "declare the backend in the nglint config"
        )
        sources = [f"link: {reason}", f"to check it, {how}"]
        finding = at_directive(RULE, upstream.directive, message, related=related, sources=sources)
        finding.data = {"upstream": upstream.name, "ambiguous": bool(links.ambiguous)}
        yield finding
