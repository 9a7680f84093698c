"""Count lines per cause in one pass, in memory bounded by the number of causes.

Everything kept per cause is bounded: counters stop taking new keys at MAX_KEYS (later
keys count under OVERFLOW), and a few sample lines are kept byte for byte. Verdicts are
cached by message, so a log of a million identical resets is classified once; the cache
is bounded too (it is cleared when full: messages with unique content, such as paths,
would otherwise grow it with the log).
"""

from __future__ import annotations

import re

from nglint.explain.access import AccessEvidence, looks_like_access
from nglint.explain.causes import BY_ID, CAUSES, Verdict, classify
from nglint.explain.lines import LEVELS, nginx_start, parse_line, where_to

MAX_KEYS = 1000
MAX_VERDICTS = 20000
MAX_SIGNATURES = 50000
SAMPLES = 5
OVERFLOW = b"(other values)"


_QUOTED = re.compile(rb'"[^"]*"')
_ADDRESS = re.compile(rb"(?<![\w.:])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?![\w.:])")


def message_shape(message: bytes) -> bytes:
    """A message with its quoted parts (paths, names) and IPv4 addresses elided, so
    `open() "/a.js" failed` and `open() "/b.js" failed`, or `client 10.0.0.9 closed
    keepalive connection` for every client, count as one kind of message."""
    if b'"' in message:
        message = _QUOTED.sub(b'"..."', message)
    if b"." in message:
        message = _ADDRESS.sub(b"ADDR", message)
    return message


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


class Aggregator:
    """Feed it lists of lines (bytes, no line breaks); read `stats` after finish().

    The hot loop does the least per line: it cuts out the fields that decide a cause
    and where it happened (level, message, server, method, upstream address, host) and
    counts that signature. Classification and the per-cause counters run once per
    distinct signature when the signatures are flushed (at MAX_SIGNATURES, and at the
    end), so their cost follows the variety of the log, not its size.
    """

    def __init__(self, since: bytes | None = None, until: bytes | None = None) -> None:
        self.since = since
        self.until = until
        self.stats: dict[str, CauseStats] = {}
        self.lines = 0
        self.blank = 0
        self.unparsed = 0
        self.unparsed_samples: list[bytes] = []
        self.outside_window = 0
        self.check_lines = 0
        self.overlong = 0
        self.access = AccessEvidence()
        self._signatures: dict[tuple, list] = {}
        self._timeless: dict[tuple, list] = {}
        self._verdicts: dict[tuple, tuple[Verdict, bytes]] = {}  # -> (verdict, message shape)
        self._methods: dict[bytes, bytes | None] = {}  # request method tokens, validated once (lines.where_to)
        self._deferred = CauseStats("other")

    def feed(self, lines: list[bytes]) -> None:
        self.lines += len(lines)
        since, until = self.since, self.until
        signatures = self._signatures
        methods = self._methods
        for raw in lines:
            # lines.split_head inlined (a call per line costs a fifth of the time), on the
            # line itself or, after a collector's prefix, on the nginx part of it; lines
            # with no nginx timestamp take the general path.
            if raw[4:5] == b"/" and raw[19:21] == b" [":
                text = raw
            else:
                start = nginx_start(raw)
                if start < 0:
                    self._headless(raw)
                    continue
                text = raw[start:]
            close = text.find(b"] ", 21, 32)
            level = text[21:close]
            if close < 0 or level not in LEVELS:
                self._headless(raw)
                continue
            time = text[:19]
            if (since is not None and time < since) or (until is not None and time > until):
                self.outside_window += 1
                continue
            body = close + 2
            colon = text.find(b": ", body, body + 48)
            if colon > 0 and text.find(b"#", body, colon) > 0:
                body = colon + 2
                if text[body:body + 1] == b"*":
                    space = text.find(b" ", body, body + 24)
                    if space > 0:
                        body = space + 1
            cut = text.find(b", client: ", body)
            if cut < 0:
                key = (level, text[body:], None, None, None, None, False)
            else:
                key = (level, text[body:cut], *where_to(text, cut, methods), True)
            entry = signatures.get(key)
            if entry is None:
                signatures[key] = [1, time, time, raw]
            else:
                entry[0] += 1
                if time > entry[2]:
                    entry[2] = time
                elif time < entry[1]:
                    entry[1] = time
        if len(signatures) >= MAX_SIGNATURES:
            self._flush()

    def _headless(self, raw: bytes) -> None:
        """A line not in the common shape: a collector's prefix, nginx's own stderr, an
        access log, or unparsable."""
        line = parse_line(raw)
        if line is None:
            self._unparsed(raw)
            return
        since, until, time = self.since, self.until, line.time
        if time is not None and ((since is not None and time < since) or (until is not None and time > until)):
            self.outside_window += 1
            return
        key = (line.level, line.message, line.server, line.method, line.upstream_address, line.host,
               line.client is not None)
        # Lines without a time (nginx's stderr) are kept apart: the hot loop compares times
        # of the signatures it finds without checking for None.
        signatures = self._signatures if time is not None else self._timeless
        entry = signatures.get(key)
        if entry is None:
            signatures[key] = [1, time, time, raw]
        else:
            entry[0] += 1
            if time is not None:
                entry[1] = min(entry[1], time)
                entry[2] = max(entry[2], time)

    def _flush(self) -> None:
        """Classify the distinct signatures seen so far and fold them into per-cause stats."""
        verdicts = self._verdicts
        for signature, (count, first, last, raw) in [*self._signatures.items(), *self._timeless.items()]:
            level, message, server, method, address, host, has_request = signature
            fastcgi = address is not None and address.startswith(b"fastcgi://")
            vkey = (message, has_request, fastcgi)
            cached = verdicts.get(vkey)
            if cached is None:
                # Messages that differ only inside quotes (paths, names) share one verdict:
                # the classifier reads nginx's words, never the quoted data.
                if len(verdicts) >= MAX_VERDICTS:
                    verdicts.clear()
                shape = message_shape(message)
                skey = (shape, has_request, fastcgi)
                cached = verdicts.get(skey)
                if cached is None:
                    cached = verdicts[skey] = (classify(shape, has_request, fastcgi), shape)
                verdicts[vkey] = cached
            verdict, shape = cached
            if verdict.needs_check_lines:
                entry = self._deferred
            else:
                entry = self.stats.get(verdict.cause)
                if entry is None:
                    entry = self.stats[verdict.cause] = CauseStats(verdict.cause)
                if verdict.cause == "health-check-probe":
                    self.check_lines += count
            entry.count += count
            if first is not None:
                if entry.first is None or first < entry.first:
                    entry.first = first
                if entry.last is None or last > entry.last:
                    entry.last = last
            if method is None:
                entry.no_request += count
            else:
                bump(entry.methods, method, count)
            if address is not None:
                bump(entry.upstreams, address, count)
                if method is not None:
                    bump(entry.upstream_methods, (address, method), count)
                for name in (server, host):
                    if name:
                        bump(entry.names_by_upstream, (address, name), count)
            if server is not None:
                bump(entry.servers, server, count)
            if host is not None:
                bump(entry.hosts, host, count)
            bump(entry.evidence, verdict.evidence, count)
            if verdict.ambiguous_with:
                bump(entry.ambiguous, verdict.ambiguous_with, count)
            if verdict.cause == "other":
                bump(entry.messages, shape[:160], count)
            entry.add_sample(signature, raw)
        self._signatures = {}
        self._timeless = {}

    def _unparsed(self, raw: bytes) -> None:
        if not raw.strip():
            self.blank += 1
            return
        if looks_like_access(raw) and self.access.feed(raw):
            return
        self.unparsed += 1
        if len(self.unparsed_samples) < SAMPLES:
            self.unparsed_samples.append(raw[:4096])

    def flush(self) -> None:
        """Fold the pending signatures into the per-cause counters (before pickling)."""
        self._flush()
        self._verdicts = {}

    def merge(self, other: "Aggregator") -> None:
        """Add what another aggregator counted on a later part of the same input."""
        self._flush()
        other._flush()
        for name in ("lines", "blank", "unparsed", "outside_window", "check_lines", "overlong"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.unparsed_samples = (self.unparsed_samples + other.unparsed_samples)[:SAMPLES]
        for cause, entry in other.stats.items():
            mine = self.stats.get(cause)
            if mine is None:
                self.stats[cause] = entry
            else:
                mine.merge(entry)
        self._deferred.merge(other._deferred)
        self.access.merge(other.access)

    def finish(self) -> None:
        """Flush, then settle deferred verdicts: resets without request context are
        health-check probes when the log holds check-module lines, `other` otherwise."""
        self._flush()
        deferred = self._deferred
        if deferred.count:
            target = "health-check-probe" if self.check_lines else "other"
            entry = self.stats.setdefault(target, CauseStats(target))
            if target == "health-check-probe":
                why = f"reset without request context, {self.check_lines} check-module line(s) in the log"
                deferred.evidence = {why: deferred.count}
                deferred.ambiguous = {"other": deferred.count}
            entry.merge(deferred)
            self._deferred = CauseStats("other")

    @property
    def parsed(self) -> int:
        return sum(entry.count for entry in self.stats.values())

    def ordered(self) -> list[CauseStats]:
        """Causes seen, most lines first; ties in the documented order."""
        rank = {cause.id: index for index, cause in enumerate(CAUSES)}
        return sorted(self.stats.values(), key=lambda entry: (-entry.count, rank[entry.cause]))


def cause_of(entry: CauseStats):
    return BY_ID[entry.cause]
