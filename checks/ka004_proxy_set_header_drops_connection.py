"""KA004: a location's own proxy_set_header discards the inherited `Connection ""`."""

from __future__ import annotations

from typing import Iterable

from nglint.api import Finding, Related, Location, Rule, Severity, at_directive

RULE = Rule(
    code="KA004",
    name="proxy-set-header-drops-connection",
    severity=Severity.WARNING,
    summary='A proxy_set_header in an inner block discards the inherited `proxy_set_header Connection "";`.',
    rationale="""
proxy_set_header is an array directive: a level that defines any proxy_set_header inherits
none from outer levels. Adding one header in a location (say X-Request-Id) silently drops the
server-level `Connection ""`, so nginx sends `Connection: close` again and the keepalive pool
is unused for that location, with no error anywhere.
""",
    bad_example="""
server {
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    location /api/ {
        proxy_set_header X-Request-Id $request_id;   # drops Connection ""
        proxy_pass http://app;
    }
}
""",
    good_example="""
server {
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    location /api/ {
        proxy_set_header X-Request-Id $request_id;
        proxy_set_header Connection "";
        proxy_pass http://app;
    }
}
""",
    fix='Repeat `proxy_set_header Connection "";` in the block that defines its own headers.',
    tags=("keepalive", "performance", "inheritance"),
    fix_safety="safe",
)


def check(project) -> Iterable[Finding]:
    analysis = project.keepalive
    if project.settings.new_nginx_defaults:
        return  # nginx >= 1.29.7 does not send "Connection: close" when the header is dropped
    reported: set[int] = set()
    for upstream in analysis.all_upstreams():
        if not analysis.pool(upstream).pooled:
            continue
        for site in analysis.sites(upstream):
            connection = analysis.connection(site)
            if connection.dropped is None or not connection.own_headers:
                continue
            first = connection.own_headers[0]
            if id(first) in reported:
                continue
            reported.add(id(first))
            dropped = connection.dropped
            message = (
                f"This block's own proxy_set_header directives discard the inherited "
                f'proxy_set_header Connection "{dropped.arg(1)}", so the keepalive pool of upstream '
                f"{upstream.name!r} is unused here. Repeat the Connection header in this block."
            )
            finding = at_directive(
                RULE,
                first,
                message,
                related=[Related(Location(dropped.path, dropped.line), "the Connection header defined at an outer level")],
            )
            finding.data = {"upstream": upstream.name, "connection_value": dropped.arg(1)}
            yield finding
