"""Map log lines to the configuration: upstream block, server block, backend, findings.

A line names where it went in two ways: `upstream: "http://10.4.36.207:8080/..."` (the
address nginx connected to, already resolved, or the upstream block's name when no
server was tried) and `server:`/`host:` (the server block's name, the Host header).
The configuration names upstream servers by host name (`server tomcat:8080`), so an
address is matched in this order, and the match says how it was made:

1. the host is an upstream block's name (`no live upstreams` lines);
2. host and port equal an upstream `server` entry (or a proxy_pass without upstream);
3. only the port equals: accepted when one upstream (in one configuration) has it,
   or when the line's server/host name narrows the candidates to one; otherwise the
   match is ambiguous and says between which upstreams. A port shared by two
   configurations is never resolved by the port alone (two stacks in a monorepo).

Findings are attached through the upstream they are about (`data["upstream"]` and the
configuration file that holds it), never found again from message text.
"""

from __future__ import annotations

import os

from nglint.findings import Finding
from nglint.sources.nginx.model import ProxySite, Upstream, default_port, parse_server_address
from nglint.records import field, record

# Rules whose findings explain a cause when they sit on the matched upstream.
UPSTREAM_RULES = ("KA001", "KA002", "KA003", "KA005", "HC001", "P005")


@record(eq=False)
class Match:
    """Where one upstream address of the log leads in the configuration."""

    address: str
    upstreams: list[Upstream] = field(default_factory=list)
    site: ProxySite | None = None  # proxy_pass to an address, without an upstream block
    how: str = ""
    candidates: list[Upstream] = field(default_factory=list)  # when ambiguous

    @property
    def upstream(self) -> Upstream | None:
        return self.upstreams[0] if len(self.upstreams) == 1 else None


class Correlator:
    """Indexes of one loaded project, built once, queried per distinct address."""

    def __init__(self, project, report) -> None:
        self.project = project
        self.report = report
        self.by_name: dict[str, list[Upstream]] = {}
        self.by_address: dict[tuple[str, int], list[Upstream]] = {}
        self.by_port: dict[int, list[Upstream]] = {}
        self.direct: dict[tuple[str, int], list[ProxySite]] = {}
        self.by_server_name: dict[str, set[Upstream]] = {}
        for model in project.models:
            for upstream in model.upstreams:
                self.by_name.setdefault(upstream.name.lower(), []).append(upstream)
                for server in upstream.servers:
                    if server.port is None:
                        continue
                    _add(self.by_address, (server.host.lower(), server.port), upstream)
                    _add(self.by_port, server.port, upstream)
            for site in model.proxy_sites:
                names = _server_names(site)
                if site.upstream is not None:
                    for name in names:
                        self.by_server_name.setdefault(name, set()).add(site.upstream)
                elif site.host:
                    port = site.port if site.port is not None else default_port(site.scheme)
                    self.direct.setdefault((site.host.lower(), port), []).append(site)
        self.findings: dict[Upstream, list[Finding]] = {}
        self._index_findings(report.findings)
        self._fingerprints = None  # nglint.fingerprint.FingerprintCache, made on first use

    def _index_findings(self, findings: list[Finding]) -> None:
        by_key: dict[tuple[str, str], Upstream] = {}
        for model in self.project.models:
            for upstream in model.upstreams:
                for path in model.config.files:
                    by_key.setdefault((upstream.name.lower(), path), upstream)
        for finding in findings:
            name = finding.data.get("upstream") if isinstance(finding.data, dict) else None
            if finding.rule not in UPSTREAM_RULES or not isinstance(name, str):
                continue
            upstream = by_key.get((name.lower(), finding.path))
            if upstream is not None:
                self.findings.setdefault(upstream, []).append(finding)

    @property
    def loaded(self) -> bool:
        return bool(self.project.configs)

    def match(self, address: str, servers: list[str]) -> Match:
        """Where `address` (scheme://host:port as logged) leads; `servers` are the server
        and host names of the lines that used it, to narrow a port-only match."""
        scheme, _, authority = address.partition("://")
        if not authority:
            scheme, authority = "http", address
        host, port = parse_server_address(authority)
        host = host.lower()
        explicit_port = _has_port(authority)
        if not explicit_port and host in self.by_name:
            found = self.by_name[host]
            return self._settle(address, found, f"upstream block named {host!r}")
        if port is None:
            return Match(address, how=f"{address} is not a host:port address")
        if not explicit_port:
            port = default_port(scheme)
        exact = self.by_address.get((host, port), [])
        if exact:
            return self._settle(address, exact, f"server {host}:{port} in the upstream block")
        sites = self.direct.get((host, port), [])
        if sites:
            return Match(address, site=sites[0], how=f"proxy_pass {host}:{port} without an upstream block")
        by_port = self.by_port.get(port, [])
        if not by_port:
            return Match(address, how=f"no upstream server and no proxy_pass in the configuration uses port {port}")
        return self._settle(address, by_port, f"port {port} only (the log shows the resolved address {host})", servers)

    def _settle(self, address: str, found: list[Upstream], how: str, servers: list[str] = ()) -> Match:
        unique = list(dict.fromkeys(found))
        if len(unique) > 1 and servers:
            named = set().union(*(self.by_server_name.get(name.lower(), set()) for name in servers))
            narrowed = [upstream for upstream in unique if upstream in named]
            if len(narrowed) == 1:
                return Match(address, narrowed, how=how + f", narrowed by server name {', '.join(servers[:3])}")
        if len(unique) == 1:
            return Match(address, unique, how=how)
        return Match(address, how=how + ": ambiguous", candidates=unique)

    def fingerprint(self, finding: Finding) -> str | None:
        """The finding's primaryLocationLineHash, as `--format sarif` reports it."""
        if self._fingerprints is None:
            from nglint.fingerprint import FingerprintCache

            self._fingerprints = FingerprintCache(self.report.sources.raw)
        return self._fingerprints.primary_location_line_hash(finding.path, finding.line)

    def display(self, path: str) -> str:
        return self.report.display_path(path)

    def where(self, upstream: Upstream) -> str:
        return f"{self.display(upstream.directive.path)}:{upstream.directive.line}"

    def pooled(self, upstream: Upstream) -> bool:
        return self.project.keepalive.pool(upstream).pooled

    def backends(self, upstream: Upstream) -> list:
        links = self.project.links.get(upstream)
        return [link.backend for link in links.links] if links is not None else []


def _add(index: dict, key, upstream: Upstream) -> None:
    bucket = index.setdefault(key, [])
    if upstream not in bucket:
        bucket.append(upstream)


def _has_port(authority: str) -> bool:
    if authority.startswith("["):
        return "]:" in authority
    return ":" in authority


def _server_names(site: ProxySite) -> list[str]:
    for level in site.levels:
        if level.kind == "server":
            return [arg.lower() for directive in level.own("server_name") for arg in directive.args]
    return []


def load(config_paths: list[str], cwd: str):
    """(Correlator, None) for the project at `config_paths`; (None, reason) when none loads."""
    from nglint.config import load_settings
    from nglint.runner import run_with_project

    settings = load_settings(None, config_paths[0])
    report, project = run_with_project(config_paths, settings, cwd=cwd, fixes=False)
    if not project.configs:
        where = ", ".join(os.path.relpath(p, cwd) for p in config_paths)
        return None, f"no nginx configuration found under {where}"
    return Correlator(project, report), None
