"""KA001: a pooled upstream keeps idle connections at least as long as the backend does."""

from __future__ import annotations

from typing import Iterable

from nglint.api import Finding, Location, Related, Rule, Severity, at_directive, display_path
from nglint.messages import margin_source, nginx_timeout_source, short_label, timeout_advice
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
)


def fix(finding: Finding, project):
    """Set the upstream's keepalive_timeout to the suggested whole seconds (ka001.j2)."""
    from nglint.fixer.recipes import set_upstream_timeout

    seconds = finding.data.get("suggested_seconds")
    if seconds is None:
        return None  # the message explains that no whole-second value satisfies the margin
    return set_upstream_timeout(
        RULE, finding, project, "ka001.j2", seconds,
        backend_label=finding.data["backend_label"], backend_timeout=format_ms(finding.data["backend_timeout_ms"]),
    )


def check(project) -> Iterable[Finding]:
    analysis = project.keepalive
    for upstream in analysis.all_upstreams():
        pool = analysis.pool(upstream)
        if not pool.pooled:
            continue
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
            sources.append("pool: none declared; nginx pools upstream blocks by default since 1.29.7 (see KA005)")
        related = [
            Related(
                Location(v.backend.location.path, v.backend.location.line),
                f"{v.backend.label} closes idle connections after {format_ms(v.backend_ms)} ({v.backend.idle_timeout_source})",
            )
            for v in violations
        ]
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
        yield finding

