"""Resets without request context count as health-check probes only near a check-module line in time."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from nglint.explain.aggregate import Aggregator
from nglint.explain.parallel import count_in_parallel
from nglint.explain.probes import PROBE_WINDOW_S, RING, ProbeWindow
from nglint.explain.reading import Source
from nglint.explain.summary import build

START = datetime.datetime(2026, 11, 30, 10, 0, 0)
PEER_A, PEER_B = "10.0.0.7:8080", "10.0.0.9:8080"


def at(offset: int) -> str:
    return (START + datetime.timedelta(seconds=offset)).strftime("%Y/%m/%d %H:%M:%S")


def reset(offset: int) -> bytes:
    return f"{at(offset)} [error] 31#31: recv() failed (104: Connection reset by peer)".encode()


def check(offset: int, peer: str = PEER_A, what: str = "check protocol http error with peer") -> bytes:
    return f"{at(offset)} [error] 31#31: {what}: {peer} ".encode()


def counted(*segments: list[bytes]) -> Aggregator:
    """The lines of each segment (a file, in the order given), through the real counter."""
    aggregator = Aggregator()
    for ordinal, lines in enumerate(segments):
        aggregator.segment((ordinal, 0))
        aggregator.feed(lines)
    aggregator.finish()
    return aggregator


def resets(aggregator: Aggregator) -> dict[str, int]:
    """Evidence of the resets without request context, by what decided them."""
    found: dict[str, int] = {}
    for entry in aggregator.stats.values():
        for evidence, count in entry.evidence.items():
            if evidence.startswith("reset without request context"):
                found[f"{entry.cause}: {evidence}"] = count
    return found


def probe(peer: str) -> str:
    return f"health-check-probe: reset without request context, check-module line for peer {peer} within {PROBE_WINDOW_S}s"


NOT_PROBE = f"other: reset without request context, no check-module line within {PROBE_WINDOW_S}s"


def test_a_reset_within_the_window_before_or_after_a_check_line_is_a_probe() -> None:
    w = PROBE_WINDOW_S
    lines = [reset(100 - w), check(100), reset(100 + w)]
    assert resets(counted(lines)) == {probe(PEER_A): 2}


def test_a_reset_just_outside_the_window_stays_ambiguous_with_the_missing_evidence_named() -> None:
    w = PROBE_WINDOW_S
    aggregator = counted([reset(100 - w - 1), check(100), reset(100 + w + 1)])
    assert resets(aggregator) == {NOT_PROBE: 2}
    other = aggregator.stats["other"]
    assert other.ambiguous == {"health-check-probe": 2}
    (cause,) = [c for c in build(aggregator, [])["causes"] if c["id"] == "other"]
    assert cause["ambiguous"]["with"] == "health-check-probe"
    assert "within" in cause["ambiguous"]["deciding_evidence"]
    assert cause["ambiguous"]["observed"] == f"observed: 2 reset without request context, no check-module line within {PROBE_WINDOW_S}s"


def test_any_check_line_in_the_log_is_no_longer_enough() -> None:
    """Before, one check-module line anywhere in the log made every reset a probe."""
    aggregator = counted([check(0, what="enable check peer")] + [reset(3600 * hour) for hour in range(1, 6)])
    assert resets(aggregator) == {NOT_PROBE: 5}
    assert aggregator.stats["health-check-probe"].count == 1  # the check line itself


def test_interleaved_peers_each_reset_is_tied_to_the_nearest_peer_checked() -> None:
    lines = [
        check(0, PEER_A),
        reset(1),
        *[check(8 + i % 3, PEER_B) for i in range(RING + 4)],  # more lines than a ring holds
        reset(11),
        check(20, PEER_A),
        reset(22),
        reset(30),
    ]
    assert resets(counted(lines)) == {probe(PEER_A): 2, probe(PEER_B): 1, NOT_PROBE: 1}


@pytest.mark.parametrize(("older", "newer", "expected"), [
    # error.log.1 ends with a reset whose check line opens error.log
    ([reset(-100), reset(-2)], [check(0, PEER_A), reset(30)], {probe(PEER_A): 1, NOT_PROBE: 2}),
    # error.log opens with a reset whose check line ends error.log.1
    ([reset(-100), check(-3, PEER_B)], [reset(0), reset(30)], {probe(PEER_B): 1, NOT_PROBE: 2}),
], ids=["older-reset-newer-check", "older-check-newer-reset"])
def test_rotated_files_in_any_order_and_concatenated_give_the_same_verdicts(older, newer, expected) -> None:
    """The check line of a reset at a rotation is in the other file, whichever is read first."""
    assert resets(counted(older, newer)) == expected
    assert resets(counted(newer, older)) == expected
    assert resets(counted(newer + older)) == expected  # `cat error.log error.log.1 | nglint explain -`
    assert resets(counted(older + newer)) == expected


def test_parallel_ranges_cut_anywhere_decide_as_one_pass(tmp_path: Path) -> None:
    lines = []
    for second in range(0, 4000, 2):
        if second % 14 == 0:
            lines.append(check(second, (PEER_A, PEER_B)[second % 28 == 0]))
        if second % 6 in (0, 2):
            lines.append(reset(second))
    log = tmp_path / "error.log"
    log.write_bytes(b"\n".join(lines) + b"\n")

    one = Aggregator()
    one.segment((0, 0))
    for block in Source(str(log)).blocks():
        one.feed(block)
    one.finish()
    many = Aggregator()
    source = Source(str(log))
    source.check()
    count_in_parallel(source, many, jobs=2, chunk=1500)
    many.finish()
    assert build(many, []) == build(one, [])
    found = resets(one)
    assert found[probe(PEER_A)] and found[probe(PEER_B)] and found[NOT_PROBE]


def test_memory_stays_bounded_on_a_long_log_of_resets() -> None:
    """A day of resets, one a second, no check line: undecided seconds never pile up."""
    window = ProbeWindow()
    window.segment((0, 0))
    most = 0
    for second in range(86400):
        window.reset((b"error", b"recv() failed", None, None, None, None, False), at(second).encode(), b"x", b"recv")
        most = max(most, len(window._pending) + len(window._open))
    window.finish()
    assert most <= 2 * (PROBE_WINDOW_S + 2)
    assert window.other.count == 86400 and window.probe.count == 0
