"""KA001: a pooled upstream keeps idle connections at least as long as the backend does."""

from __future__ import annotations

from typing import Iterable

from nglint.api import Finding, Location, Related, Rule, Severity, at_directive, display_path
from nglint.fixer.plan import plan, planned, set_value
from nglint.messages import endpoint_name, margin_source, nginx_timeout_source, short_label, timeout_advice
from nglint.units import format_ms

RULE = Rule(
    code="KA001",
    name="idle-timeout-outlives-backend",
    severity=Severity.ERROR,
    summary="A pooled upstream keeps idle connections open longer than the backend behind it does.",
    rationale="""
nginx reuses idle upstream connections until its keepalive_timeout (60s by default) runs out.
When the backend (Tomcat keepAliveTimeout, which defaults to connectionTimeout, 20s in the
shipped server.xml) closes an idle connection first, nginx can send the next request on a
socket the backend is closing. The result is `recv() failed (104: Connection reset by peer)`
or `upstream prematurely closed connection` and a 502. nginx retries such a request on
another connection only when it is idempotent, so POST, PATCH and LOCK fail, with no line
in the backend's log. nginx's idle timeout must end first, with a safety margin.
""",
    bad_example="""
upstream app {
    server tomcat:8080;
    keepalive 32;            # idle timeout: 60s (default)
}
# server.xml: <Connector port="8080" connectionTimeout="20000"/>
""",
    good_example="""
upstream app {
    server tomcat:8080;
    keepalive 32;
    keepalive_timeout 18s;   # below Tomcat's 20s minus the margin
}
""",
    fix="Set the upstream's keepalive_timeout to the largest whole number of seconds below the backend's idle timeout minus the margin.",
    tags=("keepalive", "reliability", "cross-tier"),
    fix_safety="safe",
    needs=("nginx",),
)


def check(project) -> Iterable[Finding]:
    yield from _upstream_findings(project)
    yield from _foreign_hop_findings(project)


def _foreign_hop_findings(project) -> Iterable[Finding]:
    """The same invariant on hops whose client is another tier's pool (an ingress
    controller, a load balancer), reported at the client's setting, which the client
    format's editor changes (no fix when that tier has no such setting)."""
    from nglint.tiers.hops import foreign_hops

    hops = foreign_hops(project)
    if not hops:
        return
    from nglint.sources.frontend.model import is_front_tier
    from nglint.tiers.invariant import client_closes_first

    margin = project.settings.margin
    by_client: dict = {}
    for hop in hops:
        if not hop.client.idle.pools or is_front_tier(hop.client.tier):
            continue  # a load balancer's hops are LB001's
        race = client_closes_first(hop.client.idle, hop.server.idle, margin)
        if race is not None and not race.ok:
            by_client.setdefault(hop.client, []).append((race, hop))
    for client, failures in by_client.items():
        failures.sort(key=lambda item: item[0].max_allowed_ms)
        race, hop = failures[0]
        server = hop.server
        if race.suggested_seconds is not None and client.setting is None:
            advice = f"its idle timeout must be {race.suggested_seconds}s or less"
        elif race.suggested_seconds is not None:
            advice = f"set {client.setting.key} to {race.suggested_seconds}s"
        else:
            advice = "no whole-second value satisfies the margin: raise the server's idle timeout"
        message = (
            f"{endpoint_name(client)}'s pool keeps idle connections {format_ms(race.client_ms)}, {endpoint_name(server)} "
            f"closes them after {format_ms(race.server_ms)}: {advice}"
        )
        sources = [
            f"{client.label}: {format_ms(race.client_ms)} from {client.idle.provenance.describe()}",
            f"{server.label}: {format_ms(race.server_ms)} from {server.idle.provenance.describe()}",
            margin_source(project.settings, race.server_ms),
            f"linked by {hop.evidence}",
        ]
        setting = client.setting
        where = Location(setting.path, setting.line) if setting is not None else client.location
        related = [
            Related(server.idle.provenance.location or server.location, f"{server.label} closes idle connections after {format_ms(race.server_ms)} ({server.idle.provenance.describe()})")
            for race, hop in failures
            for server in (hop.server,)
        ]
        if hop.evidence_location is not None:
            related.append(Related(hop.evidence_location, f"linked by {hop.evidence}"))
        finding = Finding(
            RULE.code, RULE.severity, message, where, related=related, anchor=setting.key if setting else None, sources=sources
        )
        finding.data = {
            "client": client.label,
            "nginx_timeout_ms": race.client_ms,
            "backend_timeout_ms": race.server_ms,
            "max_allowed_ms": race.max_allowed_ms,
            "suggested_seconds": race.suggested_seconds,
            "backend_label": server.label,
        }
        if setting is not None:
            finding.data["client_setting"] = setting
            if race.suggested_seconds is not None:
                # The client format's editor changes its setting (a controller's ConfigMap key).
                finding.plan = plan(RULE, f"Set {setting.key} to {race.suggested_seconds}s", [set_value(setting, race.suggested_seconds)])
        yield finding


def _upstream_findings(project) -> Iterable[Finding]:
    """Its fix sets the upstream's keepalive_timeout to the suggested whole seconds
    (ka001.j2); the backend-side alternative is only shown."""
    from nglint.fixer.recipes import set_upstream_timeout

    analysis = project.keepalive
    for upstream, pool in analysis.pooled_upstreams():
        violations = analysis.violations(upstream)
        if not violations:
            continue
        worst = violations[0]
        backend = worst.backend
        where = f"{display_path(backend.location.path)}:{backend.location.line}"
        advice = timeout_advice(project.settings, worst.suggested_seconds)
        message = (
            f"Upstream {upstream.name!r} keeps idle connections {format_ms(worst.nginx_ms)}, "
            f"{short_label(backend)} closes them after {format_ms(worst.backend_ms)}: {advice}"
        )
        # The backend's value and its source are the related location below.
        sources = [nginx_timeout_source(pool, worst.nginx_ms), margin_source(project.settings, worst.backend_ms)]
        if pool.by_default:
            why = pool.version_note or "see KA005"
            sources.append(f"pool: none declared, so pooled by default since nginx 1.29.7 ({why})")
        related = [
            Related(
                Location(v.backend.location.path, v.backend.location.line),
                f"{v.backend.label} closes idle connections after {format_ms(v.backend_ms)} ({v.backend.idle_timeout_source})",
            )
            for v in violations
        ]
        if pool.by_default and pool.version_location is not None:
            related.append(Related(pool.version_location, f"pooled by default: {pool.version_note}"))
        change = _backend_side(worst, project.settings.margin)
        if change is not None:
            sources.append(f"or raise the backend's idle timeout instead: {change.describe()} (not applied by --fix)")
            related.append(Related(Location(change.path, change.line), f"backend-side alternative (not applied by --fix): {change.text}"))
        anchor_directive = pool.report_directive or upstream.directive
        finding = at_directive(RULE, anchor_directive, message, related=related, sources=sources)
        finding.data = {
            "upstream": upstream.name,
            "nginx_timeout_ms": worst.nginx_ms,
            "backend_timeout_ms": worst.backend_ms,
            "max_allowed_ms": worst.max_allowed_ms,
            "suggested_seconds": worst.suggested_seconds,
            "backend_label": backend.label,
            "backend_source": backend.idle_timeout_source,
            "backend_location": where,
            "pooled_by_default": pool.by_default,
        }
        if change is not None:
            finding.data["backend_change"] = {"path": change.path, "line": change.line, "old": change.old, "new": change.text}
        if worst.suggested_seconds is not None:  # else the message explains that no whole second fits the margin
            finding.plan = planned(
                set_upstream_timeout, RULE, project, upstream, pool, "ka001.j2", worst.suggested_seconds,
                backend_label=backend.label, backend_timeout=format_ms(worst.backend_ms),
            )
        yield finding


def _backend_side(verdict, margin):
    """The backend's own setting raised above nginx's timeout, when the backend closes early
    enough that nginx's fix would nearly empty the pool (under 30s)."""
    from nglint.sources.backend_change import backend_change

    if verdict.backend_ms >= 30_000:
        return None
    return backend_change(verdict.backend, verdict.nginx_ms, margin)

