"""Backends: anything behind nginx with an address and an idle keep-alive timeout.

Readers (`nglint.sources`) produce them, one reader per file kind; checks see them as
server-side endpoints of the tier model (`idle_policy`), whatever the kind.
"""

from __future__ import annotations

from typing import Protocol

from nglint.findings import Location
from nglint.problems import Problem
from nglint.records import field, record
from nglint.tiers.model import IdlePolicy, Provenance


@record(frozen=True)
class Backend:
    """One listening endpoint and how long it keeps an idle keep-alive connection.

    `idle_timeout_ms` None means the backend never closes idle connections itself.
    `keepalive_disabled` is true when it closes after every response (nginx then never
    reuses the connection, so there is no race). `timeout_known` is false when the value
    hides behind an unresolved placeholder (recorded as such, never guessed).
    """

    kind: str
    label: str
    port: int | None
    idle_timeout_ms: int | None
    idle_timeout_source: str
    location: Location
    anchor: str | None = None
    protocol: str = "http"
    keepalive_disabled: bool = False
    timeout_known: bool = True
    attributes: dict = field(default_factory=dict, compare=False, hash=False)
    # Where the idle timeout came from; readers set it, else it is the file and line above.
    provenance: Provenance | None = field(default=None, compare=False, hash=False)
    host: str | None = None
    unit: str | None = None

    @property
    def speaks_http(self) -> bool:
        return self.protocol == "http"

    @property
    def nginx_links_to(self) -> bool:
        """True for what an nginx upstream reaches: HTTP, or the uwsgi protocol (`uwsgi_pass`,
        one request per connection). An AJP Connector on a shared port is never meant."""
        return self.protocol in ("http", "uwsgi")

    @property
    def idle_policy(self) -> IdlePolicy:
        """The server side of the tier model's idle comparison."""
        provenance = self.provenance or Provenance.from_file(
            self.location.path, self.location.line, self.anchor or self.kind, self.idle_timeout_source
        )
        if not self.timeout_known:
            return IdlePolicy(None, provenance, known=False)
        return IdlePolicy(self.idle_timeout_ms, provenance, keepalive=not self.keepalive_disabled)


@record
class BackendFile:
    """What a backend parser found in one file.

    `processes` are the server processes an orchestration file declares (nglint.sources.
    process.Process), kept so linkers can tell which stack an nginx config belongs to."""

    path: str
    backends: list[Backend] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    processes: list = field(default_factory=list)


class BackendParser(Protocol):
    """A pluggable reader of one kind of backend configuration file."""

    kind: str

    def claims(self, path: str) -> bool:
        """True when `path` is a file this parser reads (decided by name, cheaply)."""

    def parse(self, path: str, tree_roots: list[str], max_file_size: int) -> BackendFile:
        """Read `path`; never raise: record problems (nglint.diagnostics kinds) instead."""


def backend_parsers() -> list[BackendParser]:
    """Every backend reader, built-in and plugin (see nglint.sources)."""
    from nglint.sources import readers

    return list(readers())
