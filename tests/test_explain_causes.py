"""Every cause id, from written lines in nginx's own wording, and every action suffix."""

from __future__ import annotations

import pytest

from nglint.explain.aggregate import Aggregator
from nglint.explain.causes import BY_ID, CAUSES, classify
from nglint.explain.lines import parse_line

T = "2026/11/30 10:00:01"
CTX = ', client: 10.0.0.9, server: shop, request: "{method} /api HTTP/1.1", upstream: "{upstream}/api", host: "shop"'


def line(message: str, level: str = "error", method: str = "POST", upstream: str | None = "http://10.4.36.207:8080") -> bytes:
    text = f"{T} [{level}] 31#31: *4711 {message}"
    if upstream is not None:
        text += CTX.format(method=method, upstream=upstream)
    elif method:
        text += f', client: 10.0.0.9, server: shop, request: "{method} / HTTP/1.1", host: "shop"'
    return text.encode()


def cause_of(raw: bytes) -> str:
    aggregator = Aggregator()
    aggregator.feed([raw])
    aggregator.finish()
    (entry,) = aggregator.stats.values()
    return entry.cause


CASES = [
    # upstream-keepalive-race: reset or premature close before the response header, or while sending the request
    ("upstream-keepalive-race", line("recv() failed (104: Connection reset by peer) while reading response header from upstream")),
    ("upstream-keepalive-race", line("upstream prematurely closed connection while reading response header from upstream")),
    ("upstream-keepalive-race", line("writev() failed (32: Broken pipe) while sending request to upstream")),
    ("upstream-keepalive-race", line("writev() failed (104: Connection reset by peer) while sending request to upstream")),
    ("upstream-keepalive-race", line("WSARecv() failed (10054: An existing connection was forcibly closed by the remote host) "
                                     "while reading response header from upstream")),
    # upstream-died-mid-response
    ("upstream-died-mid-response", line("upstream prematurely closed connection while reading upstream")),
    ("upstream-died-mid-response", line("recv() failed (104: Connection reset by peer) while reading upstream")),
    # client-aborted
    ("client-aborted", line("writev() failed (32: Broken pipe) while sending to client", level="info")),
    ("client-aborted", line("recv() failed (104: Connection reset by peer) while sending to client", level="info")),
    ("client-aborted", line("client prematurely closed connection while reading upstream", level="info")),
    ("client-aborted", line("client prematurely closed connection while sending request to upstream", level="info")),
    ("client-aborted", line("epoll_wait() reported that client prematurely closed connection, so upstream connection is "
                            "closed too while sending request to upstream", level="info")),
    ("client-aborted", line("client 10.0.0.9 closed keepalive connection", level="info", upstream=None, method="")),
    ("client-aborted", line("client 10.0.0.9 closed keepalive connection (104: Connection reset by peer)", level="info",
                            upstream=None, method="")),
    ("other", line("client sent invalid request while reading client request line", level="info", upstream=None)),
    ("client-aborted", line("recv() failed (104: Connection reset by peer) while reading client request line", level="info", upstream=None)),
    ("client-aborted", line("client timed out (110: Connection timed out) while waiting for request", level="info", upstream=None)),
    # websocket-closed
    ("websocket-closed", line("recv() failed (104: Connection reset by peer) while proxying upgraded connection", method="GET")),
    ("websocket-closed", line("upstream timed out (110: Connection timed out) while proxying upgraded connection", method="GET")),
    # health-check-probe: the check module's own lines
    ("health-check-probe", f"{T} [error] 31#31: enable check peer: 10.4.36.207:8080 ".encode()),
    ("health-check-probe", f"{T} [error] 31#31: disable check peer: 10.4.36.207:8080 ".encode()),
    ("health-check-probe", f"{T} [error] 31#31: check time out with peer: 10.4.36.207:8080 ".encode()),
    # upstream-refused
    ("upstream-refused", line("connect() failed (111: Connection refused) while connecting to upstream")),
    ("upstream-refused", line("connect() failed (10061: No connection could be made because the target machine actively "
                              "refused it) while connecting to upstream")),
    ("upstream-refused", line("connect() to unix:/run/php/php-fpm.sock failed (2: No such file or directory) while "
                              "connecting to upstream", upstream="fastcgi://unix:/run/php/php-fpm.sock:")),
    # upstream-timeout
    ("upstream-timeout", line("upstream timed out (110: Connection timed out) while connecting to upstream")),
    ("upstream-timeout", line("upstream timed out (110: Connection timed out) while reading response header from upstream")),
    ("upstream-timeout", line("upstream timed out (110: Connection timed out) while reading upstream")),
    ("upstream-timeout", line("upstream timed out (110: Connection timed out) while sending request to upstream")),
    # no-live-upstreams
    ("no-live-upstreams", line("no live upstreams while connecting to upstream", upstream="http://tomcat_app")),
    ("no-live-upstreams", line("upstream server temporarily disabled while connecting to upstream", level="warn")),
    # upstream-header-too-big
    ("upstream-header-too-big", line("upstream sent too big header while reading response header from upstream")),
    # client-body-too-large
    ("client-body-too-large", line("client intended to send too large body: 10485761 bytes", upstream=None)),
    # upstream-tls
    ("upstream-tls", line("SSL_do_handshake() failed (SSL: error:0A000410:SSL routines::sslv3 alert handshake failure:"
                          "SSL alert number 40) while SSL handshaking to upstream", upstream="https://10.4.36.207:8443")),
    ("upstream-tls", line("upstream SSL certificate verify error: (20:unable to get local issuer certificate) while SSL "
                          "handshaking to upstream", upstream="https://10.4.36.207:8443")),
    ("upstream-timeout", line("upstream timed out (110: Connection timed out) while SSL handshaking to upstream",
                              upstream="https://10.4.36.207:8443")),
    ("upstream-tls", line("peer closed connection in SSL handshake (104: Connection reset by peer) while SSL "
                          "handshaking to upstream", upstream="https://10.4.36.207:8443")),
    # no-route
    ("no-route", line("connect() failed (113: Host is unreachable) while connecting to upstream")),
    ("no-route", line("connect() failed (113: No route to host) while connecting to upstream")),
    ("no-route", line("connect() failed (101: Network is unreachable) while connecting to upstream")),
    # fastcgi-died
    ("fastcgi-died", line("upstream prematurely closed FastCGI stdout while reading response header from upstream",
                          upstream="fastcgi://unix:/run/php/php-fpm.sock:")),
    ("fastcgi-died", line("recv() failed (104: Connection reset by peer) while reading response header from upstream",
                          upstream="fastcgi://127.0.0.1:9000")),
    # other
    ("other", line('open() "/usr/share/nginx/html/favicon.ico" failed (2: No such file or directory)', upstream=None)),
    ("other", f"{T} [notice] 1#1: signal process started".encode()),
    ("other", line("upstream prematurely closed connection while sending to client")),  # not the client's doing
    # quoted data is not nginx's words: paths and application output cannot fake a cause
    ("other", line('open() "/srv/recv() failed (104: x) while reading upstream" failed (2: No such file or directory)', upstream=None)),
    ("other", line('FastCGI sent in stderr: "upstream prematurely closed FastCGI stdout; connect() failed (111: refused)" '
                   "while reading response header from upstream", upstream="fastcgi://127.0.0.1:9000")),
    ("other", line("an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/1/00/0000000001 "
                   "while reading upstream", level="warn")),
]


@pytest.mark.parametrize("expected, raw", CASES, ids=[f"{c}-{i}" for i, (c, _) in enumerate(CASES)])
def test_written_line_gets_its_cause(expected: str, raw: bytes) -> None:
    assert cause_of(raw) == expected, raw


def test_every_cause_has_a_written_case() -> None:
    assert {cause for cause, _ in CASES} == set(BY_ID)


# Every action ("while ...") nginx's HTTP upstream and request code logs, with the cause
# a reset (104) gets there. Request context present.
SUFFIXES = {
    "reading response header from upstream": "upstream-keepalive-race",
    "sending request to upstream": "upstream-keepalive-race",
    "reading upstream": "upstream-died-mid-response",
    "connecting to upstream": "other",  # 104 on connect() is not a refusal; 111 is (above)
    "proxying upgraded connection": "websocket-closed",
    "sending to client": "client-aborted",
    "reading client request line": "client-aborted",
    "reading client request headers": "client-aborted",
    "reading client request body": "client-aborted",
    "waiting for request": "client-aborted",
    "sending response to client": "client-aborted",
    "SSL handshaking": "other",
}


@pytest.mark.parametrize("action", sorted(SUFFIXES))
def test_every_action_suffix(action: str) -> None:
    raw = line(f"recv() failed (104: Connection reset by peer) while {action}")
    assert cause_of(raw) == SUFFIXES[action]
    parsed = parse_line(raw)
    assert parsed.action == action.encode()
    assert parsed.errno == 104


def test_race_lines_name_the_other_cause_they_could_be() -> None:
    verdict = classify(b"upstream prematurely closed connection while reading response header from upstream", True)
    assert verdict.cause == "upstream-keepalive-race"
    assert verdict.ambiguous_with == "upstream-died-mid-response"
    assert "idle gap" in BY_ID[verdict.cause].deciding_evidence and "POST" in BY_ID[verdict.cause].deciding_evidence


def test_reset_without_request_context_is_a_probe_only_next_to_check_lines() -> None:
    reset = f"{T} [error] 31#31: recv() failed (104: Connection reset by peer)".encode()
    alone = Aggregator()
    alone.feed([reset, reset])
    alone.finish()
    assert {e.cause: e.count for e in alone.stats.values()} == {"other": 2}
    assert alone.stats["other"].ambiguous == {"health-check-probe": 2}

    with_checks = Aggregator()
    with_checks.feed([reset, f"{T} [error] 31#31: disable check peer: 10.0.0.7:80 ".encode(), reset])
    with_checks.finish()
    assert {e.cause: e.count for e in with_checks.stats.values()} == {"health-check-probe": 3}


def test_every_cause_is_documented_like_a_rule() -> None:
    for cause in CAUSES:
        assert cause.id == cause.id.lower() and " " not in cause.id
        assert cause.title and cause.meaning and cause.confidence and cause.action
        assert cause.examples, cause.id
        assert cause.reference.startswith("https://"), cause.id
        for rule in cause.related_rules:
            from nglint.registry import rule_by_code

            assert rule_by_code(rule) is not None, (cause.id, rule)
        for other in cause.ambiguous_with:
            assert other in BY_ID
        if cause.ambiguous_with:
            assert cause.deciding_evidence, cause.id


def test_cause_ids_are_the_fixed_list() -> None:
    assert [c.id for c in CAUSES] == [
        "upstream-keepalive-race", "upstream-died-mid-response", "client-aborted", "websocket-closed",
        "health-check-probe", "upstream-refused", "upstream-timeout", "no-live-upstreams", "upstream-header-too-big",
        "client-body-too-large", "upstream-tls", "no-route", "fastcgi-died", "other",
    ]


@pytest.mark.parametrize("cause", [c for c in CAUSES if c.id != "other"], ids=lambda c: c.id)
def test_documented_examples_classify_as_their_cause(cause) -> None:
    for example in cause.examples:
        if cause.id == "health-check-probe" and example.startswith("recv()"):
            continue  # a probe only next to check lines (tested above)
        upstream = "fastcgi://127.0.0.1:9000" if cause.id == "fastcgi-died" else "http://10.4.36.207:8080"
        level = "info" if cause.id == "client-aborted" else "error"
        raw = line(example, level=level, upstream=None if "closed keepalive" in example else upstream)
        if cause.id == "health-check-probe":
            raw = f"{T} [error] 31#31: {example}".encode()
        assert cause_of(raw) == cause.id, example
