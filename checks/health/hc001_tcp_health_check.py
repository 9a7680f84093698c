"""HC001: nginx_upstream_check_module TCP probes leave connections for the backend to reset."""

from __future__ import annotations

from typing import Iterable

from nglint.api import Finding, Rule, Severity, at_directive

RULE = Rule(
    code="HC001",
    name="tcp-health-check",
    severity=Severity.WARNING,
    summary="An upstream `check` (nginx_upstream_check_module / tengine) uses type=tcp, the default.",
    rationale="""
A TCP health check opens a connection and leaves it for the backend to close. Backends that
reset idle connections (IIS, some load balancers) answer with RST, and nginx logs
`recv() failed (104: Connection reset by peer)` for every probe, which buries real upstream
errors in error.log. The backend kind linked to the upstream decides how bad it is: one
that resets (IIS) makes every probe noise (warning), one that closes with FIN (Tomcat)
only holds each probe connection until its timeout (info). An HTTP check sends a request
and closes cleanly.
""",
    bad_example="""
upstream app {
    server 10.0.0.7:80;
    check interval=3000 rise=2 fall=5 timeout=1000;
}
""",
    good_example="""
upstream app {
    server 10.0.0.7:80;
    check interval=3000 rise=2 fall=5 timeout=1000 type=http;
    check_keepalive_requests 1;
    check_http_send "HEAD /health HTTP/1.0\\r\\n\\r\\n";
}
""",
    fix="Use `type=http` with `check_keepalive_requests 1` and a check_http_send request.",
    tags=("health-check", "logging"),
    fix_safety="display",
    needs=("nginx",),
)


def _plan(upstream, check_line):
    """Show an HTTP check in place of the TCP one (hc001.j2). Display only: the request
    and the expected answer depend on the application."""
    from nglint.fixer.plan import plan, replace

    present = {d.name for d in upstream.directive.block or ()}
    change = replace(
        check_line, "hc001.j2",
        args=[a for a in check_line.args if not a.lower().startswith("type=")],
        add_keepalive_requests="check_keepalive_requests" not in present,
        add_send="check_http_send" not in present,
        add_expect="check_http_expect_alive" not in present,
    )
    return plan(RULE, "Use an HTTP health check that closes its connection", [change])


def _behind(project, upstream) -> tuple[str, Severity, list[str]]:
    """What the backend kinds linked to the upstream make of idle probe connections:
    (words for the message, severity, kinds)."""
    from nglint.sources.closing import close_style

    links = project.links.get(upstream)
    backends = [link.backend for link in (links.links if links is not None else ())]
    # A reader that knows how its server ends idle connections says so on the backend
    # (`closes_idle_with`); otherwise the kind's entry in the close-style table decides.
    styles = {backend.kind: (backend.attributes or {}).get("closes_idle_with") or close_style(backend.kind) for backend in backends}
    resetting = sorted(kind for kind, style in styles.items() if style == "rst")
    if resetting:
        return (f"The backend behind it ({', '.join(resetting)}) resets idle connections, so every probe becomes a "
                "recv() failed (104: Connection reset by peer) line in error.log.", Severity.WARNING, resetting)
    if styles and all(style == "fin" for style in styles.values()):
        kinds = sorted(styles)
        return (f"The backend behind it ({', '.join(kinds)}) closes idle connections with FIN, so probes only hold a "
                "connection each until its timeout; an HTTP check still tests more than the port.", Severity.INFO, kinds)
    return ("Backends that reset idle connections (IIS) flood error.log with recv() failed (104).", RULE.severity, sorted(styles))


def check(project) -> Iterable[Finding]:
    for upstream in project.keepalive.all_upstreams():
        for directive in upstream.own("check"):
            types = [arg.split("=", 1)[1].lower() for arg in directive.args if arg.lower().startswith("type=")]
            probe = types[-1] if types else "tcp"
            if probe != "tcp":
                continue
            how = "type=tcp" if types else "TCP probes (the default)"
            behind, severity, kinds = _behind(project, upstream)
            message = f"Health check of upstream {upstream.name!r} uses {how}: use type=http with check_keepalive_requests 1"
            sources = [
                "type: " + ("type=tcp on this line" if types else "no type=, and nginx_upstream_check_module defaults to tcp"),
                "a TCP probe leaves its connection for the backend to close",
            ]
            if behind:
                sources.append(behind)
            finding = at_directive(RULE, directive, message, severity=severity, sources=sources)
            finding.data = {"upstream": upstream.name, "backend_kinds": kinds}
            finding.plan = _plan(upstream, directive)
            yield finding
