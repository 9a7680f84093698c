"""KA005: nginx >= 1.29.7 pools every upstream block; unpinned configs inherit the race."""

from __future__ import annotations

from typing import Iterable

from nglint.api import Finding, Location, Related, Rule, Severity, at_directive
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
)


def fix(finding: Finding, project):
    """Add a keepalive_timeout that is safe on any nginx version (ka005.j2). Unsafe: on
    nginx >= 1.29.7 it changes how long the default pool keeps connections."""
    from nglint.fixer.builder import upstream_for
    from nglint.fixer.recipes import set_upstream_timeout

    seconds = finding.data.get("suggested_seconds")
    if seconds is None:
        return None  # the message explains that no whole-second value satisfies the margin
    violations = project.keepalive.violations(upstream_for(project, finding))
    worst = next(v for v in violations if v.backend_ms == finding.data["backend_timeout_ms"])
    return set_upstream_timeout(
        RULE, finding, project, "ka005.j2", seconds,
        backend_label=worst.backend.label, backend_timeout=format_ms(worst.backend_ms),
    )


def check(project) -> Iterable[Finding]:
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
        suggestion = (
            f"{worst.suggested_seconds}s or less satisfies the margin"
            if worst.suggested_seconds is not None
            else "no whole-second value satisfies the margin"
        )
        message = (
            f"Upstream {upstream.name!r} is pooled by default since nginx 1.29.7; set keepalive_timeout below "
            f"{format_ms(worst.backend_ms)} or pin nginx-version. Its idle timeout would be "
            f"{format_ms(worst.nginx_ms)} while {worst.backend.label} closes idle connections after "
            f"{format_ms(worst.backend_ms)} ({suggestion})."
        )
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
        )
        finding.data = {
            "upstream": upstream.name,
            "suggested_seconds": worst.suggested_seconds,
            "backend_timeout_ms": worst.backend_ms,
        }
        yield finding
