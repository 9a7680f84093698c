"""The error-log line parser: fields, collectors' prefixes, and real corpus logs read in place."""

from __future__ import annotations

from pathlib import Path

import pytest

from nglint.explain.aggregate import Aggregator
from nglint.explain.lines import parse_line
from nglint.explain.reading import Source

RACE = (
    b'2025/09/15 22:43:41 [error] 15288#23996: *19 upstream prematurely closed connection while reading response header '
    b'from upstream, client: 127.0.0.1, server: localhost, request: "POST /api/employee/login HTTP/1.1", '
    b'upstream: "http://[::1]:8080/admin/employee/login", host: "localhost", referrer: "http://localhost/"'
)


def test_all_fields_of_an_upstream_line() -> None:
    line = parse_line(RACE)
    assert line.time == b"2025/09/15 22:43:41"
    assert line.level == b"error"
    assert (line.pid, line.tid, line.connection) == (15288, 23996, 19)
    assert line.message == b"upstream prematurely closed connection while reading response header from upstream"
    assert line.what == b"upstream prematurely closed connection"
    assert line.action == b"reading response header from upstream"
    assert line.errno is None
    assert line.client == b"127.0.0.1"
    assert line.server == b"localhost"
    assert line.request == b"POST /api/employee/login HTTP/1.1"
    assert line.method == b"POST"
    assert line.upstream == b"http://[::1]:8080/admin/employee/login"
    assert line.upstream_address == b"http://[::1]:8080"
    assert line.host == b"localhost"
    assert line.raw == RACE


def test_errno_and_empty_server() -> None:
    line = parse_line(
        b'2016/05/05 03:42:22 [error] 5#5: *2 connect() failed (111: Connection refused) while connecting to upstream, '
        b'client: 121.108.31.100, server: , request: "GET / HTTP/1.1", upstream: "http://127.0.53.53:5000/", host: "153.121.33.54:8999"'
    )
    assert line.errno == 111 and line.server == b"" and line.host == b"153.121.33.54:8999"
    assert line.upstream_address == b"http://127.0.53.53:5000"


def test_line_without_connection_or_context() -> None:
    line = parse_line(b"2024/03/31 16:14:50 [notice] 50#50: start worker process 60")
    assert line.message == b"start worker process 60"
    assert line.connection is None and line.client is None and line.request is None


PREFIXES = [
    b"2026-11-30T10:00:01.123456789Z ",  # docker logs -t / kubectl logs --timestamps
    b"[pod/ingress-nginx-controller-7d9f8-abcde/controller] ",  # kubectl logs --prefix
    b"Nov 30 10:00:01 web-1 nginx[812]: ",  # journalctl
    b"2026-11-30T10:00:01+0000 web-1 nginx[812]: ",  # journalctl -o short-iso
    b"nginx-1  | ",  # docker compose logs
    b"[pod/x/controller] 2026-11-30T10:00:01.1Z ",  # both kubectl options
]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_collector_prefixes_are_skipped(prefix: bytes) -> None:
    line = parse_line(prefix + RACE)
    assert line is not None
    assert line.time == b"2025/09/15 22:43:41" and line.method == b"POST"
    assert line.raw == prefix + RACE  # the sample keeps the prefix: it is what the user has


def test_nginx_stderr_without_time() -> None:
    line = parse_line(b'nginx: [emerg] host not found in upstream "tomcat:8080" in /etc/nginx/nginx.conf:12')
    assert line.level == b"emerg" and line.time is None


@pytest.mark.parametrize("raw", [
    b"",
    b"PHP message: PHP Warning:  Undefined variable $x",
    b"I1130 10:00:01.000000       7 controller.go:190] Configuration changes detected",
    b'10.0.0.1 - - [30/Nov/2026:10:00:01 +0000] "GET / HTTP/1.1" 200 5',
    b"2026/11/30 10:00:01 [bogus] 1#1: x",
    b"2026/11/30 10:00:01 [error",
])
def test_not_an_error_log_line(raw: bytes) -> None:
    assert parse_line(raw) is None


def test_the_aggregator_counts_what_parse_line_sees() -> None:
    """The hot loop in aggregate.py inlines the head of parse_line: same fields, same counts."""
    lines = [RACE, RACE.replace(b"POST", b"GET"), b"nginx-1  | " + RACE, b"junk", b"",
             b"2024/03/31 16:14:50 [notice] 50#50: start worker process 60"]
    aggregator = Aggregator()
    aggregator.feed(lines)
    aggregator.finish()
    race = aggregator.stats["upstream-keepalive-race"]
    assert race.count == 3 and race.methods == {b"POST": 2, b"GET": 1}
    assert race.upstreams == {b"http://[::1]:8080": 3}
    assert aggregator.unparsed == 1 and aggregator.blank == 1 and aggregator.parsed == 4


# --- real logs, read in place -------------------------------------------------------------

def _corpus_logs(corpus: Path) -> list[Path]:
    return sorted(p for p in (corpus / "logs").rglob("*") if p.is_file())


def test_corpus_logs_never_crash_and_nginx_lines_parse(corpus: Path) -> None:
    logs = _corpus_logs(corpus)
    assert len(logs) >= 17 and any("more" in p.parts for p in logs)
    for path in logs:
        aggregator = Aggregator()
        for lines in Source(str(path)).blocks():
            aggregator.feed(lines)
        aggregator.finish()
        assert aggregator.lines == aggregator.parsed + aggregator.unparsed + aggregator.blank + aggregator.access.lines
        with open(path, "rb") as handle:
            stamped = sum(1 for raw in handle if raw[4:5] == b"/" and raw[19:21] == b" [")
        assert aggregator.parsed >= stamped, path  # every line that starts with nginx's timestamp parses


def _explain(path: Path) -> dict[str, int]:
    aggregator = Aggregator()
    for lines in Source(str(path)).blocks():
        aggregator.feed(lines)
    aggregator.finish()
    return {entry.cause: entry.count for entry in aggregator.stats.values()}


def test_corpus_refused_and_unreachable(corpus: Path) -> None:
    counts = _explain(corpus / "logs/8pockets__docker-nodejs/logs/nginx/error.log")
    assert counts["upstream-refused"] >= 4 and counts["no-route"] >= 4
    soa_log = corpus / "logs/Azat2202__SOA/nginx/logs/error.log"
    soa = _explain(soa_log)
    lines = soa_log.read_bytes().splitlines()
    assert soa["no-route"] == sum(1 for raw in lines if b"(113: Host is unreachable) while connecting to upstream" in raw) == 16
    assert soa["upstream-refused"] == sum(1 for raw in lines if b"(111: Connection refused) while connecting" in raw)


def test_corpus_windows_log(corpus: Path) -> None:
    """nginx on Windows: errno 10061 is a refusal; the POST that died before its header is a race candidate."""
    counts = _explain(corpus / "logs/2801201446__springboot-acwing-demo/nginx/logs/error.log")
    assert counts["upstream-refused"] == 19
    assert counts["upstream-keepalive-race"] == 1
    assert counts["upstream-timeout"] == 1
    node = _explain(corpus / "logs/6xiaoDi__nodejs-blog-simplify-server/nginx/logs/error.log")
    assert node["upstream-refused"] == 70 and node["no-live-upstreams"] == 22  # grep -c 10061; grep -c "no live"


def test_corpus_temporarily_disabled_and_no_live(corpus: Path) -> None:
    counts = _explain(corpus / "logs/Azerrroth__Dorm-selection-backend/nginx/logs/error.log")
    assert counts["no-live-upstreams"] >= 1 and counts["upstream-refused"] >= 1


def test_corpus_more_logs(corpus: Path) -> None:
    integrations = corpus / "logs/more/elastic__integrations/packages/nginx/data_stream/error/_dev/test/pipeline/test-error-raw.log"
    counts = _explain(integrations)
    assert counts == {"other": 5}  # open() failures, FastCGI stderr, a buffered response: no cause
    aggregator = Aggregator()
    for lines in Source(str(integrations)).blocks():
        aggregator.feed(lines)
    aggregator.finish()
    assert aggregator.unparsed == 2  # the FastCGI message's continuation lines
    limit = _explain(corpus / "logs/more/fail2ban__fail2ban/fail2ban/tests/files/logs/nginx-limit-req")
    assert set(limit) == {"other"}


def test_same_message_with_and_without_a_time() -> None:
    """nginx's stderr line and the logged line share a signature; times compare only where there are times."""
    aggregator = Aggregator()
    aggregator.feed([b"nginx: [emerg] foo", b"2026/11/30 10:00:01 [emerg] 1#1: foo", b"nginx: [emerg] foo"])
    aggregator.finish()
    (entry,) = aggregator.stats.values()
    assert (entry.count, entry.first, entry.last) == (3, b"2026/11/30 10:00:01", b"2026/11/30 10:00:01")
