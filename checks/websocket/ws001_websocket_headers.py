"""WS001: a websocket location lacks what the upgrade needs, or its map closes pooled connections."""

from __future__ import annotations

from typing import Iterable

from nglint.api import Finding, Location, Related, Rule, Severity, at_directive
from nglint.messages import HEADLINE_MAX, NGINX_PROXY_HTTP_VERSION_DOC

RULE = Rule(
    code="WS001",
    name="websocket-upgrade-headers",
    severity=Severity.ERROR,
    summary="A location that proxies websockets lacks HTTP/1.1, the Upgrade header, or a Connection header that becomes `upgrade`.",
    rationale="""
nginx does not pass the hop-by-hop `Upgrade` and `Connection` headers on its own. A
websocket handshake reaches the backend as a plain GET (HTTP/1.0 before nginx 1.29.7),
which answers 400 or 426, or upgrades and is then cut by nginx. A location that proxies
websockets needs `proxy_http_version 1.1` (the default from nginx 1.29.7),
`proxy_set_header Upgrade $http_upgrade` and a `Connection` header that is `upgrade` for
upgrade requests. The usual map's `'' close;` branch then sends `Connection: close` on
every other request: on a pooled upstream no connection is ever reused. `'' '';` clears
the header instead and keeps the pool.
""",
    bad_example="""
location /ws/ {
    proxy_pass http://app;
}
""",
    good_example="""
map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
location /ws/ {
    proxy_pass http://app;
    proxy_http_version 1.1;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection $connection_upgrade;
}
""",
    fix="Add the missing directives to the location (shown, not applied); on a pooled upstream change the map's `'' close;` to `'' '';` (applied).",
    tags=("websocket", "keepalive"),
    fix_safety="safe",
    needs=("nginx",),
)


def _map_plan(map_block):
    """Change a map's `'' close;` entry to `'' '';` (ws001.j2, safe)."""
    from nglint.fixer.plan import plan, replace

    # The pool is reused from now on, so it needs a chosen timeout, checked against its backend.
    return plan(RULE, f"Clear Connection instead of closing it in map {map_block.variable}",
                [replace(map_block.entries[""][1], "ws001.j2")], subject=("map", map_block.variable), reveals=("KA002", "P005"))


def _headers_plan(site, missing: set, connection_value: str, failed):
    """The directives a websocket location lacks (ws001_headers.j2, display only: the
    Connection value is a choice, and a location's first proxy_set_header stops
    inheriting the outer ones, which are copied along)."""
    from nglint.fixer.plan import NoFix
    from nglint.fixer.plan import Verbatim, plan, replace
    from nglint.fixer.recipes import add_to_level, child_in_level, header_level_index, unread_includes

    index = header_level_index(site)
    level = site.levels[index]
    changes = []
    add = {"http_version": False, "upgrade": False, "connection": "", "inherited_headers": []}
    if "http_version" in missing:
        own = level.own("proxy_http_version")
        if own:
            changes.append(replace(own[-1], "ws001_headers.j2", http_version=True, upgrade=False, connection="", inherited_headers=[]))
        else:
            add["http_version"] = True
    wanted = {"upgrade": "upgrade" in missing, "connection": connection_value if "connection" in missing else ""}
    if any(wanted.values()):
        headers, header_level = site.effective_array("proxy_set_header")
        if header_level > index:
            raise NoFix("the headers are set inside an if or limit_except block")
        if header_level == index:
            for directive in headers:
                name = directive.arg(0).lower()
                if name in wanted and wanted[name]:
                    changes.append(replace(directive, "ws001_headers.j2", http_version=False, inherited_headers=[],
                                           **{"upgrade": name == "upgrade", "connection": wanted[name] if name == "connection" else ""}))
                    wanted[name] = False if name == "upgrade" else ""
        else:
            if unread_includes(failed(), site.levels[:index]):
                raise NoFix("an outer include was not read, so the headers a new proxy_set_header would drop are unknown")
            add["inherited_headers"] = Verbatim(tuple(d for d in headers if d.arg(0).lower() not in ("upgrade", "connection")))
        add.update(wanted)
    if add["http_version"] or add["upgrade"] or add["connection"]:
        key = "proxy_http_version" if add["http_version"] else "proxy_set_header"
        changes.append(add_to_level(level, child_in_level(site, index), key, "ws001_headers.j2", **add))
    return plan(RULE, "Pass the websocket upgrade to the backend", changes, safety="display")


def _at(directive) -> str:
    from nglint.paths import display_path

    return f"{display_path(directive.path)}:{directive.line}"


def _version_source(version: str, directive) -> str:
    """Where the HTTP version nginx speaks to the upstream comes from."""
    if directive is not None:
        return f"proxy_http_version {version} at {_at(directive)}"
    return f"proxy_http_version: {version}, nginx's default before 1.29.7 ({NGINX_PROXY_HTTP_VERSION_DOC})"


def check(project) -> Iterable[Finding]:
    from nglint.fixer.plan import planned
    from nglint.fixer.recipes import failed_includes
    from nglint.websocket import connection_becomes_upgrade, connection_header, maps, upgrade_header

    failed: list = []

    def failed_once() -> set:
        """P002 positions, looked up once and only when a fix needs them."""
        if not failed:
            failed.append(failed_includes(project))
        return failed[0]

    analysis = project.keepalive
    map_index = maps(project)
    reported_maps: set[tuple[str, str]] = set()
    for ws in project.websocket_sites:
        site = ws.site
        missing, keys, sources = [], [], [f"websocket: {ws.reason}"]
        version, version_directive = analysis.http_version(site)
        if version != "1.1":
            missing.append("HTTP/1.1")
            keys.append("http_version")
            sources.append(_version_source(version, version_directive) + "; a websocket needs `proxy_http_version 1.1`")
        upgrade = upgrade_header(site)
        if upgrade is None or "$http_upgrade" not in upgrade.arg(1).lower() and upgrade.arg(1).lower() != "websocket":
            missing.append("the Upgrade header")
            keys.append("upgrade")
            sources.append("Upgrade: " + (f"proxy_set_header Upgrade {upgrade.arg(1)} at {_at(upgrade)}" if upgrade is not None
                                          else "not set; `proxy_set_header Upgrade $http_upgrade` passes it"))
        connection = connection_header(site)
        map_block = None
        if connection is not None and connection.arg(1).startswith("$"):
            map_block = map_index.get((ws.config_path, connection.arg(1)))
        becomes = connection_becomes_upgrade(connection.arg(1), map_block) if connection is not None else False
        if becomes is False:
            missing.append("Connection: upgrade")
            keys.append("connection")
            sources.append("Connection: " + (f"proxy_set_header Connection {connection.arg(1)} at {_at(connection)} never becomes `upgrade`"
                                             if connection is not None else "not set")
                           + "; `proxy_set_header Connection $connection_upgrade` with a map makes it `upgrade` for upgrade requests")
        if missing:
            listed = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]
            message = f"Location {ws.path} proxies websockets without {listed}, so the handshake never upgrades: add {'them' if len(missing) > 1 else 'it'}"
            if len(message) > HEADLINE_MAX:  # a long regex location: the finding's position names it
                message = message.replace(f"Location {ws.path}", "This location", 1)
            finding = at_directive(RULE, site.directive, message, sources=sources)
            finding.data = {"location": ws.path, "missing": keys,
                            "connection_value": '"upgrade"' if ws.evident else "$http_connection"}
            finding.plan = planned(_headers_plan, site, set(keys), finding.data["connection_value"], failed_once)
            yield finding
        if map_block is not None and site.upstream is not None and analysis.pool(site.upstream).pooled:
            close = map_block.entries.get("")
            key = (map_block.directive.path, map_block.variable, map_block.directive.line)
            if close is not None and close[0].lower() == "close" and key not in reported_maps:
                reported_maps.add(key)
                entry = close[1]
                message = (
                    f"map {map_block.variable} sends Connection: close on plain requests, so pooled upstream "
                    f"{site.upstream.name!r} never reuses a connection: use '' '' to clear it"
                )
                sources = [
                    f"map entry: '' close at {_at(entry)}",
                    f"pool: upstream {site.upstream.name!r} keeps idle connections, used by location {ws.path} at {_at(site.directive)}",
                ]
                finding = Finding(RULE.code, RULE.severity, message, Location(entry.path, entry.line),
                                  related=[Related(Location(site.directive.path, site.directive.line), f"used by location {ws.path}")],
                                  sources=sources)
                finding.data = {"config": ws.config_path, "map_variable": map_block.variable}
                finding.plan = _map_plan(map_block)
                yield finding

