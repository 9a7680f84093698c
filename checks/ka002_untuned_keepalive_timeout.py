"""KA002: HTTP/1.1 proxying to a pool whose idle timeout was never chosen."""

from __future__ import annotations

from typing import Iterable

from nglint.api import Finding, Rule, Severity, at_directive
from nglint.units import format_ms

RULE = Rule(
    code="KA002",
    name="untuned-keepalive-timeout",
    severity=Severity.WARNING,
    summary="HTTP/1.1 proxying to a keepalive pool without an explicit keepalive_timeout.",
    rationale="""
The pool is really used (HTTP/1.1 and the Connection header cleared), yet its idle
timeout is nginx's implicit 60s. That is only safe while every backend keeps idle
connections longer than 60s plus a margin, which nobody decided: most application
servers close sooner (Tomcat 20s, Node.js 5s, gunicorn 2s). Write the timeout down,
chosen against the backend.
""",
    bad_example="""
upstream api {
    server 10.0.0.5:3000;
    keepalive 16;
}
location / {
    proxy_pass http://api;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
}
""",
    good_example="""
upstream api {
    server 10.0.0.5:3000;
    keepalive 16;
    keepalive_timeout 4s;   # Node.js keepAliveTimeout is 5s
}
""",
    fix="Add keepalive_timeout to the upstream, below the backend's idle timeout (without a linked backend the fix only shows nginx's 60s made explicit).",
    tags=("keepalive", "reliability"),
    fix_safety="safe",
)


def fix(finding: Finding, project):
    """With a linked backend: the largest whole seconds within the margin (safe). Without
    one: nginx's implicit 60s written down, with a comment to check it (display only)."""
    from nglint.fixer.builder import upstream_for
    from nglint.fixer.recipes import set_upstream_timeout

    links = project.keepalive.links(upstream_for(project, finding)).links
    backend = links[0].backend if links else None
    if backend is not None and backend.idle_timeout_ms is not None and backend.timeout_known:
        allowed = backend.idle_timeout_ms - project.settings.margin.required_gap_ms(backend.idle_timeout_ms)
        if allowed >= 1000:
            return set_upstream_timeout(
                RULE, finding, project, "ka002.j2", allowed // 1000, linked=True,
                backend_label=backend.label, backend_timeout=format_ms(backend.idle_timeout_ms),
            )
    return set_upstream_timeout(RULE, finding, project, "ka002.j2", 60, safety="display", linked=False)


def check(project) -> Iterable[Finding]:
    analysis = project.keepalive
    for upstream in analysis.all_upstreams():
        pool = analysis.pool(upstream)
        if not pool.pooled or pool.timeout is not None:
            continue
        if analysis.violations(upstream):
            continue  # KA001 says more
        if not any(analysis.reuses_connections(site) for site in analysis.sites(upstream)):
            continue
        links = analysis.links(upstream).links
        if links:
            backend = links[0].backend
            context = f"linked backend {backend.label} keeps idle connections for {backend.idle_timeout_source}"
        else:
            context = "no backend is linked, so nglint cannot tell whether 60s is safe"
        message = (
            f"Upstream {upstream.name!r} is proxied with HTTP/1.1 keepalive but keeps nginx's implicit 60s idle timeout. "
            f"Set keepalive_timeout explicitly, below the backend's idle timeout ({context})."
        )
        finding = at_directive(RULE, pool.keepalive or upstream.directive, message)
        finding.data = {
            "upstream": upstream.name,
            "linked": bool(links),
            "backend_timeout_ms": links[0].backend.idle_timeout_ms if links else None,
        }
        yield finding
