"""Endpoints, idle policies, provenance and hops: plain, picklable records.

Every value a rule compares carries where it came from (a file and line, a defaults-table
entry, or the user's declaration), because a cross-tier message is only trusted when the
reader can go and look at both numbers. An unknown value stays unknown, with its reason.
"""

from __future__ import annotations

from typing import Any

from nglint.findings import Location
from nglint.records import field, record
from nglint.tiers.defaults import Default
from nglint.units import format_ms

FILE, DEFAULT, DECLARED, UNKNOWN = "file", "default", "declared", "unknown"


@record(frozen=True)
class Provenance:
    """Where one value came from.

    `origin` is FILE (path, line and the key that set it), DEFAULT (the defaults-table
    entry), DECLARED (nglint configuration) or UNKNOWN (`detail` says why).
    """

    origin: str
    detail: str = ""
    path: str | None = None
    line: int | None = None
    key: str | None = None
    default: Default | None = None

    @classmethod
    def from_file(cls, path: str, line: int, key: str, detail: str = "") -> "Provenance":
        return cls(FILE, detail or key, path, line, key)

    @classmethod
    def from_default(cls, default: Default, detail: str = "") -> "Provenance":
        return cls(DEFAULT, detail or default.describe(), default=default)

    @classmethod
    def declared(cls, path: str, line: int, key: str, detail: str = "") -> "Provenance":
        return cls(DECLARED, detail or f"{key} declared in nglint configuration", path, line, key)

    @classmethod
    def unknown(cls, reason: str) -> "Provenance":
        return cls(UNKNOWN, reason)

    @property
    def location(self) -> Location | None:
        return Location(self.path, self.line or 1) if self.path else None

    def describe(self) -> str:
        """The words a message puts after a value: `keepAliveTimeout="20000"`, `default ...`."""
        return self.detail


@record(frozen=True)
class IdlePolicy:
    """How one side of a connection treats an idle keep-alive connection.

    `timeout_ms` None with `known` True means infinite: that side never closes an idle
    connection itself. `keepalive` False means it closes after every response (no reuse,
    so no race). `pools` is true for a client side that keeps idle connections for reuse.
    """

    timeout_ms: int | None
    provenance: Provenance
    known: bool = True
    keepalive: bool = True
    pools: bool = False

    @property
    def infinite(self) -> bool:
        return self.known and self.timeout_ms is None

    @property
    def unknown_reason(self) -> str | None:
        return None if self.known else self.provenance.detail

    def describe(self) -> str:
        if not self.known:
            return f"unknown ({self.provenance.detail})"
        if not self.keepalive:
            return f"no keep-alive ({self.provenance.detail})"
        value = "never" if self.timeout_ms is None else format_ms(self.timeout_ms)
        return f"{value} ({self.provenance.detail})"

    @classmethod
    def unknown(cls, reason: str, pools: bool = False) -> "IdlePolicy":
        return cls(None, Provenance.unknown(reason), known=False, pools=pools)


@record(frozen=True)
class SettingRef:
    """The setting a fix changes, in terms its format's editor understands.

    `format` names the reader kind whose `edit_setting` applies the change; `exists` is
    False when the key is absent and must be added at `path:line` (its container, e.g. a
    ConfigMap's `data`); `handle` is a format-specific typed handle (an nginx Directive, a
    YAML node path) so the editor never searches again.
    """

    format: str
    path: str
    line: int
    key: str
    exists: bool = True
    handle: Any = field(default=None, compare=False, hash=False, repr=False)


@record(frozen=True)
class Endpoint:
    """One side of a hop: a tier's listener (server side) or its connection pool (client side).

    `subject` is the typed object the endpoint was made from (an nginx Upstream, a
    Backend), so rules and fixes reach it without searching; `unit` names the deployment
    unit (compose project, namespace, directory) that links must respect.
    """

    tier: str
    label: str
    idle: IdlePolicy
    location: Location
    host: str | None = None
    port: int | None = None
    protocol: str = "http"
    unit: str | None = None
    subject: Any = field(default=None, compare=False, hash=False, repr=False)
    setting: SettingRef | None = None  # where to change `idle`, for fixes


@record(frozen=True)
class Hop:
    """One connection two tiers share: the client endpoint opens it, the server accepts it.

    `evidence` says how the two were linked (`port 8080`, `compose service app`,
    `[[tool.nglint.backend]] in pyproject.toml`), with the place that shows it.
    """

    client: Endpoint
    server: Endpoint
    evidence: str
    evidence_location: Location | None = None
