"""Random lines never crash the parser or the counters, and the work per line does not grow with it.

Linear time is asserted on operation counts, not on the clock: the Python lines executed
while parsing one line (traced with sys.settrace) must not depend on the line's length,
so all length-dependent work is in single C-level scans (bytes.find, split, bounded
regex searches); and feeding k copies of a log must execute k times the lines of one.
"""

from __future__ import annotations

import functools
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from nglint.explain.aggregate import Aggregator
from nglint.explain.lines import encode_original, decode, parse_line

# Pieces of real lines, so random lines reach deep into the parser, not just its first test.
FRAGMENTS = [
    b"2026/11/30 10:00:01 ", b"[error] ", b"[info] ", b"31#31: ", b"*4711 ", b"recv() failed (104: Connection reset by peer)",
    b" while reading response header from upstream", b" while ", b", client: ", b", server: ", b', request: "',
    b"POST /api HTTP/1.1", b'", upstream: "', b"http://10.4.36.207:8080/x", b'", host: "', b'", referrer: "', b'"',
    b", subrequest: ", b"upstream prematurely closed connection", b"enable check peer: ", b"nginx: [emerg] ",
    b"(111: ", b"connect() failed ", b"fastcgi://", b"://", b"/", b" ", b",", b"\r", b"\xff", b"\x00", b"[", b"]",
    b'10.0.0.1 - - [30/Nov/2026:10:00:01 +0000] "GET / HTTP/1.1" 502 ', b"10.0.0.1:8080 ",
    b', client: 10.0.0.9, server: shop, request: "POST /a HTTP/1.1", upstream: "http://10.0.0.7:8080/a", host: "shop"',
    b', server: , request: "GET / HTTP/1.1", subrequest: "/auth", upstream: "fastcgi://unix:/x.sock:", host: "h", referrer: "r"',
]
lines = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.binary(max_size=12)), max_size=30).map(b"".join)
# Lines that start like nginx's, so the context fields are reached every time.
HEADS = [b"2026/11/30 10:00:01 [error] 31#31: *4711 ", b"2026/11/30 10:00:01 [info] 1#1: ", b"x | 2026/11/30 10:00:01 [warn] 2#2: *9 "]
error_lines = st.tuples(st.sampled_from(HEADS), lines, st.sampled_from([b", client: ", b""]), lines).map(b"".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(lines, error_lines), max_size=20))
def test_random_lines_never_crash_and_are_all_accounted_for(batch: list[bytes]) -> None:
    for raw in batch:
        line = parse_line(raw)
        if line is not None:
            assert line.raw == raw
            line.action, line.errno, line.method, line.upstream_address  # derived fields never raise
    aggregator = Aggregator()
    aggregator.feed(list(batch))
    aggregator.finish()
    accounted = aggregator.parsed + aggregator.unparsed + aggregator.blank + aggregator.access.lines
    assert accounted == aggregator.lines == len(batch)


@given(st.binary(max_size=200))
def test_decode_round_trips_any_bytes(raw: bytes) -> None:
    assert encode_original(decode(raw)) == raw


def _python_lines(function, *args) -> int:
    """Python lines executed in nglint.explain while running function(*args)."""
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        if not frame.f_globals.get("__name__", "").startswith("nglint.explain"):
            return None
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        function(*args)
    finally:
        sys.settrace(None)
    return count


@settings(max_examples=60, deadline=None)
@given(lines, st.sampled_from([b"a", b", client: ", b'", host: "', b"(104: ", b" while ", b"2026/11/30 10:00:01 [error] "]))
def test_parsing_work_does_not_grow_with_the_line(line: bytes, filler: bytes) -> None:
    """A line padded with a thousand copies of a marker costs the same Python steps as
    with ten: the markers are found by C scans, never looped over in Python."""
    short = line + filler * 10
    long = line + filler * 1000
    assert _python_lines(parse_line, long) <= _python_lines(parse_line, short) + 2


def test_feeding_k_copies_costs_k_times_one() -> None:
    log = [
        b'2026/11/30 10:00:01 [error] 1#1: *1 recv() failed (104: Connection reset by peer) while reading response header '
        b'from upstream, client: 10.0.0.9, server: shop, request: "POST /a HTTP/1.1", upstream: "http://10.0.0.7:8080/a", host: "shop"',
        b"2026/11/30 10:00:02 [info] 1#1: *2 client 10.0.0.9 closed keepalive connection",
        b"junk line",
        b'10.0.0.1 - - [30/Nov/2026:10:00:01 +0000] "GET / HTTP/1.1" 502 5 "-" "-" 10.0.0.7:8080 502',
    ]

    def feed(copies: int) -> None:
        aggregator = Aggregator()
        aggregator.feed(log * copies)

    one, many = _python_lines(feed, 100), _python_lines(feed, 1000)
    assert many <= 10 * one + 50  # linear: ten times the lines, at most ten times the steps
    assert many >= 9 * one  # and the per-line work is really counted (not a vacuous trace)


@settings(max_examples=400, deadline=None)
@given(error_lines)
def test_the_hot_loop_cuts_a_line_as_parse_line_does(raw: bytes) -> None:
    """aggregate.py's loop uses lines.where_to instead of building an ErrorLine; both
    must agree on every field of the signature a line is counted under."""
    from nglint.explain.lines import split_head, where_to

    line, head = parse_line(raw), split_head(raw)
    if line is None or head is None or line.client is None:
        return
    cut = raw.find(b", client: ", head[5])
    assert where_to(raw, cut, {}) == (line.server, line.method, line.upstream_address, line.host)


@functools.lru_cache(maxsize=1)
def _race_correlator():
    """samples/e2e-race loaded once for all examples (nginx + Tomcat, upstream `tomcat`)."""
    from conftest import PROJECT_ROOT
    from nglint.explain.correlate import load

    correlator, _ = load([str(PROJECT_ROOT / "samples" / "e2e-race")], str(PROJECT_ROOT))
    return correlator


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), st.sampled_from(["http://[::1", "http://a:99999", "fastcgi://unix:/x.sock:",
                                                         "http://[::1]:8087", "http://tomcat", "https://10.77.7.2"])),
       st.lists(st.text(max_size=10), max_size=3))
def test_any_logged_upstream_address_matches_or_says_why(address: str, names: list[str]) -> None:
    match = _race_correlator().match(address, names)
    assert match.upstream is not None or match.site is not None or match.how
    if address == "http://tomcat":
        assert match.upstream.name == "tomcat"


PREFIXES = [b"", b"2026-11-30T10:00:01.5Z stderr F ", b"nginx-1  | ", b"Nov 30 10:00:01 host nginx[9]: ", b"a [b] [", b" [x [", b"9999/99/99 99:99:99 [X] "]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(PREFIXES), st.one_of(lines, error_lines))
def test_nginx_start_is_where_the_first_timestamp_begins(prefix: bytes, rest: bytes) -> None:
    """The find-then-anchored-match shortcut gives the regex search's answer."""
    from nglint.explain.lines import _PREFIXED, PREFIX_LIMIT, nginx_start

    raw = prefix + rest
    if raw[4:5] == b"/" and raw[19:21] == b" [":
        expected = 0  # the common shape is taken as it stands, as split_head always did
    else:
        match = _PREFIXED.search(raw, 0, PREFIX_LIMIT)
        expected = -1 if match is None else match.start()
    assert nginx_start(raw) == expected


@settings(max_examples=150, deadline=None)
@given(st.lists(error_lines, min_size=1, max_size=12), st.sampled_from(PREFIXES[1:4]))
def test_a_collector_prefix_changes_no_count(batch: list[bytes], prefix: bytes) -> None:
    """kubectl/compose/journald prefixes take the hot loop too, and count as the bare lines."""
    from nglint.explain.summary import build

    def report(lines: list[bytes]) -> dict:
        aggregator = Aggregator()
        aggregator.feed(lines)
        aggregator.finish()
        summary = build(aggregator, [])
        for cause in summary["causes"]:
            cause.pop("samples")
        summary.pop("unparsed_samples")
        return summary

    assert report([prefix + raw for raw in batch]) == report(batch)
