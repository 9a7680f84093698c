"""Keepalive semantics shared by the KA rules: is an upstream pooled, for how long does
it keep idle connections, does a proxy_pass site actually reuse them.

The rules are separate modules, but they must agree on these facts (KA002 fires only
where KA001 does not, KA004 replaces KA003), so the facts are computed here, once.
"""

from __future__ import annotations

from functools import cached_property

from nglint.backends import Backend
from nglint.config import Settings
from nglint.linking import Link
from nglint.nginx_model import ProxySite, Upstream
from nglint.nginx_tree import Directive
from nglint.problems import Problem
from nglint.records import record
from nglint.units import UnitError, format_ms, parse_nginx_time

NGINX_UPSTREAM_KEEPALIVE_TIMEOUT_MS = 60_000


@record
class Pool:
    """Pooling facts for one upstream block."""

    pooled: bool
    by_default: bool  # pooled only because nginx >= 1.29.7 pools upstream blocks by default
    disabled: bool  # explicit `keepalive 0`
    keepalive: Directive | None
    timeout_ms: int | None  # None: could not be read (placeholder or invalid)
    timeout: Directive | None  # explicit keepalive_timeout, if any

    @property
    def report_directive(self) -> Directive | None:
        """Where a timeout finding belongs: the timeout line, else the keepalive line."""
        return self.timeout or self.keepalive

    def timeout_text(self) -> str:
        if self.timeout is not None:
            return f"keepalive_timeout {self.timeout.arg(0)}"
        return "nginx's default keepalive_timeout"


@record
class TimeoutVerdict:
    """The comparison of one upstream's idle timeout with one linked backend."""

    link: Link
    nginx_ms: int
    backend_ms: int
    max_allowed_ms: int

    @property
    def backend(self) -> Backend:
        return self.link.backend

    @property
    def ok(self) -> bool:
        return self.nginx_ms <= self.max_allowed_ms

    @property
    def suggested_seconds(self) -> int | None:
        """Largest whole number of seconds that satisfies the margin, or None when none does."""
        seconds = self.max_allowed_ms // 1000
        return seconds if seconds >= 1 else None


@record
class ConnectionState:
    """Whether a proxy_pass site clears the `Connection` header (needed to reuse connections)."""

    cleared: bool
    header: Directive | None  # the effective Connection header directive, if any
    own_headers: tuple[Directive, ...] = ()  # the effective proxy_set_header level (shared, not copied)
    dropped: Directive | None = None  # an outer Connection-clearing header discarded by an inner level


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
        """Problems met reading keepalive settings (P004), whichever rules ran first."""
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
        if keepalive is not None:
            pooled, by_default = not disabled, False
        else:
            pooled = by_default = self.settings.new_nginx_defaults
        timeout_ms: int | None = NGINX_UPSTREAM_KEEPALIVE_TIMEOUT_MS
        if timeout is not None:
            value = timeout.arg(0)
            try:
                timeout_ms = parse_nginx_time(value)
            except UnitError:
                timeout_ms = None
                if "${" in value or value.startswith("$"):
                    self._problems.append(
                        Problem(
                            "P004",
                            timeout.path,
                            timeout.line,
                            f"keepalive_timeout {value} in upstream {upstream.name!r} is an unresolved placeholder; "
                            "nglint cannot compare it with the backend",
                            "keepalive_timeout",
                        )
                    )
        return Pool(pooled, by_default, disabled, keepalive, timeout_ms, timeout)

    def links(self, upstream: Upstream):
        return self.project.links[upstream]

    def verdicts(self, upstream: Upstream) -> list[TimeoutVerdict]:
        """One verdict per linked backend with a known, finite idle timeout and keep-alive on."""
        pool = self.pool(upstream)
        if pool.timeout_ms is None:
            return []
        verdicts = []
        for link in self.links(upstream).links:
            backend = link.backend
            if backend.idle_timeout_ms is None or not backend.timeout_known or backend.keepalive_disabled:
                continue
            gap = self.settings.margin.required_gap_ms(backend.idle_timeout_ms)
            verdicts.append(TimeoutVerdict(link, pool.timeout_ms, backend.idle_timeout_ms, backend.idle_timeout_ms - gap))
        return verdicts

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
        return self._sites_by_upstream.get(upstream, [])

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

    def http_version(self, site: ProxySite) -> tuple[str, Directive | None]:
        directive, _ = site.effective("proxy_http_version")
        if directive is not None:
            return directive.arg(0, "1.0"), directive
        return ("1.1" if self.settings.new_nginx_defaults else "1.0"), None

    def connection(self, site: ProxySite) -> ConnectionState:
        """The Connection header nginx sends for `site`, and an outer clearing one its own
        level discards. Per level, the headers are summarised once (Level.fact); per site,
        only the chain of levels is walked, so the cost is O(sites x depth + headers)."""
        state = self._connections.get(site)
        if state is not None:
            return state
        headers, level = site.effective_array("proxy_set_header")
        header = site.levels[level].fact(_CONNECTION, _connection_headers)[0] if level >= 0 else None
        if header is not None:
            cleared = clears_connection(header.arg(1))
        else:
            # From 1.29.7 nginx no longer sends "Connection: close" on its own.
            cleared = self.settings.new_nginx_defaults
        dropped = None
        if header is None and level >= 0:
            for outer in range(level - 1, -1, -1):
                dropped = site.levels[outer].fact(_CONNECTION, _connection_headers)[1]
                if dropped is not None:
                    break
        state = self._connections[site] = ConnectionState(cleared, header, headers, dropped)
        return state

    def reuses_connections(self, site: ProxySite) -> bool:
        version, _ = self.http_version(site)
        return version == "1.1" and self.connection(site).cleared


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
