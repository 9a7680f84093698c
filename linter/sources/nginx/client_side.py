"""nginx as the server side of a hop: how long it keeps an idle client connection.

A device in front of nginx (a load balancer) is nginx's client. nginx closes an idle
client connection after `keepalive_timeout` (75s by default; `0` disables keep-alive),
taken from the configuration of the last request's location, so a connection on one
port may end after any of the values its `http`, `server` and `location` levels set: the
shortest one is the bound. `listen ... so_keepalive=` makes the kernel probe an idle
connection, which keeps an L4 device's flow alive.
"""

from __future__ import annotations

from nglint.sources.nginx.tree import Directive, NginxConfig
from nglint.records import field, record
from nglint.sources.nginx.defaults import DEFAULTS as NGINX_DEFAULTS
from nglint.tiers.model import IdlePolicy, Provenance
from nglint.units import UnitError, format_ms, parse_nginx_time

LINUX_KEEPALIVE_TIME_MS = 7_200_000  # see the frontend defaults table, linux.tcp_keepalive_time


@record(frozen=True)
class Setting:
    """One keepalive_timeout in effect on the port: its value and where it is set."""

    timeout_ms: int | None  # None: unreadable
    directive: Directive | None  # None: nginx's default
    level: str  # http, server, location, default


@record(eq=False)
class ClientSide:
    """nginx's client-side idle behaviour on one port of one config."""

    config: NginxConfig
    port: int | None
    settings: list[Setting] = field(default_factory=list)
    http_block: Directive | None = None
    servers: list[Directive] = field(default_factory=list)
    probe_ms: int | None = None  # first TCP keep-alive probe (so_keepalive), None: no probes
    probe_directive: Directive | None = None
    port_matched: bool = True

    @property
    def shortest(self) -> Setting | None:
        live = [s for s in self.settings if s.timeout_ms]
        unknown = [s for s in self.settings if s.timeout_ms is None]
        if unknown:
            return unknown[0]
        return min(live, key=lambda s: s.timeout_ms) if live else None

    def idle_policy(self) -> IdlePolicy:
        """The server side of a front tier's hop: the shortest keepalive_timeout on the port."""
        shortest = self.shortest
        if shortest is None:
            zero = next((s for s in self.settings if s.timeout_ms == 0), None)
            where = zero.directive if zero is not None else None
            provenance = (Provenance.from_file(where.path, where.line, "keepalive_timeout", "keepalive_timeout 0")
                          if where is not None else Provenance.unknown("no server block"))
            return IdlePolicy(0, provenance, keepalive=False)
        if shortest.timeout_ms is None:
            d = shortest.directive
            return IdlePolicy.unknown(f"keepalive_timeout {d.arg(0)} at {d.path}:{d.line} cannot be read")
        return IdlePolicy(shortest.timeout_ms, self.provenance(shortest))

    def provenance(self, setting: Setting) -> Provenance:
        if setting.directive is None:
            default = NGINX_DEFAULTS.get("keepalive_timeout")
            return Provenance.from_default(default, f"nginx's default keepalive_timeout {format_ms(default.value)}")
        d = setting.directive
        return Provenance.from_file(d.path, d.line, "keepalive_timeout", f"keepalive_timeout {d.arg(0)} in the {setting.level} block")

    def below(self, required_ms: int) -> list[Setting]:
        """Settings in effect that are shorter than `required_ms` (keep-alive on)."""
        return [s for s in self.settings if s.timeout_ms and s.timeout_ms < required_ms]


def client_side(config: NginxConfig, port: int | None) -> ClientSide:
    """keepalive_timeout values in effect for connections to `port` (every server when None
    or when no server listens on it: then `port_matched` is False)."""
    http_blocks = [d for d in config.directives if d.name == "http" and d.block is not None]
    top = http_blocks[0].block if http_blocks else config.directives  # a fragment is http content
    http_block = http_blocks[0] if http_blocks else None
    http_own = [d for d in top if d.name == "keepalive_timeout"]
    servers = [d for d in top if d.name == "server" and d.block is not None]
    chosen = [s for s in servers if port is not None and port in _ports(s)]
    result = ClientSide(config, port, http_block=http_block)
    if not chosen:
        chosen = servers
        result.port_matched = port is None or not servers
    result.servers = chosen
    seen: set[tuple] = set()
    for server in chosen:
        own = [d for d in server.block if d.name == "keepalive_timeout"]
        if own:
            _add(result, own[-1], "server", seen)
        elif http_own:
            _add(result, http_own[-1], "http", seen)
        elif ("default",) not in seen:
            seen.add(("default",))
            result.settings.append(Setting(NGINX_DEFAULTS.get("keepalive_timeout").value, None, "default"))
        for location in _locations(server.block):
            for d in location.block or ():
                if d.name == "keepalive_timeout":
                    _add(result, d, "location", seen)
        _probe(result, server)
    return result


def _add(result: ClientSide, directive: Directive, level: str, seen: set) -> None:
    key = (directive.path, directive.line)
    if key in seen:
        return
    seen.add(key)
    try:
        value = parse_nginx_time(directive.arg(0))
    except UnitError:
        value = None
    result.settings.append(Setting(value, directive, level))


def _locations(block: list[Directive]):
    for directive in block:
        if directive.name in ("location", "if") and directive.block is not None:
            yield directive
            yield from _locations(directive.block)


def _ports(server: Directive) -> set[int]:
    ports = set()
    listens = server.children("listen")
    if not listens:
        return {80}
    for listen in listens:
        address = listen.arg(0)
        if address.startswith("unix:"):
            continue
        tail = address.rsplit(":", 1)[-1] if (":" in address and not address.endswith("]")) else address
        ports.add(int(tail) if tail.isdigit() else 80)  # an address without a port listens on 80
    return ports


def _probe(result: ClientSide, server: Directive) -> None:
    for listen in server.children("listen"):
        for arg in listen.args[1:]:
            if not arg.startswith("so_keepalive="):
                continue
            value = arg.split("=", 1)[1]
            if value == "off":
                continue
            if value == "on":
                probe = LINUX_KEEPALIVE_TIME_MS
            else:
                idle = value.split(":", 1)[0]
                try:
                    probe = parse_nginx_time(idle) if idle else LINUX_KEEPALIVE_TIME_MS
                except UnitError:
                    continue
            if result.probe_ms is None or probe < result.probe_ms:
                result.probe_ms, result.probe_directive = probe, listen
