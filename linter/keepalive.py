"""Keepalive semantics shared by the KA rules: is an upstream pooled, for how long does
it keep idle connections, does a proxy_pass site actually reuse them.

The rules are separate modules, but they must agree on these facts (KA002 fires only
where KA001 does not, KA004 replaces KA003), so the facts are computed here, once.
"""

from __future__ import annotations

from functools import cached_property

from nglint.backends import Backend
from nglint.config import Settings
from nglint.diagnostics import UNRESOLVED_PLACEHOLDER
from nglint.findings import Location
from nglint.linking import Link
from nglint.sources.nginx.model import ProxySite, Upstream
from nglint.sources.nginx.tree import Directive
from nglint.problems import Problem
from nglint.records import record
from nglint.sources.nginx.defaults import DEFAULTS as NGINX_DEFAULTS
from nglint.sources.nginx.templating import is_placeholder, shown
from nglint.tiers.invariant import IdleRace, client_closes_first
from nglint.tiers.model import Endpoint, Hop, IdlePolicy, Provenance
from nglint.units import UnitError, parse_nginx_time

# proxy_http_version values that keep upstream connections: HTTP/1.1, and HTTP/2 where
# nginx accepts it (https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_http_version).
POOLING_HTTP_VERSIONS = ("1.1", "2", "2.0")


@record
class Pool:
    """Pooling facts for one upstream block."""

    pooled: bool
    by_default: bool  # pooled only because nginx >= 1.29.7 pools upstream blocks by default
    disabled: bool  # explicit `keepalive 0`
    keepalive: Directive | None
    timeout_ms: int | None  # None: could not be read (placeholder or invalid)
    timeout: Directive | None  # explicit keepalive_timeout, if any
    version_note: str = ""  # where the nginx version that pools by default came from
    version_location: Location | None = None  # the file naming that nginx's image

    @property
    def report_directive(self) -> Directive | None:
        """Where a timeout finding belongs: the timeout line, else the keepalive line."""
        return self.timeout or self.keepalive

    def timeout_text(self) -> str:
        if self.timeout is not None:
            return f"keepalive_timeout {self.timeout.arg(0)}"
        return "nginx's default keepalive_timeout"

    def idle_policy(self) -> IdlePolicy:
        """The client side of the hop to each backend: how long the pool keeps idle connections."""
        if self.timeout is not None:
            provenance = Provenance.from_file(self.timeout.path, self.timeout.line, "keepalive_timeout", self.timeout_text())
        else:
            provenance = Provenance.from_default(NGINX_DEFAULTS.get("upstream.keepalive_timeout"), self.timeout_text())
        if self.timeout_ms is None:
            return IdlePolicy(None, Provenance.unknown(f"{self.timeout_text()} cannot be read"), known=False, pools=self.pooled)
        return IdlePolicy(self.timeout_ms, provenance, pools=self.pooled)


@record
class TimeoutVerdict:
    """The hop invariant applied to one upstream and one linked backend."""

    link: Link
    race: IdleRace

    @property
    def backend(self) -> Backend:
        return self.link.backend

    @property
    def nginx_ms(self) -> int:
        return self.race.client_ms

    @property
    def backend_ms(self) -> int:
        return self.race.server_ms

    @property
    def max_allowed_ms(self) -> int:
        return self.race.max_allowed_ms

    @property
    def ok(self) -> bool:
        return self.race.ok

    @property
    def suggested_seconds(self) -> int | None:
        return self.race.suggested_seconds


@record
class ConnectionState:
    """Whether a proxy_pass site clears the `Connection` header (needed to reuse connections)."""

    cleared: bool
    header: Directive | None  # the effective Connection header directive, if any
    own_headers: tuple[Directive, ...] = ()  # the effective proxy_set_header level (shared, not copied)
    dropped: Directive | None = None  # an outer Connection-clearing header discarded by an inner level
    # The header's value is a map variable: the map, and what it gives a request without
    # an Upgrade header (every ordinary request).
    via_map: Directive | None = None
    mapped_value: str | None = None


class KeepaliveAnalysis:
    """Per-run cache of pool, timeout and proxying facts."""

    def __init__(self, project) -> None:
        self.project = project
        self.settings: Settings = project.settings
        self._pools: dict[Upstream, Pool] = {}
        self._problems: list[Problem] = []
        self._connections: dict[ProxySite, ConnectionState] = {}
        self._sites_by_header_position: dict[Upstream, dict[tuple[str, int], list[ProxySite]]] = {}

    @property
    def problems(self) -> list[Problem]:
        """Problems met reading keepalive settings (unresolved placeholders), whichever rules ran first."""
        for upstream in self.all_upstreams():
            self.pool(upstream)
        return self._problems

    # -- upstream side ------------------------------------------------------------------
    def pool(self, upstream: Upstream) -> Pool:
        pool = self._pools.get(upstream)
        if pool is None:
            pool = self._compute_pool(upstream)
            self._pools[upstream] = pool
        return pool

    def _compute_pool(self, upstream: Upstream) -> Pool:
        keepalive = upstream.first("keepalive")
        timeout = upstream.first("keepalive_timeout")
        disabled = keepalive is not None and keepalive.arg(0).strip() == "0"
        version_note, version_location = "", None
        if keepalive is not None:
            pooled, by_default = not disabled, False
        else:
            pooled = by_default = self.new_defaults(upstream.config)
            detected = self.nginx_version(upstream.config)
            if pooled and self.settings.nginx_version is None and detected is not None:
                version_note, version_location = detected.source, detected.location
        timeout_ms: int | None = NGINX_DEFAULTS.get("upstream.keepalive_timeout").value
        if timeout is not None:
            value = timeout.arg(0)
            try:
                timeout_ms = parse_nginx_time(value)
            except UnitError:
                timeout_ms = None
                if is_placeholder(value) or value.startswith("$"):
                    self._problems.append(
                        Problem(
                            UNRESOLVED_PLACEHOLDER,
                            timeout.path,
                            timeout.line,
                            f"keepalive_timeout {shown(value)} in upstream {shown(upstream.name)!r} is an unresolved placeholder; "
                            "nglint cannot compare it with the backend",
                            "keepalive_timeout",
                        )
                    )
        return Pool(pooled, by_default, disabled, keepalive, timeout_ms, timeout, version_note, version_location)

    # -- which nginx runs each config ---------------------------------------------------
    def nginx_version(self, config):
        """The nginx version that serves `config`: the declared nginx-version, else the one
        the image of the container serving the file says (nglint.sources.nginx.versions) or
        the distribution package its Dockerfile installs (nglint.sources.nginx.packages),
        else None. Per config: stacks side by side may run different nginx versions."""
        from nglint.sources.nginx.versions import NginxVersion

        if self.settings.nginx_version is not None:
            return NginxVersion(self.settings.nginx_version, "nginx-version declared in configuration")
        return self._detected_versions.get(config.path)

    def new_defaults(self, config) -> bool:
        """True when the nginx serving `config` pools upstream blocks and speaks HTTP/1.1 by default."""
        from nglint.sources.nginx.defaults import POOLED_BY_DEFAULT_SINCE

        if self.settings.nginx_version is not None:
            return self.settings.new_nginx_defaults
        found = self.nginx_version(config)
        return found is not None and found.version >= POOLED_BY_DEFAULT_SINCE

    @cached_property
    def _unknown_versions(self) -> dict:
        return {}

    @cached_property
    def _detected_versions(self) -> dict:
        import os

        from nglint.sources.nginx.served import nginx_services
        from nglint.sources.nginx.versions import version_of_image

        served = nginx_services(self.project)
        detected = {}
        if not served:
            return detected
        for model in self.project.models:
            config = model.config
            versions = {}
            for path in config.files or [config.path]:
                for entry in served.get(os.path.abspath(path), []):
                    process = getattr(entry, "process", entry)
                    packaged = getattr(process, "nginx_version", None)
                    found = packaged or version_of_image(process.image)
                    if found is not None:
                        from nglint.records import replace

                        versions[found.version] = found if packaged is not None else replace(found, location=process.location)
                    else:
                        versions[None] = None  # one of its containers runs an unknown version
                        reason = getattr(process, "nginx_version_unknown", "")
                        if reason:
                            self._unknown_versions[config.path] = reason
            if len(versions) == 1 and None not in versions:
                detected[config.path] = next(iter(versions.values()))
        return detected

    def unknown_version_reason(self, config) -> str | None:
        """Why the nginx serving `config` has no known version, when a file says why (a
        distribution package on a moving base image); None otherwise."""
        self._detected_versions  # noqa: B018 (computing it records the reasons)
        return self._unknown_versions.get(config.path)

    @cached_property
    def _site_configs(self) -> dict:
        return {id(site): model.config for model in self.project.models for site in model.proxy_sites}

    def site_new_defaults(self, site: ProxySite) -> bool:
        config = self._site_configs.get(id(site))
        if config is None:
            return self.settings.new_nginx_defaults
        return self.new_defaults(config)

    def links(self, upstream: Upstream):
        return self.project.links[upstream]

    def verdicts(self, upstream: Upstream) -> list[TimeoutVerdict]:
        """One verdict per linked backend with a known, finite idle timeout and keep-alive on.
        None for an unused upstream: a pool no request reaches cannot race."""
        if self.unused(upstream):
            return []
        client = self.pool(upstream).idle_policy()
        verdicts = []
        for link in self.links(upstream).links:
            race = client_closes_first(client, link.backend.idle_policy, self.settings.margin)
            if race is not None:
                verdicts.append(TimeoutVerdict(link, race))
        return verdicts

    def hops(self, upstream: Upstream) -> list[Hop]:
        """The upstream's pool as the client endpoint of a hop to each linked backend
        (for an implicit upstream, the proxy_pass that keeps no pool)."""
        if upstream.implicit:
            label = f"nginx proxy_pass {shown(upstream.directive.arg(0))}"
            from nglint.tiers.implicit import no_pool

            idle = no_pool()
            links = self.implicit_links.get(upstream)
        else:
            label = f"nginx upstream {upstream.name!r}"
            idle = self.pool(upstream).idle_policy()
            links = self.links(upstream)
        client = Endpoint(
            "nginx",
            label,
            idle,
            Location(upstream.directive.path, upstream.directive.line),
            subject=upstream,
        )
        hops = []
        for link in links.links if links is not None else ():
            backend = link.backend
            server = Endpoint(
                backend.kind,
                backend.label,
                backend.idle_policy,
                backend.location,
                host=link.server.host if link.server is not None else backend.host,
                port=backend.port,
                protocol=backend.protocol,
                unit=backend.unit,
                subject=backend,
            )
            where = Location(link.server.directive.path, link.server.directive.line) if link.server is not None else None
            hops.append(Hop(client, server, link.via, where))
        return hops

    def violations(self, upstream: Upstream) -> list[TimeoutVerdict]:
        """Failing verdicts, strictest backend first."""
        return sorted((v for v in self.verdicts(upstream) if not v.ok), key=lambda v: v.max_allowed_ms)

    # -- proxying side ------------------------------------------------------------------
    @cached_property
    def _sites_by_upstream(self) -> dict[Upstream, list[ProxySite]]:
        global_names: dict[str, list[Upstream]] = {}
        for model in self.project.models:
            for upstream in model.upstreams:
                global_names.setdefault(upstream.name.lower(), []).append(upstream)
        index: dict[Upstream, list[ProxySite]] = {}
        for model in self.project.models:
            for site in model.proxy_sites:
                target = site.upstream
                if target is None and site.port is None and site.host:
                    # A fragment (conf.d/app.conf) may use an upstream defined in a sibling
                    # fragment that nginx.conf would include into the same http block.
                    candidates = global_names.get(site.host.lower(), [])
                    if len(candidates) == 1:
                        target = site.upstream = candidates[0]
                if target is not None:
                    index.setdefault(target, []).append(site)
        return index

    def sites(self, upstream: Upstream) -> list[ProxySite]:
        if upstream.implicit:
            return self._implicit_sites.get(upstream, [])
        return self._sites_by_upstream.get(upstream, [])

    # -- implicit upstreams (a proxy_pass to an address) ---------------------------------
    @cached_property
    def _implicit(self):
        from nglint.tiers.implicit import implicit_upstreams

        self._sites_by_upstream  # resolve fragment sites to sibling upstream blocks first
        names = {u.name.lower() for u in self.all_upstreams()}
        return implicit_upstreams(self.project.models, names)

    @cached_property
    def _implicit_sites(self) -> dict[Upstream, list[ProxySite]]:
        return {entry.upstream: entry.sites for entry in self._implicit}

    def implicit_upstreams(self) -> list[Upstream]:
        """The upstreams nginx makes for proxy_pass addresses: never pooled, shown as hops."""
        return [entry.upstream for entry in self._implicit]

    @cached_property
    def implicit_links(self) -> dict:
        from nglint.linking import link_implicit

        return link_implicit(self.project, self.implicit_upstreams())

    # -- upstreams no request reaches -----------------------------------------------------
    @property
    def _units(self):
        return self.project.units

    @cached_property
    def _named_by_passes(self) -> tuple[set[tuple[str, str]], set[str]]:
        """((unit, upstream name) some *_pass targets, units where a *_pass picks its target
        at run time). Per deployment unit: fragments of one nginx sit in one unit, and a
        stack beside it proxying to a `backend` of its own says nothing about this one."""
        named: set[tuple[str, str]] = set()
        dynamic: set[str] = set()
        for model in self.project.models:
            unit = self._units.unit_of(model.config.path)
            for site in model.proxy_sites:
                if site.upstream is not None:
                    named.add((unit, site.upstream.name.lower()))
                elif site.host:
                    named.add((unit, site.host.lower()))
                elif "$" in site.directive.arg(0) or is_placeholder(site.directive.arg(0)):
                    dynamic.add(unit)
            for directive in model.other_passes:
                target = directive.arg(0)
                if "$" in target or is_placeholder(target):
                    dynamic.add(unit)
                named.add((unit, target.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0].lower()))
        return named, dynamic

    @cached_property
    def _model_of(self) -> dict:
        return {id(model.config): model for model in self.project.models}

    def unused(self, upstream: Upstream) -> bool:
        """True when no request can reach the upstream: its config proxies (so it is not an
        upstream-only fragment that a file outside the run uses), yet no proxy_pass or other
        *_pass of its deployment unit names it, and none there picks a target at run time."""
        if upstream.implicit:
            return False
        model = self._model_of.get(id(upstream.config))
        if model is None or not (model.proxy_sites or model.other_passes):
            return False
        if self.sites(upstream):
            return False
        named, dynamic = self._named_by_passes
        unit = self._units.unit_of(upstream.config.path)
        return (unit, upstream.name.lower()) not in named and unit not in dynamic

    def sites_setting_headers_at(self, upstream: Upstream, path: str, line: int) -> list[ProxySite]:
        """Sites of `upstream` whose effective proxy_set_header level starts at path:line.
        Indexed once: a fix per finding that scanned every site of the upstream made
        thousands of fixes quadratic."""
        index = self._sites_by_header_position.get(upstream)
        if index is None:
            index = self._sites_by_header_position[upstream] = {}
            for site in self.sites(upstream):
                headers, _ = site.effective_array("proxy_set_header")
                if headers:
                    index.setdefault((headers[0].path, headers[0].line), []).append(site)
        return index.get((path, line), [])

    def all_upstreams(self) -> list[Upstream]:
        return [u for model in self.project.models for u in model.upstreams]

    def pooled_upstreams(self) -> list[tuple[Upstream, Pool]]:
        """(upstream, its pool) for every upstream that keeps idle connections: what the
        keepalive rules and P005 look at."""
        return [(upstream, pool) for upstream in self.all_upstreams() if (pool := self.pool(upstream)).pooled]

    def http_version(self, site: ProxySite) -> tuple[str, Directive | None]:
        directive, _ = site.effective("proxy_http_version")
        if directive is not None:
            return directive.arg(0, "1.0"), directive
        return ("1.1" if self.site_new_defaults(site) else "1.0"), None

    def connection(self, site: ProxySite) -> ConnectionState:
        """The Connection header nginx sends for `site`, and an outer clearing one its own
        level discards. Per level, the headers are summarised once (Level.fact); per site,
        only the chain of levels is walked, so the cost is O(sites x depth + headers)."""
        state = self._connections.get(site)
        if state is not None:
            return state
        headers, level = site.effective_array("proxy_set_header")
        header = site.levels[level].fact(_CONNECTION, _connection_headers)[0] if level >= 0 else None
        via_map = mapped = None
        if header is not None:
            cleared = clears_connection(header.arg(1))
            via_map, mapped = _map_without_upgrade(site, header.arg(1).strip())
            if via_map is not None:
                cleared = clears_connection(mapped)
        else:
            # From 1.29.7 nginx no longer sends "Connection: close" on its own.
            cleared = self.site_new_defaults(site)
        dropped = None
        if header is None and level >= 0:
            for outer in range(level - 1, -1, -1):
                dropped = site.levels[outer].fact(_CONNECTION, _connection_headers)[1]
                if dropped is not None:
                    break
        state = self._connections[site] = ConnectionState(cleared, header, headers, dropped, via_map, mapped)
        return state

    def reuses_connections(self, site: ProxySite) -> bool:
        version, _ = self.http_version(site)
        return pools(version) and self.connection(site).cleared


def pools(version: str) -> bool:
    """True for a proxy_http_version that keeps upstream connections (1.1, 2)."""
    return version.strip() in POOLING_HTTP_VERSIONS


def _map_without_upgrade(site: ProxySite, value: str) -> tuple[Directive | None, str | None]:
    """(map, value) when `value` is exactly a variable that a `map $http_upgrade` defines:
    the value that map gives a request without an Upgrade header. nginx maps are http-level
    and global, so the levels around the site hold it. (None, None) when not evaluable."""
    if not value.startswith("$") or len(value) < 2 or not value[1:].replace("_", "a").isalnum():
        return None, None
    variable = value.lower()
    for level in site.levels:
        for directive in level.own("map"):
            if directive.block is None or len(directive.args) != 2 or directive.args[1].lower() != variable:
                continue
            if directive.args[0].lower() != "$http_upgrade":
                return None, None  # a map over something else: its value per request is unknown
            return directive, _map_value_for_empty(directive)
    return None, None


def _map_value_for_empty(directive: Directive) -> str:
    """The value a map gives an empty source: its '' entry, else default, else ''."""
    default = ""
    for entry in directive.block or ():
        if entry.name in ("hostnames", "volatile"):
            continue
        if entry.name == "" and entry.args:
            return entry.args[0]
        if entry.name == "default" and entry.args:
            default = entry.args[0]
    return default


_CONNECTION = "proxy_set_header Connection"


def _connection_headers(level) -> tuple[Directive | None, Directive | None]:
    """(last Connection header, last Connection-clearing header) among a level's own."""
    last = clearing = None
    for directive in level.shared("proxy_set_header"):
        if directive.arg(0).lower() == "connection":
            last = directive
            if clears_connection(directive.arg(1)):
                clearing = directive
    return last, clearing


def clears_connection(value: str) -> bool:
    """`Connection ""`, a variable, or keep-alive lets nginx keep the upstream connection."""
    stripped = value.strip().lower()
    return stripped == "" or "$" in stripped or stripped == "keep-alive"
