"""A small typed view of an nginx config: upstreams, proxy_pass sites and their inheritance.

nginx merges most directives from http to server to location (innermost wins), but
array directives such as `proxy_set_header` are inherited only by a level that defines
none of its own. Each ProxySite keeps the chain of levels above it so checks can ask
"what is effective here, and where was it set?" the way nginx answers it.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from nglint.sources.nginx.tree import Directive, NginxConfig
from nglint.records import field, record

# Blocks that open a new inheritance level for proxy_* directives.
_LEVEL_BLOCKS = {"http", "server", "location", "if", "limit_except"}
# Blocks whose contents are not HTTP proxying (stream upstreams have no keepalive pools).
_SKIPPED_BLOCKS = {"stream", "mail", "events", "types", "map", "geo", "split_clients", "match"}


@record(eq=False)
class Level:
    """One configuration level (http, server, location, if...) and its own directives."""

    kind: str
    directive: Directive | None
    directives: list[Directive]
    _by_name: dict[str, tuple[Directive, ...]] | None = field(default=None, init=False, repr=False)
    _facts: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    def own(self, name: str) -> list[Directive]:
        """This level's own `name` directives, in order (a copy the caller may change)."""
        return list(self.shared(name))

    def shared(self, name: str) -> tuple[Directive, ...]:
        """The same, not copied: what every site below this level reads again and again.

        Indexed on first use: every proxy site asks its outer levels, and the http level
        of a large config holds thousands of server blocks; scanning it per site was
        quadratic (5000 servers: 16 s), and so was copying a long list per site. The tree
        is fully built before levels are queried."""
        if len(self.directives) <= 16:  # a location's few directives: a scan is cheaper than an index
            return tuple(d for d in self.directives if d.name == name)
        index = self._by_name
        if index is None:
            grouped: dict[str, list[Directive]] = {}
            for directive in self.directives:
                grouped.setdefault(directive.name, []).append(directive)
            index = self._by_name = {key: tuple(value) for key, value in grouped.items()}
        return index.get(name, ())

    def fact(self, key: str, compute: Callable[["Level"], Any]) -> Any:
        """A value derived from this level's own directives, computed once per level.

        Inherited facts (which Connection header an outer level sets) are the same for
        every site below the level: computing them per site made rule evaluation
        O(locations x headers)."""
        if key not in self._facts:
            self._facts[key] = compute(self)
        return self._facts[key]


@record(frozen=True)
class ServerAddress:
    """An upstream `server` entry; port is None for unix sockets or unparsable addresses."""

    host: str
    port: int | None
    directive: Directive


@record(eq=False)
class Upstream:
    name: str
    directive: Directive
    config: NginxConfig
    servers: list[ServerAddress] = field(default_factory=list)
    implicit: bool = False  # made by nginx for a proxy_pass to an address (nglint.tiers.implicit)

    def own(self, name: str) -> list[Directive]:
        return self.directive.children(name)

    def first(self, name: str) -> Directive | None:
        found = self.own(name)
        return found[-1] if found else None


@record(eq=False)
class ProxySite:
    """A `proxy_pass` and everything needed to evaluate it: target and inheritance chain."""

    directive: Directive
    levels: list[Level]  # outermost first; the last one holds the proxy_pass
    scheme: str
    host: str
    port: int | None
    upstream: Upstream | None = None

    def effective(self, name: str) -> tuple[Directive | None, int]:
        """Innermost directive `name` along the chain, with the index of its level."""
        for index in range(len(self.levels) - 1, -1, -1):
            own = self.levels[index].shared(name)
            if own:
                return own[-1], index
        return None, -1

    def effective_array(self, name: str) -> tuple[tuple[Directive, ...], int]:
        """Array directive as nginx inherits it: the innermost level that defines any wins whole."""
        for index in range(len(self.levels) - 1, -1, -1):
            own = self.levels[index].shared(name)
            if own:
                return own, index
        return (), -1


@record
class NginxModel:
    config: NginxConfig
    upstreams: list[Upstream]
    proxy_sites: list[ProxySite]
    upstreams_by_name: dict[str, Upstream]
    # grpc_pass, uwsgi_pass, fastcgi_pass...: they name upstreams too, so an upstream only
    # they use is not an unused one.
    other_passes: list[Directive] = field(default_factory=list)


def build_model(config: NginxConfig) -> NginxModel:
    """Walk the tree once, collecting http upstreams and proxy_pass sites."""
    upstreams: list[Upstream] = []
    sites: list[ProxySite] = []
    passes: list[Directive] = []
    _walk(config, config.directives, [Level("main", None, config.directives)], upstreams, sites, passes)
    by_name: dict[str, Upstream] = {}
    for upstream in upstreams:
        by_name.setdefault(upstream.name.lower(), upstream)
    for site in sites:
        site.upstream = resolve_upstream(site, by_name)
    return NginxModel(config, upstreams, sites, by_name, passes)


def resolve_upstream(site: ProxySite, by_name: dict[str, Upstream]) -> Upstream | None:
    """nginx matches an explicit upstream block only when proxy_pass names no port."""
    if site.port is not None or not site.host:
        return None
    return by_name.get(site.host.lower())


OTHER_PASSES = ("grpc_pass", "uwsgi_pass", "fastcgi_pass", "scgi_pass", "memcached_pass")


def _walk(config: NginxConfig, directives: list[Directive], levels: list[Level], upstreams: list[Upstream],
          sites: list[ProxySite], passes: list[Directive]) -> None:
    for directive in directives:
        name = directive.name
        if directive.block is not None:
            if name in _SKIPPED_BLOCKS:
                continue
            if name == "upstream":
                upstreams.append(_upstream(config, directive))
                continue
            if name in _LEVEL_BLOCKS:
                _walk(config, directive.block, levels + [Level(name, directive, directive.block)], upstreams, sites, passes)
            continue
        if name == "proxy_pass" and directive.args:
            scheme, host, port = parse_proxy_target(directive.args[0])
            sites.append(ProxySite(directive, levels, scheme, host, port))
        elif name in OTHER_PASSES and directive.args:
            passes.append(directive)


def _upstream(config: NginxConfig, directive: Directive) -> Upstream:
    upstream = Upstream(directive.arg(0), directive, config)
    for server in directive.children("server"):
        host, port = parse_server_address(server.arg(0))
        upstream.servers.append(ServerAddress(host, port, server))
    return upstream


def parse_proxy_target(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, explicit port or None) of a proxy_pass URL; host '' when it is a variable."""
    lowered = url.lower()
    if "://" not in lowered:
        return "", "", None
    scheme, _, rest = url.partition("://")
    hostport = rest.split("/", 1)[0]
    if "$" in hostport or hostport.startswith("unix:"):
        return scheme.lower(), "", None
    try:
        host, port = split_host_port(hostport)
    except ValueError:
        return scheme.lower(), "", None
    return scheme.lower(), host, port


def default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def parse_server_address(address: str) -> tuple[str, int | None]:
    """Host and port of an upstream `server` address (`app:8080`, `[::1]:80`, `unix:/x`)."""
    if not address or address.startswith("unix:") or "$" in address:
        return address, None
    try:
        host, port = split_host_port(address)
    except ValueError:
        return address, None
    return host, port if port is not None else 80


# `host` or `host:port` as nearly every config writes them.
_PLAIN_HOST_PORT = re.compile(r"([A-Za-z0-9_.-]+)(?::([0-9]{1,5}))?")


def split_host_port(hostport: str) -> tuple[str, int | None]:
    """(hostname or '', port or None) as `urlsplit("//" + hostport)` gives them, raising
    ValueError where it raises.

    A plain `name:port` is split here: importing urllib.parse (and ipaddress with it)
    costs more than checking a small config does. Anything else (brackets, userinfo, a
    query, a port over 65535, characters urlsplit strips or normalizes) goes to urlsplit."""
    plain = _PLAIN_HOST_PORT.fullmatch(hostport)
    if plain is not None:
        host, port = plain.groups()
        if port is None:
            return host.lower(), None
        if int(port) <= 65535:
            return host.lower(), int(port)
    from urllib.parse import urlsplit

    parts = urlsplit(f"//{hostport}")
    return parts.hostname or "", parts.port
