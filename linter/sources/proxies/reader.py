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

SNIFF_BYTES = 8192
_TRAEFIK = re.compile(rb"serversTransports?\s*:|loadBalancer\s*:\s*\n\s+servers\s*:")
_ENVOY = re.compile(rb"static_resources\s*:")
_ENVOY_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"


class ProxyConfigs:
    """traefik.yml / dynamic files and envoy.yaml: pooling HTTP proxies as front tiers."""

    kind = "proxy-config"
    comment = LINE_COMMENT
    comment_prefix = "#"

    def claims(self, path: str) -> bool:
        if not path.endswith((".yaml", ".yml")):
            return False
        from nglint.boundary import sniff

        head = sniff(path, SNIFF_BYTES)
        return head is not None and bool(_TRAEFIK.search(head) or (_ENVOY.search(head) and b"clusters" in head))

    def feeds(self, path: str) -> bool:
        return False

    def affected_by(self, path: str, loaded: list[str], tree_roots: list[str]) -> list[str]:
        return []

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

    @property
    def defaults(self):
        from nglint.sources.frontend.defaults import DEFAULTS

        return DEFAULTS


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
                               known=known, targets=targets, address=f"traefik/{name}", root_dir=root))
    return found


def envoy_front_tiers(document: dict, path: str) -> list:
    from nglint.sources.frontend.defaults import LABEL, default_idle
    from nglint.sources.frontend.model import TIER_PREFIX, FrontTier, Target
    from nglint.tiers.model import Provenance

    root = os.path.dirname(os.path.abspath(path))
    clusters = document["static_resources"].get("clusters")
    row = default_idle("envoy")
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
                               known=known, targets=tuple(targets), address=f"envoy/{name}", root_dir=root))
    return found
