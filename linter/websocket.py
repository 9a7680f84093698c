"""Websocket facts of proxy_pass sites, shared by the WS rules.

A location proxies websockets when it passes an `Upgrade` header or its route is plainly
a websocket endpoint (a path segment such as `ws`, `socket.io`, `websocket`, `cable`, or
one ending in `hub`). The upgrade needs HTTP/1.1 to the upstream, the `Upgrade` header
and a `Connection` header that is `upgrade` for upgrade requests; the usual
`map $http_upgrade $connection_upgrade` is evaluated from its entries.
"""

from __future__ import annotations

import re

from nglint.sources.nginx.model import ProxySite
from nglint.sources.nginx.tree import Directive
from nglint.records import field, record

# The last path segment of a route that is plainly a websocket endpoint (SignalR hubs end
# in "hub"; "github" and friends do not count).
_SEGMENT = re.compile(r"^(ws|wss|websockets?|socket\.io|sockjs|cable|hubs?|(?!git|docker)[a-z]+hub|ws-.*|.*-ws)$", re.I)


@record(eq=False)
class MapBlock:
    """`map $source $variable { ... }`: entries by key, with their directives."""

    directive: Directive
    source: str
    variable: str
    entries: dict[str, tuple[str, Directive]] = field(default_factory=dict)


@record(eq=False)
class WsSite:
    """One websocket location: its proxy_pass site, path and why it counts as websocket."""

    site: ProxySite
    path: str
    reason: str
    config_path: str
    evident: bool = False  # the route itself names a websocket endpoint


def location_path(site: ProxySite) -> str:
    for level in reversed(site.levels):
        if level.kind == "location" and level.directive is not None and level.directive.args:
            return level.directive.args[-1]
    return "/"


def upgrade_header(site: ProxySite) -> Directive | None:
    headers, _ = site.effective_array("proxy_set_header")
    return next((d for d in headers if d.arg(0).lower() == "upgrade"), None)


def connection_header(site: ProxySite) -> Directive | None:
    headers, _ = site.effective_array("proxy_set_header")
    found = [d for d in headers if d.arg(0).lower() == "connection"]
    return found[-1] if found else None


def websocket_sites(project) -> list[WsSite]:
    found = []
    for model in project.models:
        for site in model.proxy_sites:
            path = location_path(site)
            segments = [segment for segment in re.split(r"[/^$~*\\()|?=]+", path) if segment]
            evident = bool(segments) and bool(_SEGMENT.match(segments[-1]))
            if upgrade_header(site) is not None:
                found.append(WsSite(site, path, "it passes the Upgrade header", model.config.path, evident))
            elif evident:
                found.append(WsSite(site, path, f"its route {path} is a websocket endpoint", model.config.path, True))
    return found


def maps(project) -> dict[tuple[str, str], MapBlock]:
    """Map blocks by (entry config path, variable name)."""
    index: dict[tuple[str, str], MapBlock] = {}
    for config in (model.config for model in project.models):
        for directive in _walk_http(config.directives):
            if directive.name == "map" and len(directive.args) >= 2 and directive.block is not None:
                block = MapBlock(directive, directive.args[0], directive.args[1])
                for entry in directive.block:
                    if entry.args and entry.name not in ("hostnames", "volatile", "include"):
                        block.entries[entry.name] = (entry.args[0], entry)
                index[(config.path, directive.args[1])] = block
    return index


def _walk_http(directives: list[Directive]):
    for directive in directives:
        yield directive
        if directive.name == "http" and directive.block is not None:
            yield from directive.block


def connection_becomes_upgrade(value: str, map_block: MapBlock | None) -> bool | None:
    """True/False when known; None when the value is a variable nglint cannot evaluate."""
    stripped = value.strip().lower()
    if stripped == "upgrade" or stripped == "$http_connection":
        return True
    if not stripped.startswith("$"):
        return "upgrade" in stripped
    if map_block is None or map_block.source.lower() != "$http_upgrade":
        return None
    values = [v.lower() for key, (v, _) in map_block.entries.items() if key not in ("''", '""', "")]
    return "upgrade" in values
