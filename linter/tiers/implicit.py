"""Implicit upstreams: a `proxy_pass http://app:3000` that names an address, not an
upstream block.

nginx makes one implicit upstream per address a config proxies to, and never keeps idle
connections to it: the keepalive pool belongs to `upstream {}` blocks only, and the
1.29.7 change that pools by default applies to explicit upstreams only (nginx commit
4fbe4b627 "Upstream: enabled keepalive by default for explicit upstreams"). Such a hop
cannot race, but it is still a hop: `nglint topology` shows it, linked to its backend by
the same linkers as an upstream's `server` entries, so a reader sees every chain and what
changes when the address becomes an upstream block.
"""

from __future__ import annotations

from nglint.sources.nginx.model import ProxySite, ServerAddress, Upstream, default_port
from nglint.records import field, record

NOT_POOLED_REASON = "proxy_pass to an address: nginx keeps no idle connections to an implicit upstream (only upstream blocks pool)"


def no_pool():
    """The client side of an implicit upstream's hop: no idle connection is kept, from the
    nginx defaults table (`implicit_upstream.keepalive`)."""
    from nglint.sources.nginx.defaults import DEFAULTS
    from nglint.tiers.model import IdlePolicy, Provenance

    entry = DEFAULTS.get("implicit_upstream.keepalive")
    return IdlePolicy(None, Provenance.from_default(entry, "proxy_pass to an address: an implicit upstream keeps no pool"),
                      keepalive=False, pools=False)


@record
class ImplicitUpstream:
    """One address a config proxies to without an upstream block, and the sites using it."""

    upstream: Upstream
    sites: list[ProxySite] = field(default_factory=list)


def unix_socket(url: str) -> str | None:
    """`unix:/path` of `http://unix:/path.sock:/uri` (nginx's form), else None."""
    _, sep, rest = url.partition("://")
    if not sep or not rest.lower().startswith("unix:"):
        return None
    path = rest[len("unix:"):].split(":", 1)[0]
    return f"unix:{path}" if path and "$" not in path else None


def implicit_upstreams(models, upstream_names: set[str]) -> list[ImplicitUpstream]:
    """The implicit upstreams of every config, one per (config, address), in file order.

    `upstream_names` are the lowercased names of every upstream block of the run: a
    `proxy_pass http://name` without a port may name a block of a sibling fragment, and
    then it is not an address."""
    found: dict[tuple, ImplicitUpstream] = {}
    for model in models:
        for site in model.proxy_sites:
            if site.upstream is not None:
                continue
            address = _address(site, upstream_names)
            if address is None:
                continue
            host, port = address
            key = (model.config.path, host.lower(), port)
            entry = found.get(key)
            if entry is None:
                name = host if port is None else f"{host}:{port}"
                upstream = Upstream(name, site.directive, model.config, [ServerAddress(host, port, site.directive)], implicit=True)
                entry = found[key] = ImplicitUpstream(upstream)
            entry.sites.append(site)
    return list(found.values())


def _address(site: ProxySite, upstream_names: set[str]) -> tuple[str, int | None] | None:
    from nglint.sources.nginx.templating import is_placeholder

    if site.scheme not in ("http", "https") or is_placeholder(site.directive.arg(0)):
        return None  # a template value is not an address (P-rules report it)
    if site.host:
        if site.port is None and site.host.lower() in upstream_names:
            return None
        return site.host, site.port if site.port is not None else default_port(site.scheme)
    socket = unix_socket(site.directive.arg(0))
    return (socket, None) if socket else None
