"""KA004: a location's own proxy_set_header discards the inherited `Connection ""`."""

from __future__ import annotations

from typing import Iterable

from nglint.api import Finding, Location, Related, Rule, Severity, at_directive, display_path

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
    needs=("nginx",),
)


def _plan(site, connection):
    """Repeat the dropped Connection header after the block's last proxy_set_header (ka004.j2)."""
    from nglint.fixer.plan import plan
    from nglint.fixer.recipes import add_to_level

    _, index = site.effective_array("proxy_set_header")
    level = site.levels[index]
    same_file = [d for d in connection.own_headers if level.directive and d.path == level.directive.path]
    value = connection.dropped.arg(1)
    change = add_to_level(level, same_file[-1] if same_file else None, "proxy_set_header", "ka004.j2", value=value)
    # A used pool needs a chosen timeout, checked against its backend: KA002 and P005 may follow.
    return plan(RULE, f'Repeat proxy_set_header Connection "{value}" in this block', [change], reveals=("KA002", "P005"))


def check(project) -> Iterable[Finding]:
    from nglint.fixer.plan import planned

    analysis = project.keepalive
    if project.settings.new_nginx_defaults:
        return  # nginx >= 1.29.7 does not send "Connection: close" when the header is dropped
    reported: set[int] = set()
    for upstream, _pool in analysis.pooled_upstreams():
        for site in analysis.sites(upstream):
            if analysis.site_new_defaults(site):
                continue  # this nginx (its image's version) does not send "Connection: close" either
            connection = analysis.connection(site)
            if connection.dropped is None or not connection.own_headers:
                continue
            first = connection.own_headers[0]
            if id(first) in reported:
                continue
            reported.add(id(first))
            dropped = connection.dropped
            message = (
                f'This block\'s proxy_set_header list drops the inherited Connection "{dropped.arg(1)}", leaving '
                f"upstream {upstream.name!r}'s pool unused: repeat it here"
            )
            sources = [
                f'Connection "{dropped.arg(1)}" is set at {display_path(dropped.path)}:{dropped.line}; nginx inherits '
                "proxy_set_header only into blocks that define none of their own"
            ]
            finding = at_directive(
                RULE,
                first,
                message,
                related=[Related(Location(dropped.path, dropped.line), "the Connection header defined at an outer level")],
                sources=sources,
            )
            finding.data = {"upstream": upstream.name, "connection_value": dropped.arg(1)}
            finding.plan = planned(_plan, site, connection)
            yield finding
