"""HAProxy in front of nginx or an app server: haproxy.cfg backends as front tiers.

An HTTP-mode HAProxy keeps the server side of a connection open after a response and
reuses it (`http-reuse safe`, the default since 1.9). No timer watches such an idle
server connection (`timeout server` runs only while a request is in flight, `timeout
http-keep-alive` only on the client side): the purge task closes idle connections every
`pool-purge-delay` (5s by default), half of those above the estimated need per round,
and the estimate decays by half per round, so a lone idle connection goes on the third
round. That is the idle timeout nglint compares with the server behind each `server`
line. `option http-server-close`/`httpclose`, `pool-purge-delay 0` and `pool-max-conn 0`
keep no idle server connection (no race); `http-reuse never` ties a server connection to
its client's, whose idle time nglint does not follow (unknown, with that reason); TCP
mode (HAProxy's default mode) relays connections and pools none.
"""

from __future__ import annotations

import os
import re

from nglint.findings import Location
from nglint.sources import LINE_COMMENT
from nglint.sources.base import FileReader

SNIFF_BYTES = 8192
# A section keyword alone at the start of a line, as HAProxy writes them.
_SECTION = re.compile(rb"(?m)^[ \t]*(?:global|defaults(?:[ \t]+[^\s;{}]+)?|(?:frontend|backend|listen)[ \t]+[^\s;{}]+)"
                      rb"(?:[ \t]+from[ \t]+[^\s;{}]+)?[ \t]*(?:#[^\n]*)?\r?$")
_CLOSE_OPTIONS = ("http-server-close", "httpclose", "http-keep-alive")
_ADDRESS_PREFIXES = ("ipv4@", "ipv6@", "tcp@", "tcp4@", "tcp6@")


class HaproxyConfigs(FileReader):
    """haproxy.cfg (or any *.cfg whose first bytes open HAProxy sections): its backends."""

    kind = "haproxy"
    defaults_module = "nglint.sources.frontend.defaults"
    comment = LINE_COMMENT
    comment_prefix = "#"

    def claims(self, path: str) -> bool:
        name = os.path.basename(path).lower()
        if name == "nginx.conf":
            return False  # nginx's by convention, whatever its folder
        if name.endswith(".cfg"):
            pass
        elif name.endswith(".conf") and ("haproxy" in name or os.path.basename(os.path.dirname(path)).lower() == "haproxy"):
            pass  # haproxy.conf, haproxy/*.conf: the nginx sniff refuses them; they are ours when sections open
        else:
            return False
        from nglint.boundary import sniff

        head = sniff(path, SNIFF_BYTES)
        return head is not None and bool(_SECTION.search(head))

    def parse(self, path: str, tree_roots: list[str], max_file_size: int):
        from nglint.boundary import read_text
        from nglint.findings import Severity
        from nglint.problems import Problem
        from nglint.diagnostics import BACKEND_PARSE_ERROR, UNREADABLE_FILE
        from nglint.sources.frontend.model import FrontFile
        from nglint.sources.haproxy.config import parse

        result = FrontFile(path)
        try:
            config = parse(read_text(path, max_file_size))
        except Exception as exc:  # a refused read (size, link out of the tree) or undecodable input
            result.problems.append(Problem(UNREADABLE_FILE, path, 1, f"cannot read HAProxy configuration: {str(exc)[:200]}",
                                           "haproxy", Severity.WARNING))
            return result
        for line, reason in config.errors[:20]:
            result.problems.append(Problem(BACKEND_PARSE_ERROR, path, line, f"HAProxy configuration: {reason}", "haproxy", Severity.WARNING))
        result.frontends.extend(front_tiers(config, path))
        return result


def front_tiers(config, path: str) -> list:
    """One front tier per `server` (or `server-template`) line of an HTTP-mode backend or
    listen section: each server has its own pool and its own pool-purge-delay."""
    from nglint.sources.haproxy.tunnel import tunnel_policy

    found = []
    frontends = config.proxies("frontend", "listen")
    for backend in config.proxies("backend", "listen"):
        mode = backend.last(lambda w: w[0] == "mode" and len(w) > 1)
        http = mode is not None and mode.words[1] == "http"
        closing = _closing(backend, frontends) if http else None
        reuse = backend.last(lambda w: w[0] == "http-reuse" and len(w) > 1) if http else None
        tunnel = tunnel_policy(path, backend, _routing(backend, frontends))
        defaults_params = _default_server_params(backend)
        for line in backend.lines:
            words = line.words
            if words[0] == "server" and len(words) >= 3:
                name, address, params = words[1], words[2], words[3:]
            elif words[0] == "server-template" and len(words) >= 4:
                name, address, params = words[1], words[3], words[4:]
            else:
                continue
            params = {**defaults_params, **_params(params, line)}
            if http:
                found.append(_server_tier(path, backend, line, name, address, params, closing, reuse, tunnel))
            else:
                found.append(_relay_tier(path, backend, line, name, address, mode, tunnel))
    return found


def _routing(backend, frontends) -> list:
    """The frontends whose `default_backend` or `use_backend` names this backend (a listen
    section is its own frontend)."""
    if backend.kind == "listen":
        return [backend]
    return [f for f in frontends if f is not backend and any(
        w.words[0] in ("default_backend", "use_backend") and w.words[1:2] == (backend.name,) for w in f.lines)]


def _closing(backend, frontends):
    """The line that makes HAProxy close server connections after each response, or None.
    HAProxy combines the frontend's and the backend's mode, close being the strongest: the
    backend's option http-server-close/httpclose, or one on every frontend routing to it."""

    def mode_of(section):
        line = section.last(lambda w: (w[0] == "option" and len(w) > 1 and w[1] in _CLOSE_OPTIONS)
                            or (w[0] == "no" and len(w) > 2 and w[1] == "option" and w[2] in _CLOSE_OPTIONS))
        if line is None or line.words[0] == "no" or line.words[1] == "http-keep-alive":
            return None
        return line

    own = mode_of(backend)
    if own is not None:
        return own, backend
    routing = [f for f in frontends if f is not backend and any(
        (w.words[0] == "default_backend" and w.words[1:2] == (backend.name,))
        or (w.words[0] == "use_backend" and w.words[1:2] == (backend.name,)) for w in f.lines)]
    modes = [(mode_of(f), f) for f in routing]
    if modes and all(line is not None for line, _ in modes):
        return modes[0]
    return None


def _default_server_params(backend) -> dict:
    """`default-server` parameters in effect: the farthest defaults first, the backend's last."""
    params: dict = {}
    for section in reversed(backend.chain()):
        for line in section.lines:
            if line.words[0] == "default-server":
                params.update(_params(line.words[1:], line))
    return params


def _params(words, line) -> dict:
    """The server parameters nglint needs, each with the line that set it."""
    found = {}
    for index, word in enumerate(words):
        if word in ("pool-purge-delay", "pool-max-conn") and index + 1 < len(words):
            found[word] = (words[index + 1], line)
        elif word == "check":
            found["check"] = ("", line)
        elif word == "no-check":
            found.pop("check", None)
    return found


def _target(path, backend, line, name, address):
    from nglint.sources.frontend.model import Target

    port, why = _port(address)
    evidence = f"HAProxy backend {backend.name} server {name} {address}"
    if port is None:
        evidence += f" ({why})"
    return Target(port, evidence, Location(path, line.line))


def _relay_tier(path, backend, line, name, address, mode, tunnel):
    """A server of a TCP-mode backend: HAProxy relays each client connection to it and pools
    none. At timeout client/server it closes both sides (FIN, or RST with option nolinger),
    so the server behind always sees the close: not an L4 device that forgets flows."""
    from nglint.sources.frontend.defaults import DEFAULTS, LABEL
    from nglint.sources.frontend.model import TIER_PREFIX, FrontTier
    from nglint.tiers.model import Provenance

    row = DEFAULTS.get("haproxy.mode.tcp.close")
    if mode is None:
        mode_row = DEFAULTS.get("haproxy.mode")
        provenance = Provenance.from_default(mode_row, f"no mode set: {mode_row.describe()}; {row.note}")
    else:
        provenance = Provenance.from_file(path, mode.line, "mode", f"mode {mode.words[1]} (line {mode.line}): {row.note}")
    return FrontTier(TIER_PREFIX + "haproxy", f"{LABEL['haproxy']} backend {backend.name} server {name} (TCP mode)", None,
                     provenance, Location(path, line.line), keepalive=False, relays=True,
                     targets=(_target(path, backend, line, name, address),), address=f"haproxy/{backend.name}/{name}",
                     root_dir=os.path.dirname(os.path.abspath(path)), tunnel_idle=tunnel)


def _server_tier(path, backend, line, name, address, params, closing, reuse, tunnel):
    from nglint.sources.frontend.defaults import DEFAULTS, LABEL
    from nglint.sources.frontend.model import TIER_PREFIX, FrontTier
    from nglint.sources.haproxy.config import duration_ms
    from nglint.tiers.model import Provenance

    where = Location(path, line.line)
    label = f"{LABEL['haproxy']} backend {backend.name} server {name}"
    checks = "check" in params
    target = _target(path, backend, line, name, address)
    notes = []
    if checks:
        notes.append("health checks: " + ("HTTP (option httpchk)" if backend.last(lambda w: w[:2] == ("option", "httpchk"))
                                          else "TCP connect only (no option httpchk)"))
    # A websocket is a tunnel: timeout tunnel (else timeout client/server) governs it, not the purge.
    common = dict(targets=(target,), address=f"haproxy/{backend.name}/{name}", root_dir=os.path.dirname(os.path.abspath(path)),
                  tunnel_idle=tunnel)
    if closing is not None:
        at, section = closing
        where_set = f"the {section.kind} {section.name}" if section.name else "the defaults section"
        provenance = Provenance.from_file(path, at.line, at.words[1],
                                          f"option {at.words[1]} in {where_set}: no idle server connection is kept")
        return FrontTier(TIER_PREFIX + "haproxy", label, None, provenance, where, keepalive=False, notes=tuple(notes), **common)
    max_conn = params.get("pool-max-conn")
    if max_conn is not None and max_conn[0] == "0":
        provenance = Provenance.from_file(path, max_conn[1].line, "pool-max-conn", "pool-max-conn 0: no idle server connection is kept")
        return FrontTier(TIER_PREFIX + "haproxy", label, None, provenance, where, keepalive=False, notes=tuple(notes), **common)
    if reuse is not None and reuse.words[1] == "never":
        reason = (f"http-reuse never (line {reuse.line}) ties each server connection to its client's, which stays idle "
                  "as long as the frontend's timeout http-keep-alive: nglint does not follow that")
        provenance = Provenance.unknown(reason)
        return FrontTier(TIER_PREFIX + "haproxy", label, None, provenance, where, known=False, notes=tuple(notes), **common)
    rounds = DEFAULTS.get("haproxy.purge_rounds")
    setting = params.get("pool-purge-delay")
    if setting is None:
        row = DEFAULTS.get("haproxy.pool-purge-delay")
        delay_ms = row.value
        provenance = Provenance.from_default(row, f"pool-purge-delay not set: {row.describe()}; {rounds.note}")
    else:
        text, at = setting
        delay_ms = duration_ms(text)
        if delay_ms is None:
            provenance = Provenance.unknown(f"pool-purge-delay {text!r} (line {at.line}) is not a time nglint reads")
            return FrontTier(TIER_PREFIX + "haproxy", label, None, provenance, where, known=False, notes=tuple(notes), **common)
        if delay_ms == 0:
            provenance = Provenance.from_file(path, at.line, "pool-purge-delay",
                                              "pool-purge-delay 0: no idle server connection is kept")
            return FrontTier(TIER_PREFIX + "haproxy", label, None, provenance, where, keepalive=False, notes=tuple(notes), **common)
        provenance = Provenance.from_file(path, at.line, "pool-purge-delay",
                                          f"pool-purge-delay {text} on {at.words[0]} line {at.line}; {rounds.note}")
    idle_ms = int(delay_ms * rounds.value)
    if reuse is not None:
        notes.append(f"http-reuse {reuse.words[1]} (line {reuse.line})")
    return FrontTier(TIER_PREFIX + "haproxy", label, idle_ms, provenance, where, notes=tuple(notes),
                     rounds=rounds.value, tuned_by="pool-purge-delay", **common)


def _port(address: str) -> tuple[int | None, str]:
    """(port, "") of a server address, or (None, why not)."""
    for prefix in _ADDRESS_PREFIXES:
        if address.startswith(prefix):
            address = address[len(prefix):]
    if address.startswith(("/", "unix@", "abns@", "abnsz@", "sockpair@", "fd@")):
        return None, "a UNIX socket"
    if "$" in address:
        return None, "an environment variable"
    if address.startswith("["):
        _, _, rest = address.partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif ":" in address:
        port = address.rsplit(":", 1)[1]
    else:
        port = ""
    if not port:
        return None, "no port: HAProxy connects to the port the client connected to"
    if not port.isdigit() or not 0 < int(port) < 65536:
        return None, f"port {port!r} is relative or not a number"
    return int(port), ""
