"""The idle timer of an HAProxy tunnel: what closes an upgraded websocket behind HAProxy.

Once a connection is upgraded (a websocket, in HTTP mode) or, in TCP mode, once no analyser
is left on it, HAProxy treats it as a tunnel: `timeout tunnel` (backend, listen or defaults)
supersedes the client and server timeouts. Without it, `timeout client` (the frontend's) and
`timeout server` (the backend's) go on applying to the idle tunnel, so the shorter of them
closes it; neither set means no timer (HAProxy warns about that at startup). A value of 0
sets no timeout. The idle server-connection pool's purge never touches a tunnel.
"""

from __future__ import annotations


def tunnel_policy(path: str, backend, frontends: list):
    """An IdlePolicy for an idle tunnel through `backend`, reached from `frontends` (the
    sections routing to it; a listen section is its own frontend)."""
    from nglint.sources.frontend.defaults import DEFAULTS
    from nglint.tiers.model import IdlePolicy, Provenance

    tunnel = _timeout(backend, "tunnel")
    if tunnel is not None:
        return _policy(path, tunnel, backend, "supersedes timeout client and timeout server once a connection is a tunnel")
    server = _timeout(backend, "server")
    clients = [(_timeout(frontend, "client"), frontend) for frontend in frontends]
    found = [(line, section) for line, section in [(server, backend)] + clients if line is not None]
    policies = [(_policy(path, line, section, "no timeout tunnel, so it applies to an idle tunnel"), line) for line, section in found]
    unknown = [policy for policy, _ in policies if not policy.known]
    if unknown:
        return unknown[0]
    timed = [(policy, line) for policy, line in policies if policy.timeout_ms is not None]
    if not frontends:
        missing = "no frontend routes to this backend, so its timeout client is not known"
    elif len(clients) > len([c for c in clients if c[0] is not None]):
        missing = "a frontend routing here sets no timeout client"
    else:
        missing = ""
    if not timed:
        if not frontends:
            return IdlePolicy.unknown(f"no timeout tunnel or timeout server, and {missing}")
        row = DEFAULTS.get("haproxy.timeout-client-server")
        return IdlePolicy(None, Provenance.from_default(row, f"no timeout tunnel, client or server: {row.describe()}"))
    policy, _ = min(timed, key=lambda item: item[0].timeout_ms)
    if missing:
        detail = f"{policy.provenance.detail}; {missing}: the tunnel may close sooner"
        provenance = Provenance.from_file(policy.provenance.path, policy.provenance.line, policy.provenance.key, detail)
        return IdlePolicy(policy.timeout_ms, provenance)
    return policy


def _timeout(section, name: str):
    """The `timeout <name>` line in effect in a section (its own, else its defaults')."""
    return section.last(lambda w: len(w) >= 3 and w[0] == "timeout" and w[1] == name)


def _policy(path: str, line, section, why: str):
    from nglint.sources.haproxy.config import duration_ms
    from nglint.tiers.model import IdlePolicy, Provenance

    text = line.words[2]
    owner = next((s for s in section.chain() if line in s.lines), section)
    where = f"the {owner.kind} section {owner.name}" if owner.name else f"the {owner.kind} section"
    key = f"timeout {line.words[1]}"
    value = duration_ms(text)
    if value is None:
        return IdlePolicy.unknown(f"{key} {text!r} (line {line.line}) is not a time nglint reads")
    if value == 0:
        return IdlePolicy(None, Provenance.from_file(path, line.line, key, f"{key} 0 in {where}: no timeout"))
    return IdlePolicy(int(value), Provenance.from_file(path, line.line, key, f"{key} {text} in {where}: {why}"))
