"""`nglint check --stdin-filename PATH -`: standard input linted as PATH, in PATH's project.

What an editor integration needs: the unsaved buffer is linted with the server.xml and
includes around it, findings are reported under PATH, and nothing is written to disk.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import run_cli, write_tree

TOMCAT = '<Server><Service name="C">\n<Connector port="8080" protocol="HTTP/1.1" connectionTimeout="20000"/>\n</Service></Server>\n'
NGINX = (
    "events {}\nhttp {\n    upstream app {\n        server 127.0.0.1:8080;\n        keepalive 16;\n"
    "        keepalive_timeout 10s;\n    }\n    server {\n        listen 80;\n        location / {\n"
    '            proxy_pass http://app;\n            proxy_http_version 1.1;\n            proxy_set_header Connection "";\n'
    "        }\n    }\n}\n"
)
RACY = NGINX.replace("keepalive_timeout 10s;", "keepalive_timeout 75s;")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_tree(tmp_path, {".nglint.toml": "", "nginx/nginx.conf": NGINX, "tomcat/conf/server.xml": TOMCAT})
    return tmp_path


def _stdin(project: Path, name: str, content: str | bytes, *args: str):
    import subprocess
    import sys

    data = content.encode() if isinstance(content, str) else content
    return subprocess.run([sys.executable, "-m", "nglint", "check", "--stdin-filename", name, "-", *args],
                          cwd=project, input=data, capture_output=True, timeout=120)


def _findings(result) -> list[tuple[str, str, int]]:
    return [(f["rule"], f["path"], f["line"]) for f in json.loads(result.stdout)["findings"]]


def test_stdin_replaces_the_file_and_nothing_is_written(project: Path) -> None:
    conf = project / "nginx" / "nginx.conf"
    before = (conf.read_bytes(), os.stat(conf).st_mtime_ns)
    assert run_cli("check", ".", cwd=project).returncode == 0  # the file on disk is clean
    result = _stdin(project, "nginx/nginx.conf", RACY, "--format", "json")
    assert result.returncode == 1, result.stderr
    assert _findings(result) == [("KA001", "nginx/nginx.conf", 6)]
    related = json.loads(result.stdout)["findings"][0]["related"][0]
    assert related["path"] == "tomcat/conf/server.xml"  # the project around it was loaded
    assert (conf.read_bytes(), os.stat(conf).st_mtime_ns) == before
    assert {p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()} == {
        ".nglint.toml", "nginx/nginx.conf", "tomcat/conf/server.xml"}


def test_same_content_same_findings_as_the_file(project: Path) -> None:
    (project / "nginx" / "nginx.conf").write_text(RACY)
    from_disk = run_cli("check", "--changed", "nginx/nginx.conf", "--format", "json", cwd=project)
    from_stdin = _stdin(project, "nginx/nginx.conf", RACY, "--format", "json")
    assert json.loads(from_stdin.stdout) == json.loads(from_disk.stdout)


def test_server_xml_from_stdin(project: Path) -> None:
    (project / "nginx" / "nginx.conf").write_text(RACY)
    longer = TOMCAT.replace('connectionTimeout="20000"', 'connectionTimeout="120000"')
    result = _stdin(project, "tomcat/conf/server.xml", longer, "--format", "json")
    assert result.returncode == 0 and _findings(result) == [], result.stdout


def test_broken_text_goes_through_crossplane_and_is_reported_under_the_name(project: Path) -> None:
    result = _stdin(project, "nginx/nginx.conf", b"http {\n  upstream x {\n  \xff\xfe server 1.2.3.4;\n", "--format", "json")
    assert result.returncode == 1 and b"Traceback" not in result.stderr
    assert [(rule, path) for rule, path, _ in _findings(result)] == [("P001", "nginx/nginx.conf")]


def test_suppression_comment_in_stdin_is_honoured(project: Path) -> None:
    suppressed = RACY.replace("keepalive_timeout 75s;", "keepalive_timeout 75s;  # nglint: disable=KA001 known")
    result = _stdin(project, "nginx/nginx.conf", suppressed, "--format", "json")
    assert result.returncode == 0 and json.loads(result.stdout)["summary"]["suppressed"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "-"], "needs --stdin-filename"),
        (["check", "--stdin-filename", "nginx/missing.conf", "-"], "no such file"),
        (["check", "--stdin-filename", "nginx/nginx.conf", "--fix", "-"], "cannot be combined"),
        (["check", "--stdin-filename", "nginx/nginx.conf", "tomcat"], "not other paths"),
    ],
)
def test_unusable_stdin_invocations_exit_2(project: Path, args: list[str], message: str) -> None:
    result = run_cli(*args, cwd=project, input="")
    assert result.returncode == 2 and message in result.stderr
    assert (project / "nginx" / "nginx.conf").read_text() == NGINX
