"""KA003: a location proxies to a keepalive pool in a way that never reuses a connection."""

from __future__ import annotations

from typing import Iterable

from nglint.api import Finding, Rule, Severity, at_directive, display_path
from nglint.keepalive import pools
from nglint.messages import NGINX_PROXY_HTTP_VERSION_DOC

RULE = Rule(
    code="KA003",
    name="keepalive-pool-unused",
    severity=Severity.WARNING,
    summary="A location proxies to a keepalive pool with HTTP/1.0 or without clearing the Connection header.",
    rationale="""
Before nginx 1.29.7, proxy_pass speaks HTTP/1.0 and sends `Connection: close` unless told
otherwise. Either one makes every upstream connection single-use: the `keepalive` pool
stays empty, each request pays a new TCP (and TLS) handshake, and under load the host runs
out of ephemeral ports (TIME_WAIT). Pooling needs both `proxy_http_version 1.1;` and
`proxy_set_header Connection "";` in effect where proxy_pass is.
""",
    bad_example="""
upstream app { server 127.0.0.1:8080; keepalive 32; }
server {
    location / { proxy_pass http://app; }
}
""",
    good_example="""
upstream app { server 127.0.0.1:8080; keepalive 32; }
server {
    location / {
        proxy_pass http://app;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
    }
}
""",
    fix='Add `proxy_http_version 1.1;` and/or `proxy_set_header Connection "";` to the location.',
    tags=("keepalive", "performance", "needs-context"),  # off inside fragments (see nglint.fragments)
    fix_safety="unsafe",
    needs=("nginx",),
)


def _plan(site, connection, needs_version: bool, needs_connection: bool, failed: "_Failed"):
    """Add (or correct) proxy_http_version 1.1 and add the cleared Connection header in the
    location (ka003.j2). Unsafe: a location that defines its first proxy_set_header stops
    inheriting outer ones, so those are copied along. An explicit Connection header
    (`upgrade` for WebSockets, `close`) is a decision nglint does not override: no fix."""
    from nglint.fixer.plan import NoFix
    from nglint.fixer.plan import Verbatim, plan, replace
    from nglint.fixer.recipes import add_to_level, child_in_level, header_level_index, unread_includes

    index = header_level_index(site)
    level = site.levels[index]
    changes = []
    add = {"http_version": False, "connection": False, "inherited_headers": []}
    if needs_version:
        own = level.own("proxy_http_version")
        if own and own[-1].arg(0).strip() != "1.0":
            raise NoFix(f"proxy_http_version {own[-1].arg(0)} is not one nglint rewrites (it never changes a version but 1.0)")
        if own:
            changes.append(replace(own[-1], "ka003.j2", http_version=True, connection=False, inherited_headers=[]))
        else:
            add["http_version"] = True
    if needs_connection:
        headers, header_level = site.effective_array("proxy_set_header")
        if connection.header is not None or header_level > index:
            raise NoFix("the Connection header is set explicitly")
        if header_level < index and unread_includes(failed.get(), site.levels[:index]):
            raise NoFix("an outer include was not read, so the headers a new proxy_set_header would drop are unknown")
        add["connection"] = True
        if header_level < index:
            add["inherited_headers"] = Verbatim(tuple(headers))
    if add["http_version"] or add["connection"]:
        changes.append(add_to_level(level, child_in_level(site, index), "proxy_http_version" if add["http_version"] else "proxy_set_header", "ka003.j2", **add))
    # A used pool needs a chosen timeout, checked against its backend: KA002 and P005 may follow.
    return plan(RULE, "Make proxy_pass reuse the upstream's keepalive connections", changes, reveals=("KA002", "P005"))


class _Failed:
    """The includes nglint could not follow, looked up once per run and only if a fix needs them."""

    def __init__(self, project) -> None:
        self.project = project
        self.positions: set | None = None

    def get(self) -> set:
        if self.positions is None:
            from nglint.fixer.recipes import failed_includes

            self.positions = failed_includes(self.project)
        return self.positions


def check(project) -> Iterable[Finding]:
    yield from _upstream_findings(project)
    yield from _foreign_findings(project)


def _foreign_findings(project) -> Iterable[Finding]:
    """Pools of other tiers (an ingress controller's) that a per-route setting keeps from
    reusing connections: the hop's client subject names the setting."""
    from nglint.api import Location, Related
    from nglint.tiers.hops import foreign_hops

    seen = set()
    for hop in foreign_hops(project):
        subject = hop.client.subject
        disabled_by = getattr(subject, "reuse_disabled_by", "")
        where = getattr(subject, "reuse_disabled_at", None)
        if not disabled_by or where is None or (where.path, where.line) in seen:
            continue
        seen.add((where.path, where.line))
        message = (
            f"The {hop.client.label} is never used here: {disabled_by}. "
            f"Remove the annotation (the controller's default is HTTP/1.1 with a cleared Connection header)."
        )
        related = [Related(hop.evidence_location, f"linked by {hop.evidence}")] if hop.evidence_location else []
        finding = Finding(RULE.code, RULE.severity, message, Location(where.path, where.line), related=related)
        finding.data = {"foreign": True, "client": hop.client.label}
        yield finding  # no fix: an annotation's value is a decision the message explains, not a typo


def _upstream_findings(project) -> Iterable[Finding]:
    from nglint.fixer.plan import planned

    failed = _Failed(project)
    analysis = project.keepalive
    # On a websocket location the map's `'' close` branch is WS001's to report, once, with
    # its fix (`'' ''`); KA003 reports the same map only where no websocket is proxied.
    websocket = {id(ws.site) for ws in project.websocket_sites}
    for upstream, _pool in analysis.pooled_upstreams():
        for site in analysis.sites(upstream):
            version, version_directive = analysis.http_version(site)
            connection = analysis.connection(site)
            # A template's `${VAR}` is filled in at start-up: unknown, not HTTP/1.0.
            needs_version = not pools(version) and "$" not in version
            # KA004 reports a Connection header dropped by an inner proxy_set_header.
            needs_connection = not connection.cleared and connection.dropped is None
            if not needs_version and not needs_connection:
                continue
            if connection.via_map is not None and not needs_version and id(site) in websocket:
                continue
            todo, sources = [], []
            if needs_version:
                todo.append("proxy_http_version 1.1")
                if version_directive is not None:
                    sources.append(f"proxy_http_version {version} at {_at(version_directive)}")
                else:
                    sources.append(f"proxy_http_version: 1.0, nginx's default before 1.29.7 ({NGINX_PROXY_HTTP_VERSION_DOC})")
            if needs_connection:
                todo.append('proxy_set_header Connection ""')
                sources.append(_connection_source(connection))
            if connection.via_map is not None and needs_connection and not needs_version:
                variable = connection.header.arg(1).strip()
                what = f"{variable} is {connection.mapped_value!r} without an Upgrade header: map '' to \"\" instead"
            else:
                changes = (needs_version and version_directive is not None) or (needs_connection and connection.header is not None)
                what = f"{'set' if changes else 'add'} {' and '.join(todo)}"
            message = f"Upstream {upstream.name!r}'s keepalive pool is never used here: {what}"
            finding = at_directive(RULE, site.directive, message, sources=sources)
            finding.data = {
                "upstream": upstream.name,
                "needs_http_version": needs_version,
                "needs_connection": needs_connection,
            }
            finding.plan = planned(_plan, site, connection, needs_version, needs_connection, failed)
            yield finding


def _at(directive) -> str:
    return f"{display_path(directive.path)}:{directive.line}"


def _connection_source(connection) -> str:
    """Why this site's requests carry `Connection: close`."""
    if connection.via_map is not None:
        return (
            f"map {connection.via_map.arg(0)} {connection.via_map.arg(1)} at {_at(connection.via_map)} gives "
            f"{connection.mapped_value!r} to every request without an Upgrade header, and nginx passes it on"
        )
    if connection.header is not None:
        return f'proxy_set_header Connection "{connection.header.arg(1)}" at {_at(connection.header)}'
    return 'Connection: nginx sends "close" upstream unless the header is cleared (before 1.29.7)'
