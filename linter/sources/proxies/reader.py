"""Traefik (file provider, static and dynamic YAML) and Envoy (static YAML) in front of nginx.

Both pool connections to their upstream servers: Traefik's serversTransport keeps an
idle one for `forwardingTimeouts.idleConnTimeout` (90s by default), an Envoy cluster for
`common_http_protocol_options.idle_timeout` (1 hour by default). Each upstream server
(`loadBalancer.servers[].url`, an endpoint's `socket_address`) is a target whose port
links it to the nginx listening there. The files are claimed by a sniff of their first
bytes (`serversTransport`, `loadBalancer` with `servers`, Envoy's `static_resources`
with `clusters`), since other tools own YAML too.

Zero is not "nothing to compare" in either: Traefik hands idleConnTimeout to Go's
http.Transport, where zero means no limit, and Envoy documents 0 as disabling the idle
timeout. The proxy then keeps an idle pooled connection forever, so the server behind it
always closes first: an infinite idle timeout, which the front-tier rule reports as such.
"""

from __future__ import annotations

import os
import re

from nglint.findings import Location
from nglint.sources import LINE_COMMENT
from nglint.sources.base import FileReader

SNIFF_BYTES = 8192
_TRAEFIK = re.compile(rb"serversTransports?\s*:|loadBalancer\s*:\s*\n\s+servers\s*:")
_ENVOY = re.compile(rb"static_resources\s*:")
_ENVOY_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"


class ProxyConfigs(FileReader):
    """traefik.yml / dynamic files and envoy.yaml: pooling HTTP proxies as front tiers."""

    kind = "proxy-config"
    defaults_module = "nglint.sources.frontend.defaults"
    comment = LINE_COMMENT
    comment_prefix = "#"

    def claims(self, path: str) -> bool:
        if not path.endswith((".yaml", ".yml")):
            return False
        from nglint.boundary import sniff

        head = sniff(path, SNIFF_BYTES)
        return head is not None and bool(_TRAEFIK.search(head) or (_ENVOY.search(head) and b"clusters" in head))

    def parse(self, path: str, tree_roots: list[str], max_file_size: int):
        from nglint.sources.aws.yamlnodes import read_front_yaml

        result, documents = read_front_yaml(path, max_file_size)
        if documents is None:
            return result
        for document in documents:
            if not isinstance(document, dict):
                continue
            if isinstance(document.get("static_resources"), dict):
                result.frontends.extend(envoy_front_tiers(document, path))
            else:
                result.frontends.extend(traefik_front_tiers(document, path))
        return result


def _duration(value, path: str, line: int, key: str, what: str):
    """(ms, Provenance, known) for a Go/Envoy duration (`90s`, `1m30s`, `3600s`, `0s`).
    Zero disables the idle timer in both proxies: (None, ..., True), an infinite timeout."""
    from nglint.tiers.model import UNKNOWN, Provenance
    from nglint.units import UnitError, parse_nginx_time

    try:
        ms = parse_nginx_time(str(value).strip())
    except UnitError:
        return None, Provenance(UNKNOWN, f"{key} {value!r} is not a duration nglint reads", path, line, key), False
    if ms == 0:
        return None, Provenance.from_file(path, line, key, f"{key}: {value} in {what} (0 = no idle limit)"), True
    return ms, Provenance.from_file(path, line, key, f"{key}: {value} in {what}"), True


def _line(mapping, key: str, fallback: int) -> int:
    return mapping.line_of(key) if hasattr(mapping, "line_of") else fallback


def _target_of(url: str, evidence: str, where: Location):
    from urllib.parse import urlsplit

    from nglint.sources.frontend.model import Target

    try:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        port = None
    return Target(port, f"{evidence} {url}", where)


def traefik_front_tiers(document: dict, path: str) -> list:
    from nglint.sources.frontend.defaults import LABEL, default_idle
    from nglint.sources.frontend.model import TIER_PREFIX, FrontTier
    from nglint.tiers.model import Provenance

    root = os.path.dirname(os.path.abspath(path))
    row = default_idle("traefik")
    default = (row.value, Provenance.from_default(row, f"idleConnTimeout not set: {row.describe()}"), True)
    static = document.get("serversTransport")
    if isinstance(static, dict):
        timeouts = static.get("forwardingTimeouts")
        if isinstance(timeouts, dict) and "idleConnTimeout" in timeouts:
            default = _duration(timeouts["idleConnTimeout"], path, _line(timeouts, "idleConnTimeout", 1),
                                "idleConnTimeout", "the static serversTransport")
    http = document.get("http")
    if not isinstance(http, dict):
        return []
    transports = {}
    for name, transport in (http.get("serversTransports") or {}).items() if isinstance(http.get("serversTransports"), dict) else ():
        timeouts = transport.get("forwardingTimeouts") if isinstance(transport, dict) else None
        if isinstance(timeouts, dict) and "idleConnTimeout" in timeouts:
            transports[name] = _duration(timeouts["idleConnTimeout"], path, _line(timeouts, "idleConnTimeout", 1),
                                         "idleConnTimeout", f"serversTransport {name}")
    found = []
    services = http.get("services")
    for name, service in (services.items() if isinstance(services, dict) else ()):
        balancer = service.get("loadBalancer") if isinstance(service, dict) else None
        if not isinstance(balancer, dict):
            continue
        where = Location(path, _line(services, name, 1))
        transport = str(balancer.get("serversTransport", "")).split("@", 1)[0]
        idle, provenance, known = transports.get(transport, default)
        targets = tuple(_target_of(str(server.get("url", "")), f"Traefik service {name} server", where)
                        for server in balancer.get("servers") or () if isinstance(server, dict) and server.get("url"))
        found.append(FrontTier(TIER_PREFIX + "traefik", f"{LABEL['traefik']} service {name}", idle, provenance, where,
                               known=known, targets=targets, address=f"traefik/{name}", root_dir=root,
                               tunnel_idle=traefik_tunnel()))
    return found


def traefik_tunnel():
    """No Traefik timer closes an idle websocket: its proxy hijacks the client connection,
    which clears the deadlines respondingTimeouts set, and idleConnTimeout watches only idle
    pooled connections, which an upgraded one is not."""
    from nglint.sources.frontend.defaults import DEFAULTS
    from nglint.tiers.model import IdlePolicy, Provenance

    row = DEFAULTS.get("traefik.tunnel_idle")
    return IdlePolicy(None, Provenance.from_default(row, row.describe()))


def envoy_front_tiers(document: dict, path: str) -> list:
    from nglint.sources.frontend.defaults import LABEL, default_idle
    from nglint.sources.frontend.model import TIER_PREFIX, FrontTier, Target
    from nglint.tiers.model import Provenance

    root = os.path.dirname(os.path.abspath(path))
    clusters = document["static_resources"].get("clusters")
    row = default_idle("envoy")
    routes = _envoy_routes(document, path)
    found = []
    for cluster in clusters if isinstance(clusters, list) else ():
        if not isinstance(cluster, dict):
            continue
        name = str(cluster.get("name", "?"))
        where = Location(path, getattr(cluster, "line", 1))
        options = None
        typed = cluster.get("typed_extension_protocol_options")
        if isinstance(typed, dict) and isinstance(typed.get(_ENVOY_OPTIONS), dict):
            options = typed[_ENVOY_OPTIONS].get("common_http_protocol_options")
        if options is None:
            options = cluster.get("common_http_protocol_options")  # the v2 / deprecated field
        idle, provenance, known = row.value, Provenance.from_default(row, f"idle_timeout not set: {row.describe()}"), True
        if isinstance(options, dict) and "idle_timeout" in options:
            idle, provenance, known = _duration(options["idle_timeout"], path, _line(options, "idle_timeout", where.line),
                                                "idle_timeout", f"cluster {name}")
        targets = []
        assignment = cluster.get("load_assignment") or {}
        for group in (assignment.get("endpoints") or ()) if isinstance(assignment, dict) else ():
            for lb_endpoint in (group.get("lb_endpoints") or ()) if isinstance(group, dict) else ():
                address = (((lb_endpoint or {}).get("endpoint") or {}).get("address") or {}).get("socket_address") or {}
                if isinstance(address, dict) and address.get("port_value") is not None:
                    port = address.get("port_value")
                    port = port if isinstance(port, int) else None
                    targets.append(Target(port, f"Envoy cluster {name} endpoint {address.get('address')}:{port}", where))
        found.append(FrontTier(TIER_PREFIX + "envoy", f"{LABEL['envoy']} cluster {name}", idle, provenance, where,
                               known=known, targets=tuple(targets), address=f"envoy/{name}", root_dir=root,
                               tunnel_idle=_envoy_tunnel(name, routes.get(name, []))))
    return found


def _envoy_routes(document: dict, path: str) -> dict:
    """The stream idle timer of every route of the file's HTTP connection managers, by the
    cluster it sends to: [(ms | None, Provenance, known), ...]. A route's idle_timeout
    overrides its connection manager's stream_idle_timeout (5 minutes by default); 0
    disables either."""
    from nglint.sources.frontend.defaults import DEFAULTS
    from nglint.tiers.model import Provenance

    row = DEFAULTS.get("envoy.stream_idle_timeout")
    routes: dict = {}
    listeners = document["static_resources"].get("listeners")
    for listener in listeners if isinstance(listeners, list) else ():
        chains = listener.get("filter_chains") if isinstance(listener, dict) else None
        for chain in chains if isinstance(chains, list) else ():
            filters = chain.get("filters") if isinstance(chain, dict) else None
            for item in filters if isinstance(filters, list) else ():
                config = item.get("typed_config") if isinstance(item, dict) else None
                if not isinstance(config, dict) or not isinstance(config.get("route_config"), dict):
                    continue
                line = _line(config, "stream_idle_timeout", getattr(config, "line", 1))
                if "stream_idle_timeout" in config:
                    stream = _duration(config["stream_idle_timeout"], path, line, "stream_idle_timeout",
                                       "the HTTP connection manager")
                else:
                    stream = (row.value, Provenance.from_default(row, f"stream_idle_timeout not set: {row.describe()}"), True)
                hosts = config["route_config"].get("virtual_hosts")
                for host in hosts if isinstance(hosts, list) else ():
                    for route in (host.get("routes") or ()) if isinstance(host, dict) else ():
                        action = route.get("route") if isinstance(route, dict) else None
                        if not isinstance(action, dict):
                            continue
                        timer = stream
                        if "idle_timeout" in action:
                            timer = _duration(action["idle_timeout"], path, _line(action, "idle_timeout", line),
                                              "idle_timeout", "the route")
                        for cluster in _clusters_of(action):
                            routes.setdefault(cluster, []).append(timer)
    return routes


def _clusters_of(action: dict) -> list[str]:
    if action.get("cluster") is not None:
        return [str(action["cluster"])]
    weighted = action.get("weighted_clusters")
    clusters = weighted.get("clusters") if isinstance(weighted, dict) else None
    return [str(c.get("name")) for c in clusters if isinstance(c, dict) and c.get("name")] if isinstance(clusters, list) else []


def _envoy_tunnel(name: str, timers: list):
    """The timer that closes an idle websocket sent to a cluster: the stream idle timer of the
    routes to it. The cluster's own idle_timeout counts only with no active stream, never on
    an upgraded connection. No route in this file, or routes that disagree: unknown."""
    from nglint.tiers.model import IdlePolicy

    if not timers:
        return IdlePolicy.unknown(f"no route in this file sends to cluster {name} (routes from RDS or another file), "
                                  "so its stream idle timeout is not known")
    values = {(ms, known) for ms, _, known in timers}
    if len(values) > 1:
        shown = ", ".join(sorted(p.describe() for _, p, _ in timers))[:200]
        return IdlePolicy.unknown(f"the routes to cluster {name} set different stream idle timeouts: {shown}")
    ms, provenance, known = timers[0]
    return IdlePolicy(ms, provenance, known=known)
