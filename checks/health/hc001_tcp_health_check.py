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
A TCP health check opens a connection, sends nothing and keeps it for the next probe, so
the backend ends it. Backends that reset idle connections (IIS: HTTP.sys) answer with RST,
and nginx logs `recv() failed (104: Connection reset by peer)` for every probe, which buries
real upstream errors in error.log; gunicorn's sync worker blocks on it until it is killed
at its timeout (WORKER TIMEOUT). The backend kind linked to the upstream decides how bad it
is: those two are warnings; one that closes with FIN (Tomcat, Node.js, gunicorn's gthread
worker) only holds each probe connection until its timeout (info). An HTTP check sends a
request and closes cleanly.
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


def _behind(project, upstream) -> tuple[str, Severity, list[str], list[str]]:
    """What the backend kinds linked to the upstream make of idle probe connections, from
    the close-style table (a reader that knows better says so on the backend,
    `closes_idle_with`): (words for the message's sources, severity, kinds, citations)."""
    from nglint.sources.closing import EFFECT, SEVERE, close_entry_for

    links = project.links.get(upstream)
    backends = [link.backend for link in (links.links if links is not None else ())]
    styles, cited = {}, []
    for backend in backends:
        row = close_entry_for(backend.kind, backend.attributes)
        style = (backend.attributes or {}).get("closes_idle_with") or (row.value if row is not None else None)
        styles[backend.kind] = style
        if row is not None and row.value == style:
            cited.append(f"{backend.kind}: {row.note} ({row.url})")
    known = {kind: style for kind, style in styles.items() if style in EFFECT}
    severe = sorted(kind for kind, style in known.items() if style in SEVERE)
    if severe:
        effects = "; ".join(f"{kind} {EFFECT[known[kind]]}" for kind in severe)
        return f"The backend behind it: {effects}.", Severity.WARNING, severe, cited
    if styles and len(known) == len(styles):
        kinds = sorted(known)
        return (f"The backend behind it ({', '.join(kinds)}) {EFFECT['fin']}; an HTTP check still tests more than the port.",
                Severity.INFO, kinds, cited)
    unknown = sorted(kind for kind in styles if kind not in known)
    what = f"nglint does not know how {', '.join(unknown)} ends an idle connection" if unknown else "No backend is linked"
    return (f"{what}: backends that reset idle connections (IIS) flood error.log with recv() failed (104).",
            RULE.severity, sorted(styles), cited)


def check(project) -> Iterable[Finding]:
    for upstream in project.keepalive.all_upstreams():
        for directive in upstream.own("check"):
            types = [arg.split("=", 1)[1].lower() for arg in directive.args if arg.lower().startswith("type=")]
            probe = types[-1] if types else "tcp"
            if probe != "tcp":
                continue
            how = "type=tcp" if types else "TCP probes (the default)"
            behind, severity, kinds, cited = _behind(project, upstream)
            message = f"Health check of upstream {upstream.name!r} uses {how}: use type=http with check_keepalive_requests 1"
            sources = [
                "type: " + ("type=tcp on this line" if types else "no type=, and nginx_upstream_check_module defaults to tcp"),
                "a TCP probe leaves its connection for the backend to close",
            ]
            sources.append(behind)
            sources.extend(f"how it closes: {line}" for line in cited)
            finding = at_directive(RULE, directive, message, severity=severity, sources=sources)
            finding.data = {"upstream": upstream.name, "backend_kinds": kinds}
            finding.plan = _plan(upstream, directive)
            yield finding
