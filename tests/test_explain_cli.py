"""`nglint explain` through the real CLI: inputs, formats, exit codes, correlation with a project."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT, write_tree

RACE_SAMPLE = PROJECT_ROOT / "samples" / "e2e-race"
RACE_POST = (
    b'2026/11/30 10:00:01 [error] 812#812: *101 upstream prematurely closed connection while reading response header '
    b'from upstream, client: 127.0.0.1, server: , request: "POST /pong.txt HTTP/1.1", '
    b'upstream: "http://10.77.7.2:8087/pong.txt", host: "127.0.0.1:8088"\n'
)
RACE_GET = (
    b'2026/11/30 10:00:03 [error] 812#812: *103 recv() failed (104: Connection reset by peer) while reading response '
    b'header from upstream, client: 127.0.0.1, server: , request: "GET /pong.txt HTTP/1.1", '
    b'upstream: "http://10.77.7.2:8087/pong.txt", host: "127.0.0.1:8088"\n'
)
CLIENT_GONE = b"2026/11/30 10:00:05 [info] 812#812: *104 client 127.0.0.1 closed keepalive connection\n"


def explain(*args: str, cwd: Path | None = None, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "FORCE_COLOR"}
    return subprocess.run([sys.executable, "-m", "nglint", "explain", *args], cwd=cwd, env=env, input=stdin,
                          capture_output=True, timeout=120)


def as_json(done: subprocess.CompletedProcess) -> dict:
    assert done.returncode in (0, 1), done.stderr.decode()
    return json.loads(done.stdout)


def causes(report: dict) -> dict[str, int]:
    return {cause["id"]: cause["count"] for cause in report["causes"]}


@pytest.fixture
def race_project(tmp_path: Path) -> Path:
    shutil.copytree(RACE_SAMPLE, tmp_path / "stack")
    (tmp_path / "error.log").write_bytes(RACE_POST + RACE_GET + CLIENT_GONE)
    return tmp_path


def test_race_lines_matched_to_ka001_on_the_upstream(race_project: Path) -> None:
    done = explain("error.log", "--config-path", "stack", cwd=race_project)
    assert done.returncode == 1, done.stderr.decode()
    out = done.stdout.decode()
    assert ("2 lines, 1 on POST, all on upstream `tomcat` at stack/nginx/nginx.conf:25 (matched by server 10.77.7.2:8087 "
            "in the upstream block): this is KA001 at stack/nginx/nginx.conf:27 (nginx 60s, Tomcat HTTP Connector port "
            "8087 2s at stack/tomcat/conf/server.xml:18): set keepalive_timeout 1s") in out


def test_json_names_the_finding_with_the_fingerprint_sarif_reports(race_project: Path) -> None:
    report = as_json(explain("error.log", "--config-path", "stack", "--format", "json", cwd=race_project))
    race = next(c for c in report["causes"] if c["id"] == "upstream-keepalive-race")
    assert race["count"] == 2 and race["methods"] == {"GET": 1, "POST": 1}
    assert race["upstreams"][0]["upstream"] == "tomcat" and race["upstreams"][0]["pooled"] is True
    (finding,) = race["findings"]
    assert finding["id"] == "KA001:stack/nginx/nginx.conf:27"
    sarif = subprocess.run([sys.executable, "-m", "nglint", "check", "stack", "--format", "sarif"], cwd=race_project,
                           capture_output=True, text=True, timeout=120)
    result = json.loads(sarif.stdout)["runs"][0]["results"][0]
    assert result["ruleId"] == "KA001"
    assert finding["fingerprint"] == result["partialFingerprints"]["primaryLocationLineHash"]
    assert race["samples"][0] == RACE_POST.decode().rstrip("\n")
    assert report["exit_code"] == 1


def test_markdown_for_a_ticket(race_project: Path) -> None:
    done = explain("error.log", "--config-path", "stack", "--format", "markdown", cwd=race_project)
    out = done.stdout.decode()
    assert out.startswith("# nglint explain")
    assert "| `upstream-keepalive-race` | 2 | 66.7% |" in out
    assert "## `upstream-keepalive-race`" in out and "| KA001 | `stack/nginx/nginx.conf:27` |" in out
    assert "```text\n" + RACE_POST.decode() in out


def test_no_pool_rules_the_race_out(tmp_path: Path) -> None:
    write_tree(tmp_path, {"nginx.conf": """
        events {}
        http {
            upstream app { server 10.77.7.2:8087; }
            server { listen 80; location / { proxy_pass http://app; } }
        }
    """})
    (tmp_path / "error.log").write_bytes(RACE_POST)
    done = explain("error.log", "--config-path", "nginx.conf", cwd=tmp_path)
    assert done.returncode == 0, done.stdout.decode()
    assert "this upstream keeps no idle connections, so nginx never reuses one: not a keep-alive race" in done.stdout.decode()


def test_port_only_match_across_two_stacks_is_ambiguous(tmp_path: Path) -> None:
    conf = """
        events {}
        http {
            upstream %s { server %s:8087; keepalive 8; keepalive_timeout 1s; }
            server { listen 80; server_name %s; location / { proxy_pass http://%s; proxy_http_version 1.1; proxy_set_header Connection ""; } }
        }
    """
    write_tree(tmp_path, {"a/nginx.conf": conf % ("shop", "shop-api", "shop.example", "shop"),
                          "b/nginx.conf": conf % ("blog", "blog-api", "blog.example", "blog")})
    (tmp_path / "error.log").write_bytes(RACE_POST)
    report = as_json(explain("error.log", "--config-path", "a", "--config-path", "b", "--format", "json", cwd=tmp_path))
    row = report["causes"][0]["upstreams"][0]
    assert row["upstream"] is None and "ambiguous" in row["how"] and len(row["candidates"]) == 2
    # The Host header names the server block, which narrows the port to one upstream.
    named = RACE_POST.replace(b'host: "127.0.0.1:8088"', b'host: "blog.example"')
    (tmp_path / "error.log").write_bytes(named)
    report = as_json(explain("error.log", "--config-path", "a", "--config-path", "b", "--format", "json", cwd=tmp_path))
    assert report["causes"][0]["upstreams"][0]["upstream"] == "blog"


def test_health_check_resets_point_at_hc001(tmp_path: Path) -> None:
    write_tree(tmp_path, {"nginx.conf": """
        events {}
        http {
            upstream app { server 10.0.0.7:80; check interval=3000 rise=2 fall=5 timeout=1000; }
            server { listen 80; location / { proxy_pass http://app; } }
        }
    """})
    (tmp_path / "error.log").write_bytes(
        b"2026/11/30 10:00:01 [error] 9#9: enable check peer: 10.0.0.7:80 \n"
        + b"2026/11/30 10:00:04 [error] 9#9: recv() failed (104: Connection reset by peer)\n" * 3
    )
    done = explain("error.log", "--config-path", "nginx.conf", "--format", "json", cwd=tmp_path)
    report = as_json(done)
    assert causes(report) == {"health-check-probe": 4}
    assert [f["rule"] for f in report["causes"][0]["findings"]] == ["HC001"]
    assert done.returncode == 1


def test_client_side_only_exits_0_and_says_what_it_could_not_see(tmp_path: Path) -> None:
    (tmp_path / "error.log").write_bytes(CLIENT_GONE * 3)
    done = explain("error.log", "--no-config", cwd=tmp_path)
    assert done.returncode == 0
    assert "not correlated with a configuration: --no-config" in done.stdout.decode()


def test_stdin_gzip_and_rotated_files(tmp_path: Path) -> None:
    (tmp_path / "error.log.1").write_bytes(RACE_POST)
    with gzip.open(tmp_path / "error.log.2.gz", "wb") as handle:
        handle.write(RACE_GET * 2)
    report = as_json(explain("error.log.1", "error.log.2.gz", "-", "--no-config", "--format", "json", cwd=tmp_path,
                             stdin=CLIENT_GONE))
    assert causes(report) == {"upstream-keepalive-race": 3, "client-aborted": 1}
    assert [i["name"] for i in report["inputs"]] == ["error.log.1", "error.log.2.gz", "<stdin>"]
    assert [i["lines"] for i in report["inputs"]] == [1, 2, 1]
    piped = as_json(explain("-", "--no-config", "--format", "json", cwd=tmp_path, stdin=gzip.compress(RACE_GET * 3)))
    assert causes(piped) == {"upstream-keepalive-race": 3}  # `cat error.log.2.gz | nglint explain -`


def test_since_and_until(tmp_path: Path) -> None:
    (tmp_path / "error.log").write_bytes(RACE_POST + RACE_GET + CLIENT_GONE)
    report = as_json(explain("error.log", "--no-config", "--format", "json", "--since", "2026-11-30T10:00:02",
                             "--until", "2026-11-30 10:00:04", cwd=tmp_path))
    assert causes(report) == {"upstream-keepalive-race": 1} and report["outside_window"] == 2
    day = as_json(explain("error.log", "--no-config", "--format", "json", "--until", "2026-11-29", cwd=tmp_path))
    assert causes(day) == {} and day["outside_window"] == 3


def test_invalid_utf8_kept_byte_for_byte(tmp_path: Path) -> None:
    odd = RACE_POST.replace(b"/pong.txt HTTP", b"/caf\xe9\xff.txt HTTP")
    (tmp_path / "error.log").write_bytes(odd + b"\xfe\xfe not a log line \xc3\n")
    done = explain("error.log", "--no-config", cwd=tmp_path)
    assert odd.rstrip(b"\n") in done.stdout  # text output: the line as written
    assert b"\xfe\xfe not a log line \xc3" in done.stdout
    report = as_json(explain("error.log", "--no-config", "--format", "json", cwd=tmp_path))
    sample = report["causes"][0]["samples"][0]
    assert sample.encode("utf-8", "surrogateescape") == odd.rstrip(b"\n")
    assert report["unparsed"] == 1


def test_crlf_log_from_windows(tmp_path: Path) -> None:
    (tmp_path / "error.log").write_bytes(RACE_POST.replace(b"\n", b"\r\n") * 2)
    report = as_json(explain("error.log", "--no-config", "--format", "json", cwd=tmp_path))
    assert report["causes"][0]["hosts"] == [{"name": "127.0.0.1:8088", "lines": 2}]


@pytest.mark.parametrize("args, message", [
    (["missing.log"], "missing.log"),
    (["."], "is a directory"),
    (["error.log", "--since", "yesterday"], "invalid time"),
    (["error.log", "--until", "2026-02-30"], "invalid time"),
    (["error.log", "--config-path", "nowhere"], "--config-path nowhere"),
    (["-", "-"], "more than once"),
])
def test_unusable_input_exits_2(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "error.log").write_bytes(RACE_POST)
    done = explain(*args, cwd=tmp_path, stdin=b"")
    assert done.returncode == 2
    assert message in done.stderr.decode() and done.stdout == b""


def test_unreadable_file_exits_2(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    log = tmp_path / "error.log"
    log.write_bytes(RACE_POST)
    log.chmod(0)
    assert explain("error.log", cwd=tmp_path).returncode == 2


def test_the_cli_imports_explain_only_to_run_it() -> None:
    """`nglint check` (a pre-commit hook) builds the same parser: explain costs it nothing."""
    code = ("import sys, nglint.cli; nglint.cli.build_parser().parse_args(['explain', 'x.log']); "
            "print(sorted({m for m in sys.modules if m.startswith('nglint.explain') or m == 'json'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr


def test_access_log_lines_add_evidence(tmp_path: Path) -> None:
    """kubectl logs of ingress-nginx interleave access and error lines; the access format's
    $upstream_addr and $upstream_status are read by position."""
    access = (
        b'10.0.0.1 - - [30/Nov/2026:10:00:01 +0000] "POST /pong.txt HTTP/1.1" 502 157 "-" "curl/8.5" 312 0.002 '
        b"[default-tomcat-8087] [] 10.77.7.2:8087 0 0.002 502 4f9c2c7d2f0b4e8a9a1b2c3d4e5f6a7b\n"
    )
    ok = access.replace(b'" 502 157', b'" 200 5').replace(b" 502 4f9c", b" 200 4f9c")
    (tmp_path / "mixed.log").write_bytes(access * 2 + ok + RACE_POST)
    report = as_json(explain("mixed.log", "--no-config", "--format", "json", cwd=tmp_path))
    evidence = report["access_log"]
    assert evidence["lines"] == 3 and evidence["with_upstream_addr"] == 3
    assert evidence["statuses"] == {"502": {"count": 2, "methods": {"POST": 2}, "upstreams": {"10.77.7.2:8087": 2},
                                            "upstream_statuses": {"502": 2}}}
    assert causes(report) == {"upstream-keepalive-race": 1} and report["unparsed"] == 0


def test_progress_only_on_a_terminal_for_large_inputs(tmp_path: Path) -> None:
    """A 70 MB input (sparse: one line, then NUL bytes without a line break) shows progress on a
    terminal's stderr, and nothing when stderr is a pipe."""
    import pty

    big = tmp_path / "big.log"
    with open(big, "wb") as handle:
        handle.truncate(70 * 1024 * 1024)
        handle.seek(0)
        handle.write(RACE_POST)
    master, slave = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "nglint", "explain", str(big), "--no-config", "--format", "json"],
                              stdout=subprocess.PIPE, stderr=slave, timeout=300)
        os.close(slave)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(master)
    assert done.returncode == 1  # the race line
    assert b"MB read" in seen
    report = json.loads(done.stdout)
    assert causes(report) == {"upstream-keepalive-race": 1} and report["overlong"] == 1  # one 70 MB line, cut
    piped = explain(str(big), "--no-config", cwd=tmp_path)
    assert b"MB read" not in piped.stderr


def test_cli_formats_are_the_reporters() -> None:
    from nglint.commands.explain import FORMATS as EXPLAIN_FORMATS
    from nglint.explain.render import FORMATS

    assert EXPLAIN_FORMATS == FORMATS


def test_race_ambiguity_reads_the_access_log(tmp_path: Path) -> None:
    """Race lines for GET and POST, and an access log where only the POST became a 502:
    what a race looks like (nginx retried the GET)."""
    access = (b'127.0.0.1 - - [30/Nov/2026:10:00:01 +0000] "POST /pong.txt HTTP/1.1" 502 157 "-" "curl" '
              b"upstream_addr=10.77.7.2:8087 upstream_status=502\n")
    ok = access.replace(b"POST", b"GET").replace(b" 502 157", b" 200 5").replace(b"upstream_status=502", b"upstream_status=502, 200")
    (tmp_path / "error.log").write_bytes(RACE_POST + RACE_GET)
    (tmp_path / "access.log").write_bytes(access + ok)
    alone = as_json(explain("error.log", "--no-config", "--format", "json", cwd=tmp_path))
    assert "add the access log" in alone["causes"][0]["ambiguous"]["observed"]
    both = as_json(explain("error.log", "access.log", "--no-config", "--format", "json", cwd=tmp_path))
    observed = both["causes"][0]["ambiguous"]["observed"]
    assert "1 non-idempotent (POST, PATCH...) and 1 idempotent" in observed
    assert "the access log has 1 non-idempotent and 0 idempotent 502(s): consistent with a race" in observed
