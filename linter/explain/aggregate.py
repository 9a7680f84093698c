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
from nglint.explain.stats import MAX_KEYS, OVERFLOW, SAMPLES, CauseStats, bump  # noqa: F401 - the counters' home
from nglint.explain.lines import LEVELS, nginx_start, parse_line, where_to
from nglint.explain.probes import PROBE, ProbeWindow

MAX_VERDICTS = 20000
MAX_SIGNATURES = 50000
CHECK_LINE, PROBE_OR_NOT = 1, 2
_NOWHERE = (None, None, None, None)


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
        self.overlong = 0
        self.access = AccessEvidence()
        self._signatures: dict[tuple, list] = {}
        self._timeless: dict[tuple, list] = {}
        self._verdicts: dict[tuple, tuple[Verdict, bytes]] = {}  # -> (verdict, message shape)
        self._methods: dict[bytes, bytes | None] = {}  # request method tokens, validated once (lines.where_to)
        # Lines without request context: 0 counted as usual, CHECK_LINE a check-module
        # line, PROBE_OR_NOT a reset that ProbeWindow decides by time.
        self._contextless: dict[bytes, int] = {}
        self._probes = ProbeWindow()

    def segment(self, base: tuple) -> None:
        """The lines fed next start a new file or byte range; `base` = (input number,
        byte offset) orders it (probes.ProbeWindow decides across segment edges)."""
        self._probes.segment(base)

    def feed(self, lines: list[bytes]) -> None:
        self.lines += len(lines)
        since, until = self.since, self.until
        signatures = self._signatures
        methods = self._methods
        contextless = self._contextless
        windowed = since is not None or until is not None
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
            if windowed and ((since is not None and time < since) or (until is not None and time > until)):
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
                message = text[body:]
                kind = contextless.get(message)
                if kind is None:
                    kind = self._contextless_kind(message)
                if kind:
                    if kind == PROBE_OR_NOT:
                        self._probe_or_not(level, message, time, raw)
                        continue
                    self._probes.check(time, message)
                key = (level, message, None)
            else:
                key = (level, text[body:cut], where_to(text, cut, methods))
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
        if line.client is None:
            kind = self._contextless_kind(line.message)
            if kind == PROBE_OR_NOT:
                self._probe_or_not(line.level, line.message, time, raw)
                return
            if kind == CHECK_LINE and time is not None:
                self._probes.check(time, line.message)
        where = None if line.client is None else (line.server, line.method, line.upstream_address, line.host)
        key = (line.level, line.message, where)
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

    def _contextless_kind(self, message: bytes) -> int:
        verdict = self._verdict(message, False, False)[0]
        kind = PROBE_OR_NOT if verdict.needs_check_lines else CHECK_LINE if verdict.cause == PROBE else 0
        if len(self._contextless) >= MAX_VERDICTS:
            self._contextless.clear()
        self._contextless[message] = kind
        return kind

    def _probe_or_not(self, level: bytes, message: bytes, time: bytes | None, raw: bytes) -> None:
        shape = self._verdict(message, False, False)[1]
        self._probes.reset((level, message, None), time, raw, shape)

    def _verdict(self, message: bytes, has_request: bool, fastcgi: bool) -> tuple[Verdict, bytes]:
        """(verdict, message shape), cached by message and by shape."""
        verdicts = self._verdicts
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
        return cached

    def _flush(self) -> None:
        """Classify the distinct signatures seen so far and fold them into per-cause stats."""
        for signature, (count, first, last, raw) in [*self._signatures.items(), *self._timeless.items()]:
            level, message, where = signature
            has_request = where is not None
            server, method, address, host = where or _NOWHERE
            fastcgi = address is not None and address.startswith(b"fastcgi://")
            verdict, shape = self._verdict(message, has_request, fastcgi)
            entry = self.stats.get(verdict.cause)
            if entry is None:
                entry = self.stats[verdict.cause] = CauseStats(verdict.cause)
            entry.add_lines(count, first, last, verdict.evidence)
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
        self._probes.close_segment()
        self._verdicts = {}
        self._contextless = {}

    def merge(self, other: "Aggregator") -> None:
        """Add what another aggregator counted on a later part of the same input."""
        self._flush()
        other._flush()
        for name in ("lines", "blank", "unparsed", "outside_window", "overlong"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.unparsed_samples = (self.unparsed_samples + other.unparsed_samples)[:SAMPLES]
        for cause, entry in other.stats.items():
            mine = self.stats.get(cause)
            if mine is None:
                self.stats[cause] = entry
            else:
                mine.merge(entry)
        self._probes.merge(other._probes)
        self.access.merge(other.access)

    def finish(self) -> None:
        """Flush, then add the resets without request context, decided by time
        (probes.ProbeWindow): health-check probes, or `other` with the evidence missing."""
        self._flush()
        probes = self._probes
        probes.finish()
        for part in (probes.probe, probes.other):
            if part.count:
                entry = self.stats.get(part.cause)
                if entry is None:
                    self.stats[part.cause] = part
                else:
                    entry.merge(part)
        self._probes = ProbeWindow()

    @property
    def parsed(self) -> int:
        return sum(entry.count for entry in self.stats.values())

    def ordered(self) -> list[CauseStats]:
        """Causes seen, most lines first; ties in the documented order."""
        rank = {cause.id: index for index, cause in enumerate(CAUSES)}
        return sorted(self.stats.values(), key=lambda entry: (-entry.count, rank[entry.cause]))


def cause_of(entry: CauseStats):
    return BY_ID[entry.cause]
