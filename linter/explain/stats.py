"""What is kept per cause: bounded counters, a time range and sample lines.

Everything here is bounded: a counter stops taking new keys at MAX_KEYS (later keys
count under OVERFLOW), and a cause keeps SAMPLES lines byte for byte, one per kind of
line (its signature), the first in input order whatever the flush, segment or --jobs
boundaries were.
"""

from __future__ import annotations

MAX_KEYS = 1000
SAMPLES = 5
OVERFLOW = b"(other values)"


def bump(counter: dict, key, amount: int = 1) -> None:
    """counter[key] += amount, without letting the counter grow past MAX_KEYS keys."""
    if key in counter:
        counter[key] += amount
    elif len(counter) < MAX_KEYS:
        counter[key] = amount
    else:
        overflow = (OVERFLOW, OVERFLOW) if isinstance(key, tuple) else OVERFLOW
        counter[overflow] = counter.get(overflow, 0) + amount


class CauseStats:
    """What was seen of one cause: counts, time range, where, and sample lines."""

    __slots__ = ("cause", "count", "first", "last", "methods", "upstreams", "upstream_methods", "servers", "hosts",
                 "evidence", "messages", "ambiguous", "samples", "sample_keys", "no_request", "names_by_upstream")

    def __init__(self, cause: str) -> None:
        self.cause = cause
        self.count = 0
        self.first: bytes | None = None
        self.last: bytes | None = None
        self.methods: dict[bytes, int] = {}
        self.upstreams: dict[bytes, int] = {}
        self.upstream_methods: dict[tuple[bytes, bytes], int] = {}
        self.servers: dict[bytes, int] = {}
        self.hosts: dict[bytes, int] = {}
        # (upstream address, server or host name) -> lines: the names that narrow a match
        self.names_by_upstream: dict[tuple[bytes, bytes], int] = {}
        self.evidence: dict[str, int] = {}
        self.messages: dict[bytes, int] = {}
        self.ambiguous: dict[str, int] = {}
        self.samples: list[bytes] = []
        # The signature of each sample: one sample per kind of line, the first seen in file
        # order, whatever the flush or --jobs boundaries were.
        self.sample_keys: list[tuple] = []
        self.no_request = 0

    def merge(self, other: "CauseStats") -> None:
        """Fold another cause's lines into this one (deferred verdicts, see finish())."""
        self.count += other.count
        for mine, theirs in ((self.methods, other.methods), (self.upstreams, other.upstreams),
                             (self.upstream_methods, other.upstream_methods), (self.servers, other.servers),
                             (self.hosts, other.hosts), (self.evidence, other.evidence),
                             (self.names_by_upstream, other.names_by_upstream),
                             (self.messages, other.messages), (self.ambiguous, other.ambiguous)):
            for key, value in theirs.items():
                bump(mine, key, value)
        for stamp in (other.first, other.last):
            if stamp is not None:
                self.first = stamp if self.first is None or stamp < self.first else self.first
                self.last = stamp if self.last is None or stamp > self.last else self.last
        for key, raw in zip(other.sample_keys, other.samples):
            self.add_sample(key, raw)
        self.no_request += other.no_request

    def add_sample(self, key: tuple, raw: bytes) -> None:
        if len(self.samples) < SAMPLES and key not in self.sample_keys:
            self.sample_keys.append(key)
            self.samples.append(raw)

    def add_lines(self, count: int, first: bytes | None, last: bytes | None, evidence: str | None) -> None:
        """`count` lines of this cause between `first` and `last`, decided by `evidence`
        (None: the caller counts the evidence itself)."""
        self.count += count
        if first is not None:
            if self.first is None or first < self.first:
                self.first = first
            if self.last is None or last > self.last:
                self.last = last
        if evidence is not None:
            bump(self.evidence, evidence, count)


class Samples:
    """The first SAMPLES kinds of line by input order, offered in any order.

    Lines decided late (at a segment's edge, after the whole log) are offered after
    later lines; keeping the smallest order per signature and the SAMPLES smallest
    signatures gives what offering them in input order would have given.
    """

    __slots__ = ("entries",)

    def __init__(self) -> None:
        self.entries: list[tuple[tuple, tuple, bytes]] = []  # (order, signature, raw), sorted

    def offer(self, order: tuple, signature: tuple, raw: bytes) -> None:
        entries = self.entries
        for index, (seen, key, _) in enumerate(entries):
            if key == signature:
                if order >= seen:
                    return
                del entries[index]
                break
        if len(entries) >= SAMPLES and order >= entries[-1][0]:
            return
        entries.append((order, signature, raw))
        entries.sort(key=lambda entry: entry[0])
        del entries[SAMPLES:]

    def merge(self, other: "Samples") -> None:
        for order, signature, raw in other.entries:
            self.offer(order, signature, raw)

    def lists(self) -> tuple[list[bytes], list[tuple]]:
        """(sample lines, their signatures), in input order."""
        return [raw for _, _, raw in self.entries], [key for _, key, _ in self.entries]
