"""KA005: nginx >= 1.29.7 pools every upstream block; unpinned configs inherit the race."""

from __future__ import annotations

from typing import Iterable

from nglint.api import Finding, Location, Related, Rule, Severity, at_directive
from nglint.messages import HEADLINE_MAX, endpoint_name, margin_source, nginx_timeout_source, short_label
from nglint.units import format_ms

RULE = Rule(
    code="KA005",
    name="pooled-by-default",
    severity=Severity.WARNING,
    summary="An upstream block without keepalive is pooled by default since nginx 1.29.7, and would outlive its backend.",
    rationale="""
From nginx 1.29.7 (and 1.30 stable) every explicit upstream block gets `keepalive 32 local`
by default, proxy_http_version defaults to 1.1 and `Connection: close` is no longer sent.
A config with no keepalive settings at all now keeps idle connections for 60s, and hits the
backend-closes-first race (502 on POST) after an nginx upgrade, with no config change.
When nginx-version is not pinned, nglint cannot tell which behaviour you run.
""",
    bad_example="""
upstream app {
    server tomcat:8080;      # no keepalive: pooled anyway on nginx >= 1.29.7
}
# server.xml: <Connector port="8080" connectionTimeout="20000"/>
""",
    good_example="""
upstream app {
    server tomcat:8080;
    keepalive_timeout 18s;   # safe whichever nginx runs it
}
""",
    fix="Add keepalive_timeout below the backend's idle timeout (or set nginx-version so nglint knows the defaults).",
    tags=("keepalive", "reliability", "upgrade"),
    fix_safety="unsafe",
    needs=("nginx",),
)


def check(project) -> Iterable[Finding]:
    """Its fix adds a keepalive_timeout that is safe on any nginx version (ka005.j2).
    Unsafe: on nginx >= 1.29.7 it changes how long the default pool keeps connections.
    A controller's pool gets none: the controller has no key for its idle timeout."""
    from nglint.fixer.plan import planned
    from nglint.fixer.recipes import set_upstream_timeout

    yield from _foreign_findings(project)
    analysis = project.keepalive
    for upstream in analysis.all_upstreams():
        if analysis.nginx_version(upstream.config) is not None:
            continue  # known (declared or from the image): KA001 applies directly (>= 1.29.7) or it is not pooled
        pool = analysis.pool(upstream)
        if pool.keepalive is not None:
            continue  # pooled explicitly (KA001's business) or disabled with keepalive 0
        violations = [v for v in analysis.violations(upstream) if v.backend_ms <= 60_000]
        if not violations:
            continue
        worst = violations[0]
        if worst.suggested_seconds is not None:
            advice = f"set keepalive_timeout {worst.suggested_seconds}s or pin nginx-version"
        else:
            advice = "no whole-second keepalive_timeout fits the margin: pin nginx-version or use keepalive 0"
        message = (
            f"Pooled by default since nginx 1.29.7, upstream {upstream.name!r} would outlive "
            f"{short_label(worst.backend)}'s {format_ms(worst.backend_ms)} idle timeout: {advice}"
        )
        sources = [
            nginx_timeout_source(pool, worst.nginx_ms),
            "pool: no keepalive directive; nginx pools upstream blocks by default since 1.29.7, and nginx-version is not set",
            margin_source(project.settings, worst.backend_ms),
        ]
        unknown = analysis.unknown_version_reason(upstream.config)
        if unknown:
            sources.append(f"version: {unknown}")
        finding = at_directive(
            RULE,
            upstream.directive,
            message,
            related=[
                Related(
                    Location(worst.backend.location.path, worst.backend.location.line),
                    f"{worst.backend.label}: {worst.backend.idle_timeout_source}",
                )
            ],
            sources=sources,
        )
        finding.data = {
            "upstream": upstream.name,
            "suggested_seconds": worst.suggested_seconds,
            "backend_timeout_ms": worst.backend_ms,
        }
        if worst.suggested_seconds is not None:  # else the message explains that no whole second fits the margin
            finding.plan = planned(
                set_upstream_timeout, RULE, project, upstream, pool, "ka005.j2", worst.suggested_seconds,
                backend_label=worst.backend.label, backend_timeout=format_ms(worst.backend_ms),
            )
        yield finding


def _foreign_findings(project) -> Iterable[Finding]:
    """A controller pool that exists only on nginx >= 1.29.7 (F5's `keepalive: 0`): the same
    invariant with the pool nginx would create, reported at the controller's setting."""
    from nglint.records import replace
    from nglint.tiers.hops import foreign_hops
    from nglint.tiers.invariant import client_closes_first

    worst: dict = {}
    for hop in foreign_hops(project):
        if hop.client.idle.pools or not getattr(hop.client.subject, "pooled_by_nginx_default", False):
            continue
        race = client_closes_first(replace(hop.client.idle, pools=True), hop.server.idle, project.settings.margin)
        if race is not None and not race.ok and (hop.client not in worst or race.max_allowed_ms < worst[hop.client][0].max_allowed_ms):
            worst[hop.client] = (race, hop)
    for client, (race, hop) in worst.items():
        setting = client.setting
        where = Location(setting.path, setting.line) if setting is not None else client.location
        message = (
            f"Pooled by default since nginx 1.29.7, {endpoint_name(client)} would keep idle connections {format_ms(race.client_ms)}, "
            f"{endpoint_name(hop.server)} closes them after {format_ms(race.server_ms)}: raise the server's idle timeout"
        )
        if len(message) > HEADLINE_MAX:  # a long controller name: the sources give it in full
            message = (
                f"Pooled by default since nginx 1.29.7, the controller would keep idle connections {format_ms(race.client_ms)}, "
                f"{endpoint_name(hop.server)} closes them after {format_ms(race.server_ms)}: raise the server's idle timeout"
            )
        sources = [
            f"{client.label}: keepalive 0 means no pool before nginx 1.29.7; from 1.29.7 every upstream block pools",
            f"pool idle timeout: {format_ms(race.client_ms)} from {client.idle.provenance.describe()}; no controller key sets it",
            f"{hop.server.label}: {format_ms(race.server_ms)} from {hop.server.idle.provenance.describe()}",
            f"linked by {hop.evidence}",
        ]
        related = [Related(hop.server.idle.provenance.location or hop.server.location, f"{hop.server.label}: {hop.server.idle.provenance.describe()}")]
        finding = Finding(RULE.code, RULE.severity, message, where, related=related, sources=sources)
        finding.data = {"foreign": True, "client": client.label, "suggested_seconds": race.suggested_seconds,
                        "backend_timeout_ms": race.server_ms}
        yield finding
