"""Defaults as data: every value nglint assumes when a file does not set it.

Each tier kind has one table of `Default` entries with the value, its unit, the versions
it holds for and the documentation (or source) that says so. Messages quote the entry, so
a reader can check the assumption; a test fails when an entry lacks a documentation URL.
Tables are found through the reader of their kind (`nglint.sources`), so a plugin kind
brings its own.
"""

from __future__ import annotations

from typing import Any, Iterable

from nglint.records import field, record

Version = tuple[int, ...]
INFINITE = None


@record(frozen=True)
class Default:
    """One assumed value.

    `value` is in `unit` (durations in "ms"; INFINITE (None) for "never times out");
    `since`/`until` bound the versions it holds for (`until` exclusive, None = open).
    """

    kind: str
    key: str
    value: Any
    unit: str
    url: str
    since: Version | None = None
    until: Version | None = None
    note: str = ""

    def applies_to(self, version: Version | None) -> bool:
        """True when the entry holds for `version`; an unknown version matches open-ended entries only."""
        if version is None:
            return self.until is None
        if self.since is not None and version < self.since:
            return False
        return self.until is None or version < self.until

    def versions(self) -> str:
        since = ".".join(map(str, self.since)) if self.since else ""
        until = ".".join(map(str, self.until)) if self.until else ""
        if since and until:
            return f"{since} to before {until}"
        if since:
            return f"since {since}"
        if until:
            return f"before {until}"
        return "all versions"

    def describe(self) -> str:
        """`Tomcat's default connectionTimeout, 60000 ms` style words for messages."""
        if self.value is INFINITE:
            shown = "infinite"
        elif self.unit == "ms":
            from nglint.units import format_ms

            shown = format_ms(self.value)
        else:
            shown = f"{self.value} {self.unit}".strip()
        text = f"{self.kind} default {self.key} {shown}"
        return f"{text}, {self.note}" if self.note else text


@record
class DefaultsTable:
    """All defaults of one kind, looked up by key and version."""

    kind: str
    entries: list[Default] = field(default_factory=list)

    def get(self, key: str, version: Version | None = None) -> Default:
        """The entry for `key` at `version` (the open-ended one when the version is unknown)."""
        for entry in self.entries:
            if entry.key == key and entry.applies_to(version):
                return entry
        raise KeyError(f"no {self.kind} default for {key!r} at version {version}")

    def all(self, key: str) -> list[Default]:
        return [entry for entry in self.entries if entry.key == key]


def table(kind: str, entries: Iterable[tuple]) -> DefaultsTable:
    """Build a table from rows `(key, value, unit, url, since, until, note)` (last three optional)."""
    rows = []
    for row in entries:
        key, value, unit, url, *rest = row
        since, until, note = (list(rest) + [None, None, ""])[:3]
        rows.append(Default(kind, key, value, unit, url, since, until, note or ""))
    return DefaultsTable(kind, rows)
