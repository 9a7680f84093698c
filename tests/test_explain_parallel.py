"""Counting a log in worker processes, range by range, gives what one pass gives."""

from __future__ import annotations

import random
from pathlib import Path

from nglint.explain.aggregate import Aggregator
from nglint.explain.parallel import count_in_parallel, line_ranges
from nglint.explain.reading import Source
from nglint.explain.summary import build
from test_explain_causes import CASES


def _log(path: Path, lines: int = 3000) -> None:
    rng = random.Random(5)
    pool = [raw for _, raw in CASES] + [b"junk \xff", b"", b'10.0.0.1 - - [30/Nov/2026:10:00:01 +0000] "POST / HTTP/1.1" 502 5 "-" "-" 10.0.0.7:8080 502']
    out = []
    for index in range(lines):
        raw = rng.choice(pool)
        if raw.startswith(b"2026/11/30 10:00:01"):
            raw = b"2026/11/30 %02d:%02d:%02d" % (index // 3600 % 24, index // 60 % 60, index % 60) + raw[19:]
        out.append(raw)
    path.write_bytes(b"\n".join(out) + b"\n")


def _sequential(path: Path, **window) -> dict:
    aggregator = Aggregator(**window)
    for lines in Source(str(path)).blocks():
        aggregator.feed(lines)
    aggregator.finish()
    return build(aggregator, [])


def _parallel(path: Path, **window) -> dict:
    aggregator = Aggregator(**window)
    source = Source(str(path))
    source.check()
    count_in_parallel(source, aggregator, jobs=2, chunk=4096)
    aggregator.finish()
    return build(aggregator, [])


def test_ranges_cover_the_file_at_line_starts(tmp_path: Path) -> None:
    log = tmp_path / "error.log"
    _log(log)
    data = log.read_bytes()
    ranges = line_ranges(str(log), len(data), 4096)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(data) and len(ranges) > 10
    for (_, end), (start, _) in zip(ranges, ranges[1:]):
        assert end == start and data[start - 1:start] == b"\n"


def test_parallel_equals_one_pass(tmp_path: Path) -> None:
    log = tmp_path / "error.log"
    _log(log)
    one, many = _sequential(log), _parallel(log)
    assert one["lines"] == 3000 and one["causes"]
    assert many == one
    window = {"since": b"2026/11/30 00:10:00", "until": b"2026/11/30 00:30:00"}
    assert _parallel(log, **window) == _sequential(log, **window)


def test_counters_stay_bounded_on_endless_variety(tmp_path: Path) -> None:
    """Thousands of upstream addresses, servers and methods: counters stop at MAX_KEYS and
    the report still renders (an overflow bucket, not a crash or unbounded memory)."""
    from nglint.explain.aggregate import MAX_KEYS
    from nglint.explain.render import FORMATS, render

    lines = [
        b'2026/11/30 10:00:01 [error] 1#1: *1 connect() failed (111: Connection refused) while connecting to upstream, '
        b'client: 10.0.0.9, server: s%d, request: "M%s / HTTP/1.1", upstream: "http://10.%d.%d.1:%d/", host: "h%d"'
        % (i, bytes([65 + i % 26]) * (1 + i % 9), i // 250, i % 250, 1000 + i, i)
        for i in range(3 * MAX_KEYS)
    ]
    aggregator = Aggregator()
    aggregator.feed(lines)
    aggregator.finish()
    entry = aggregator.stats["upstream-refused"]
    for counter in (entry.upstreams, entry.servers, entry.hosts, entry.upstream_methods, entry.names_by_upstream):
        assert len(counter) <= MAX_KEYS + 1
    summary = build(aggregator, [])
    for fmt in FORMATS:
        assert render(summary, fmt)


def test_workers_stop_without_a_traceback_under_the_cli_signal_handlers(tmp_path: Path, capfd) -> None:
    """The CLI turns SIGTERM into an exception (nglint.interrupts); forked workers inherit
    that, and a pool stopping them must not make each print a traceback on stderr."""
    from nglint import interrupts

    log = tmp_path / "error.log"
    _log(log)
    previous = interrupts.install()
    try:
        _parallel(log)
    finally:
        interrupts.restore(previous)
    assert capfd.readouterr().err == ""
