"""KA002: HTTP/1.1 proxying to a pool whose idle timeout was never chosen."""

from __future__ import annotations

from typing import Iterable

from nglint.api import Finding, Rule, Severity, at_directive
from nglint.sources.nginx.defaults import DEFAULTS as NGINX_DEFAULTS
from nglint.messages import nginx_timeout_source, timeout_advice, timeout_settable

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
chosen against the backend. Silent when every linked backend is known to keep idle
connections longer than nginx by the margin, or never to close them (KA001 reports
the opposite).
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
    fix="Add keepalive_timeout to the upstream, below the backend's idle timeout (the fix only shows nginx's 60s made explicit: the backend's timeout is unknown).",
    tags=("keepalive", "reliability"),
    fix_safety="display",
    needs=("nginx",),
)


def check(project) -> Iterable[Finding]:
    """Its fix writes nginx's implicit 60s down, with a comment to check it (display only):
    KA002 fires only where no linked backend's idle timeout is known, so no value can be
    chosen for the user (with a known backend, KA001 or nothing applies)."""
    from nglint.fixer.plan import planned
    from nglint.fixer.recipes import set_upstream_timeout

    analysis = project.keepalive
    for upstream, pool in analysis.pooled_upstreams():
        if pool.timeout is not None:
            continue
        if analysis.violations(upstream):
            continue  # KA001 says more
        if not any(analysis.reuses_connections(site) for site in analysis.sites(upstream)):
            continue
        links = analysis.links(upstream).links
        compared = [v.backend for v in analysis.verdicts(upstream) if v.ok]
        if links and all(_outlasts_nginx(link.backend, compared) for link in links):
            continue  # every backend is known to keep connections longer (or forever): nothing to tune
        if links:
            backend = links[0].backend
            context = f"linked backend {backend.label}: idle timeout unknown ({backend.idle_timeout_source})"
        else:
            context = "no backend is linked, so nglint cannot tell whether 60s is safe"
        advice = "set keepalive_timeout below the backend's"
        if not timeout_settable(project.settings):
            advice = timeout_advice(project.settings, None)
        message = f"Upstream {upstream.name!r} pools connections with nginx's implicit 60s idle timeout: {advice}"
        sources = [nginx_timeout_source(pool, NGINX_DEFAULTS.get("upstream.keepalive_timeout").value), context]
        finding = at_directive(RULE, pool.keepalive or upstream.directive, message, sources=sources)
        finding.data = {
            "upstream": upstream.name,
            "linked": bool(links),
            "backend_timeout_ms": links[0].backend.idle_timeout_ms if links else None,
        }
        finding.plan = planned(set_upstream_timeout, RULE, project, upstream, pool, "ka002.j2", 60, safety="display")
        yield finding


def _outlasts_nginx(backend, compared: list) -> bool:
    """A linked backend whose idle timeout is known and leaves nginx's default safe: it
    never closes idle connections, closes after every response, or keeps them longer than
    nginx's timeout by the margin (an ok verdict)."""
    if not backend.timeout_known:
        return False
    return backend.idle_timeout_ms is None or backend.keepalive_disabled or any(b is backend for b in compared)
