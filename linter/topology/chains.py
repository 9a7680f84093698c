"""Chains of hops as plain data: client side -> nginx server/location -> upstream -> backend.

A chain is a list of hops, outermost first. The first hop is the clients' connection to
an nginx server block (nginx's client-side keepalive_timeout is its server side); the
next is the upstream pool to each linked backend. Hops that other tiers contribute
(`project.hops` whose client is not an nginx upstream: a load balancer, an ingress pool)
are chains of their own, so new front tiers appear here without changes. Each hop carries
the invariant's verdict: RACE when the client side keeps an idle connection at least as
long as the server side (minus the margin).
"""

from __future__ import annotations

from nglint.findings import Location
from nglint.records import field, record
from nglint.tiers.invariant import client_closes_first
from nglint.tiers.model import Endpoint, Hop, IdlePolicy, Provenance

RACE, OK, NOT_POOLED, UNKNOWN, NO_REUSE, UNUSED = "race", "ok", "not pooled", "unknown", "no keep-alive", "unused"
_UNUSED_DETAIL = "no proxy_pass sends requests to this upstream"


@record
class HopView:
    hop: Hop
    verdict: str
    detail: str = ""
    where: str = ""  # the nginx server/location the hop passes through, when known


@record
class Chain:
    hops: list[HopView] = field(default_factory=list)


def build_chains(project) -> list[Chain]:
    from nglint.sources.nginx.model import Upstream
    from nglint.sources.nginx.defaults import DEFAULTS

    analysis = project.keepalive
    margin = project.settings.margin
    chains: list[Chain] = []
    for upstream in analysis.all_upstreams() + analysis.implicit_upstreams():
        pooled = not upstream.implicit and analysis.pool(upstream).pooled
        upstream_hops = [_view(hop, margin, pooled) for hop in analysis.hops(upstream)]
        if not upstream_hops:
            pool_end = _unlinked(upstream, analysis)
            upstream_hops = [pool_end]
        if analysis.unused(upstream):
            upstream_hops = [HopView(view.hop, UNUSED, _UNUSED_DETAIL) for view in upstream_hops]
        elif upstream.implicit:
            from nglint.tiers.implicit import NOT_POOLED_REASON

            upstream_hops = [HopView(view.hop, NOT_POOLED, NOT_POOLED_REASON) for view in upstream_hops]
        sites = analysis.sites(upstream) or [None]
        for site in sites:
            hops = []
            if site is not None:
                hops.append(_client_hop(site, DEFAULTS))
            where = _site_text(site)
            hops.extend(HopView(view.hop, view.verdict, view.detail, where) for view in upstream_hops)
            chains.append(Chain(hops))
    for hop in project.hops:
        if not isinstance(hop.client.subject, Upstream):
            chains.append(Chain([_view(hop, margin, hop.client.idle.pools)]))
    return chains


def _view(hop: Hop, margin, pooled: bool) -> HopView:
    if not pooled:
        return HopView(hop, NOT_POOLED, "nginx opens a new connection per request")
    if not hop.server.idle.known or not hop.client.idle.known:
        reason = hop.server.idle.unknown_reason or hop.client.idle.unknown_reason
        return HopView(hop, UNKNOWN, reason or "")
    if not hop.server.idle.keepalive:
        return HopView(hop, NO_REUSE, "the server closes after every response")
    if not hop.client.idle.keepalive:
        return HopView(hop, NO_REUSE, "the client side keeps no idle connection")
    if hop.client.idle.infinite and hop.server.idle.timeout_ms is not None:
        return HopView(hop, RACE, "the client side never closes idle connections (no idle limit); the server side does")
    race = client_closes_first(hop.client.idle, hop.server.idle, margin)
    if race is None:
        return HopView(hop, OK, "the server never closes idle connections first")
    if race.ok:
        return HopView(hop, OK, "")
    return HopView(hop, RACE, "the client side keeps idle connections at least as long as the server side")


def _unlinked(upstream, analysis) -> HopView:
    from nglint.sources.nginx.templating import shown

    if upstream.implicit:
        from nglint.tiers.implicit import no_pool

        label, idle, pooled = f"nginx proxy_pass {shown(upstream.directive.arg(0))}", no_pool(), False
    else:
        pool = analysis.pool(upstream)
        label, idle, pooled = f"nginx upstream {shown(upstream.name)!r}", pool.idle_policy(), pool.pooled
    client = Endpoint("nginx", label, idle, Location(upstream.directive.path, upstream.directive.line), subject=upstream)
    names = ", ".join(shown(f"{s.host}:{s.port}" if s.port else s.host) for s in upstream.servers) or "no servers"
    server = Endpoint("unknown", names, IdlePolicy.unknown("no backend linked"), client.location)
    return HopView(Hop(client, server, "not linked"), UNKNOWN if pooled else NOT_POOLED, "no backend linked")


def _client_hop(site, defaults) -> HopView:
    """Clients to the nginx server block: nginx's keepalive_timeout is the server side here."""
    from nglint.units import UnitError, parse_nginx_time

    directive, _ = site.effective("keepalive_timeout")
    if directive is not None:
        try:
            idle = IdlePolicy(parse_nginx_time(directive.arg(0)),
                              Provenance.from_file(directive.path, directive.line, "keepalive_timeout", f"keepalive_timeout {directive.arg(0)}"))
        except UnitError:
            idle = IdlePolicy.unknown(f"keepalive_timeout {directive.arg(0)} cannot be read")
    else:
        default = defaults.get("keepalive_timeout")
        idle = IdlePolicy(default.value, Provenance.from_default(default, "nginx's default client keepalive_timeout"))
    server_level = next((level for level in reversed(site.levels) if level.kind == "server"), None)
    listens = [d.arg(0) for d in server_level.own("listen")] if server_level is not None else []
    from nglint.sources.nginx.templating import shown

    label = f"nginx server (listen {shown(', '.join(listens)) or '80'})"
    where = Location(site.directive.path, site.directive.line)
    server = Endpoint("nginx", label, idle, where)
    client = Endpoint("client", "clients", IdlePolicy.unknown("the clients' idle timeouts are not in the checked tree"), where)
    return HopView(Hop(client, server, "listen"), UNKNOWN, "", _site_text(site))


def _site_text(site) -> str:
    if site is None:
        return ""
    location = next((level for level in reversed(site.levels) if level.kind == "location"), None)
    if location is not None and location.directive is not None:
        return "location " + " ".join(location.directive.args)
    return "server"
