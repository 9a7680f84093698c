"""Linkers: each one knows one way an nginx upstream server names its backend.

A linker is asked, per upstream `server` entry, which backends it means. It answers with a
`Resolution` (linked backends, or ambiguous candidates it refuses to choose between; with
neither, a gap it vouches for: no later linker may guess) or None when the entry is not
its business; the next linker is asked then. Built-ins and
plugins (entry-point group `nglint.linkers`) come through the same door and are tried by
`priority`, most specific first. What no linker resolves is a link gap (an unlinked upstream, reported).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from nglint.records import field, record

if TYPE_CHECKING:
    from nglint.backends import Backend
    from nglint.sources.nginx.model import ServerAddress, Upstream

ENTRY_POINT_GROUP = "nglint.linkers"
BUILTIN_LINKERS = (
    ("nglint.tiers.linkers.by_port", "ByPort"),
    ("nglint.tiers.linkers.compose_names", "ComposeNames"),
    ("nglint.tiers.linkers.unix_socket", "UnixSocket"),
)


@record
class Resolution:
    """What one linker made of one upstream server entry."""

    via: str
    backends: list["Backend"] = field(default_factory=list)
    ambiguous: list["Backend"] = field(default_factory=list)


class Linker(Protocol):
    name: str
    priority: int  # lower is asked first

    def prepare(self, backends: list["Backend"], project) -> None:
        """Index the run's backends once (never per upstream: that would be quadratic)."""

    def resolve(self, upstream: "Upstream", server: "ServerAddress") -> Resolution | None: ...


@lru_cache(maxsize=1)
def linker_classes() -> tuple:
    import importlib

    from nglint.registry import load_plugins

    found = [getattr(importlib.import_module(module), name) for module, name in BUILTIN_LINKERS]
    found.extend(load_plugins(ENTRY_POINT_GROUP))
    return tuple(found)


def new_linkers(backends: list["Backend"], project) -> list:
    """Fresh, prepared linkers for one run, most specific first."""
    linkers = []
    for factory in linker_classes():
        linker = factory() if isinstance(factory, type) else factory
        linker.prepare(backends, project)
        linkers.append(linker)
    return sorted(linkers, key=lambda linker: linker.priority)
