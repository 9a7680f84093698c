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


def fix(finding: Finding, project):
    """Repeat the dropped Connection header after the block's last proxy_set_header (ka004.j2)."""
    from nglint.fixer.builder import FixBuilder, upstreams_named
    from nglint.fixer.layout import NoFix
    from nglint.fixer.recipes import add_to_level

    where = (finding.location.path, finding.location.line)
    sites = [site for upstream in upstreams_named(project, finding) for site in project.keepalive.sites_setting_headers_at(upstream, *where)]
    for site in sites:
        connection = project.keepalive.connection(site)
        if connection.dropped is None or not connection.own_headers:
            continue
        if (connection.own_headers[0].path, connection.own_headers[0].line) != where:
            continue
        _, index = site.effective_array("proxy_set_header")
        level = site.levels[index]
        same_file = [d for d in connection.own_headers if level.directive and d.path == level.directive.path]
        fix = FixBuilder(RULE, finding, project, reveals=("KA002", "P005"))  # a used pool needs a chosen timeout, checked against its backend
        add_to_level(fix, level, same_file[-1] if same_file else None, "ka004.j2", value=connection.dropped.arg(1))
        return fix.build(f'Repeat proxy_set_header Connection "{connection.dropped.arg(1)}" in this block')
    raise NoFix("the block's proxy_set_header directives were not found")


def check(project) -> Iterable[Finding]:
    analysis = project.keepalive
    if project.settings.new_nginx_defaults:
        return  # nginx >= 1.29.7 does not send "Connection: close" when the header is dropped
    reported: set[int] = set()
    for upstream in analysis.all_upstreams():
        if not analysis.pool(upstream).pooled:
            continue
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
            yield finding
