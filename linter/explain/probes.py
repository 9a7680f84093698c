"""Resets without request context: health-check probes or not, decided by time.

nginx_upstream_check_module (tengine) probes each peer on connections of its own, logged
through the cycle's log: a TCP probe that the backend resets leaves `recv() failed (104:
Connection reset by peer)` with no client, request or peer in the line. What ties such a
reset to a probe is the module's own line for a probe round (`check time out with peer:
...`, `check protocol http error with peer: ...`, `disable check peer: ...`), written
within seconds of it. So a reset counts as a probe when a check-module line lies within
PROBE_WINDOW_S of it, and the report names the peer of the nearest one; otherwise it
stays `other`, ambiguous with health-check-probe, with the missing evidence named.

Streamed in bounded memory: per peer, a ring of its last RING check-line times; a reset
waits in a bucket of its second until the log has passed its window, collecting the
nearest check line before and after it. A log is read in segments (each file, each byte
range a --jobs worker counts, each run of lines after the clock steps back, as in `cat
error.log error.log.1`). A reset near a segment's edge may have its check line in
another segment, so it stays open until the end, where it meets the first and last
check lines of every segment. Within segments whose clock moves forward that is exact:
rotated files in any order, and any cut into ranges, give the same verdicts.
"""

from __future__ import annotations

from collections import deque

from nglint.explain.stats import CauseStats, Samples, bump

PROBE_WINDOW_S = 3
"""Seconds between a reset and a check-module line for the reset to count as a probe.

The module writes its line for a probe round when the probe fails, which is within the
check timeout (timeout=1000 ms by default, https://github.com/yaoweibin/nginx_upstream_check_module#check);
nginx stamps whole seconds, so the two lines of one round can be 2 s apart on the page,
and a worker's cached clock (updated once per event-loop turn) can add one more. Rounds
are `interval` apart (3000 ms in the module's examples, 30000 ms by default): a wider
window would pair a reset with the line of another round.
"""
RING = 8  # check-line times kept per peer: the latest ones, and the first ones of each segment
MAX_PEERS = 256  # peers with a ring of their own; further peers share one
MAX_OPEN = 4096  # undecided seconds kept; beyond that the earliest kept is settled as not a probe
MAX_SEGMENTS = 4096  # segments whose edge check lines are kept for the final comparison

PROBE = "health-check-probe"
_OTHER_PEERS = b"(other peers)"
RESET_EVIDENCE = "reset without request context"  # how every evidence string below begins
_EVIDENCE_OTHER = f"{RESET_EVIDENCE}, no check-module line within {PROBE_WINDOW_S}s"
_EVIDENCE_TIMELESS = f"{RESET_EVIDENCE} and without a time to compare with check-module lines"


def probe_evidence(peer: bytes) -> str:
    named = f" for peer {peer.decode('utf-8', 'surrogateescape')}" if peer else ""
    return f"{RESET_EVIDENCE}, check-module line{named} within {PROBE_WINDOW_S}s"


def seconds(stamp: bytes, _days: dict = {}) -> int | None:  # noqa: B006 - a bounded cache of day numbers
    """`2026/11/30 10:00:01` as seconds since year 1, None when it is not a real time."""
    day = _days.get(stamp[:10])
    try:
        if day is None:
            import datetime

            day = datetime.date(int(stamp[:4]), int(stamp[5:7]), int(stamp[8:10])).toordinal()
            if len(_days) > 4096:
                _days.clear()
            _days[stamp[:10]] = day
        hour, minute, second = int(stamp[11:13]), int(stamp[14:16]), int(stamp[17:19])
    except ValueError:
        return None
    if hour > 23 or minute > 59 or second > 60:
        return None
    return day * 86400 + hour * 3600 + minute * 60 + second


def check_peer(message: bytes) -> bytes:
    """The peer a check-module line names (`... peer: 10.0.0.7:8080 `), or b"" when none."""
    at = message.find(b"peer: ")
    if at < 0:
        return b""
    token = message[at + 6:at + 300].strip()
    space = token.find(b" ")
    return token if space < 0 else token[:space]


class _Bucket:
    """The resets of one second: their lines by signature, and the nearest check line
    seen so far as (distance in seconds, peer)."""

    __slots__ = ("best", "lines")

    def __init__(self, best: tuple | None) -> None:
        self.best = best
        self.lines: dict[tuple, list] = {}  # signature -> [count, first, last, raw, order, shape]

    def add(self, signature: tuple, count: int, first, last, raw: bytes, order: tuple, shape: bytes) -> None:
        entry = self.lines.get(signature)
        if entry is None:
            self.lines[signature] = [count, first, last, raw, order, shape]
            return
        entry[0] += count
        entry[1] = min(entry[1], first)
        entry[2] = max(entry[2], last)
        if order < entry[4]:
            entry[3], entry[4] = raw, order

    def absorb(self, other: "_Bucket") -> None:
        self.consider(other.best)
        for signature, entry in other.lines.items():
            self.add(signature, *entry)

    def consider(self, candidate: tuple | None) -> None:
        if candidate is not None and (self.best is None or candidate < self.best):
            self.best = candidate


class ProbeWindow:
    """Decides resets without request context as they stream by; see the module doc."""

    def __init__(self) -> None:
        self.probe = CauseStats(PROBE)
        self.other = CauseStats("other")
        self._samples = {PROBE: Samples(), "other": Samples()}
        self._evidence: dict[str, dict[str, int]] = {PROBE: {}, "other": {}}
        self._rings: dict[bytes, deque] = {}
        self._heads: dict[bytes, list[int]] = {}
        self._edges: list[tuple[dict, dict]] = []  # (first, last) check seconds by peer, per closed segment
        self._pending: dict[int, _Bucket] = {}  # by second, in this segment
        self._open: dict[int, _Bucket] = {}  # at a segment's edge: decided in finish()
        self._base: tuple = (0, 0)
        self._index = 0
        self._first: int | None = None  # first second of this segment
        self._now: int | None = None  # latest second of this segment

    # -- segments ---------------------------------------------------------------------
    def segment(self, base: tuple) -> None:
        """Start a segment; `base` orders it among the others (input number, byte offset)."""
        self.close_segment()
        self._base = base
        self._index = 0

    def close_segment(self) -> None:
        """Keep this segment's edge check lines; its undecided resets stay open."""
        for second, bucket in self._pending.items():
            self._keep_open(second, bucket)
        self._pending = {}
        if self._rings:
            self._edges.append((self._heads, {peer: list(ring) for peer, ring in self._rings.items()}))
            del self._edges[:-MAX_SEGMENTS]
        self._rings, self._heads = {}, {}
        self._first = self._now = None

    def _advance(self, now: int) -> None:
        if self._now is not None and now < self._now - PROBE_WINDOW_S:
            self.close_segment()  # the clock stepped back: logs concatenated out of order
        if self._first is None:
            self._first = now
        if self._now is None or now > self._now:
            self._now = now
            if self._pending:
                self._settle(now)

    def _settle(self, now: int) -> None:
        """Decide the seconds whose window the log has passed."""
        for second in [s for s in self._pending if s + PROBE_WINDOW_S < now]:
            bucket = self._pending.pop(second)
            if second <= self._first + PROBE_WINDOW_S:
                self._keep_open(second, bucket)  # the segment before may hold a (nearer) check line
            else:
                self._decide(bucket)

    def _keep_open(self, second: int, bucket: _Bucket) -> None:
        kept = self._open.get(second)
        if kept is not None:
            kept.absorb(bucket)
            return
        if len(self._open) >= MAX_OPEN:
            earliest = min(self._open)
            self._decide(self._open.pop(earliest))
        self._open[second] = bucket

    # -- lines ------------------------------------------------------------------------
    def check(self, time: bytes, message: bytes) -> None:
        """A check-module line: its peer was checked at `time`."""
        now = seconds(time)
        if now is None:
            return
        self._advance(now)
        peer = check_peer(message)
        ring = self._rings.get(peer)
        if ring is None:
            if len(self._rings) >= MAX_PEERS:
                peer = _OTHER_PEERS
                ring = self._rings.get(peer)
            if ring is None:
                ring = self._rings[peer] = deque(maxlen=RING)
                self._heads[peer] = []
        ring.append(now)
        head = self._heads[peer]
        if len(head) < RING:
            head.append(now)
        for second, bucket in self._pending.items():
            if abs(second - now) <= PROBE_WINDOW_S:
                bucket.consider((abs(second - now), peer))

    def reset(self, signature: tuple, time: bytes | None, raw: bytes, shape: bytes) -> None:
        """A reset without request context (signature as aggregate.py counts lines)."""
        self._index += 1
        order = (*self._base, self._index)
        now = None if time is None else seconds(time)
        if now is None:
            self._fold(self.other, _EVIDENCE_TIMELESS, signature, [1, time, time, raw, order, shape])
            return
        self._advance(now)
        bucket = self._pending.get(now)
        if bucket is None:
            if len(self._pending) >= MAX_OPEN:
                earliest = min(self._pending)
                self._decide(self._pending.pop(earliest))
            bucket = self._pending[now] = _Bucket(self._nearest(now, self._rings))
        bucket.add(signature, 1, time, time, raw, order, shape)

    @staticmethod
    def _nearest(second: int, rings: dict) -> tuple | None:
        """(distance, peer) of the nearest check line within the window, or None."""
        best = None
        for peer, times in rings.items():
            for checked in times:
                distance = abs(second - checked)
                if distance <= PROBE_WINDOW_S and (best is None or (distance, peer) < best):
                    best = (distance, peer)
        return best

    # -- verdicts ---------------------------------------------------------------------
    def _decide(self, bucket: _Bucket) -> None:
        if bucket.best is None:
            target, evidence = self.other, _EVIDENCE_OTHER
        else:
            target, evidence = self.probe, probe_evidence(bucket.best[1])
        for signature, entry in bucket.lines.items():
            self._fold(target, evidence, signature, entry)

    def _fold(self, target: CauseStats, evidence: str, signature: tuple, entry: list) -> None:
        count, first, last, raw, order, shape = entry
        target.add_lines(count, first, last, None)
        target.no_request += count
        counts = self._evidence[target.cause]
        counts[evidence] = counts.get(evidence, 0) + count
        if target is self.probe:
            bump(target.ambiguous, "other", count)
        else:
            bump(target.ambiguous, PROBE, count)
            bump(target.messages, shape[:160], count)
        self._samples[target.cause].offer(order, signature, raw)

    def merge(self, other: "ProbeWindow") -> None:
        """Add what another window saw on a later part of the input (a --jobs range)."""
        other.close_segment()
        self.close_segment()
        self.probe.merge(other.probe)
        self.other.merge(other.other)
        for cause, samples in other._samples.items():
            self._samples[cause].merge(samples)
        for cause, counts in other._evidence.items():
            mine = self._evidence[cause]
            for evidence, count in counts.items():
                mine[evidence] = mine.get(evidence, 0) + count
        for second, bucket in other._open.items():
            self._keep_open(second, bucket)
        self._edges.extend(other._edges)
        del self._edges[:-MAX_SEGMENTS]

    def finish(self) -> None:
        """Decide the resets left open at segment edges against every segment's edges,
        then lay out evidence and samples in an order that does not depend on when
        each reset was decided."""
        self.close_segment()
        checked: dict[int, set[bytes]] = {}
        for heads, tails in self._edges:
            for part in (heads, tails):
                for peer, times in part.items():
                    for second in times:
                        checked.setdefault(second, set()).add(peer)
        for second, bucket in sorted(self._open.items()):
            for step in range(-PROBE_WINDOW_S, PROBE_WINDOW_S + 1):
                for peer in checked.get(second + step, ()):
                    bucket.consider((abs(step), peer))
            self._decide(bucket)
        self._open = {}
        for cause, target in ((PROBE, self.probe), ("other", self.other)):
            for evidence, count in sorted(self._evidence[cause].items()):
                bump(target.evidence, evidence, count)
            target.samples, target.sample_keys = self._samples[cause].lists()
