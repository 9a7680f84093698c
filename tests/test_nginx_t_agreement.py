"""nglint's P001 agrees with real `nginx -t` on valid and broken configs.

tests/data/nginx_t/<case>/ holds one config each (nginx.conf, sometimes with an included
sub.conf), written from nginx's documented grammar: nginx's tokenizer rules (a statement
ended by `}`, a character after a closing quote, `;` or `{` as a directive name, `}`
inside a word, too long words), and what the directive table decides (block or not,
argument counts, contexts, on/off values, forms newer than the nginx in use), in http and
in stream (loaded from Debian's libnginx-mod-stream).
expected.json records what Debian's nginx 1.22.1 printed for each.

Each case runs through the real nginx binary (with its own prefix, so nothing under
/etc is read) and through nglint with `nginx-version` set to that binary's version: both
must agree on valid or not, on the file and line, and nglint's message must start with
nginx's.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import IN_CI, PROJECT_ROOT, lint_paths
from fix_helpers import require_tool

CASES_DIR = PROJECT_ROOT / "tests" / "data" / "nginx_t"
EXPECTED = json.loads((CASES_DIR / "expected.json").read_text())
RECORDED_WITH = "1.22.1"  # the nginx expected.json was recorded with
STREAM_MODULE = Path("/usr/lib/nginx/modules/ngx_stream_module.so")  # what the stream-* cases load


def nginx_version(nginx: str) -> str:
    out = subprocess.run([nginx, "-v"], capture_output=True, text=True, timeout=30).stderr
    match = re.search(r"nginx/(\d+\.\d+\.\d+)", out)
    assert match, out
    return match.group(1)


def nginx_verdict(nginx: str, conf_dir: Path) -> tuple[str, int, str] | None:
    """(file, line, message) of nginx's first error, or None when `nginx -t` passes; an
    error nginx finds after reading everything has no file and the largest line."""
    proc = subprocess.run(
        [nginx, "-t", "-q", "-p", str(conf_dir), "-c", str(conf_dir / "nginx.conf"), "-e", str(conf_dir / "error.log"),
         "-g", f"pid {conf_dir}/nginx.pid;"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    match = re.search(r"\[emerg\] (.*) in " + re.escape(str(conf_dir)) + r"/(\S+):(\d+)", proc.stderr)
    if proc.returncode == 0:
        return None
    if match is None:  # checked after the whole configuration was read (`unknown "y" variable`)
        unplaced = re.search(r"\[emerg\] (.*)", proc.stderr)
        assert unplaced, proc.stderr
        return "", sys.maxsize, unplaced.group(1)
    return match.group(2), int(match.group(3)), match.group(1)


def test_there_are_enough_cases_of_both_kinds():
    valid = [name for name, verdict in EXPECTED.items() if verdict is None]
    assert len(EXPECTED) >= 60 and len(valid) >= 20 and len(EXPECTED) - len(valid) >= 40
    assert sorted(EXPECTED) == sorted(p.name for p in CASES_DIR.iterdir() if p.is_dir())


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_nglint_agrees_with_nginx_t(tmp_path, case):
    nginx = require_tool("nginx", "/usr/sbin/nginx")
    if "stream" in case and not STREAM_MODULE.exists():
        if IN_CI:
            pytest.fail(f"{STREAM_MODULE} is missing; .ci/install-system.sh must install libnginx-mod-stream")
        pytest.skip("nginx's stream module (libnginx-mod-stream) is not installed")
    version = nginx_version(nginx)
    conf_dir = tmp_path / "conf"
    shutil.copytree(CASES_DIR / case, conf_dir)
    verdict = nginx_verdict(nginx, conf_dir)
    if version == RECORDED_WITH or "old-nginx" not in case:
        assert verdict == (tuple(EXPECTED[case]) if EXPECTED[case] else None)

    report = lint_paths([str(conf_dir)], cwd=conf_dir, nginx_version=version)
    p001 = [(Path(f.path).name, f.line, f.message) for f in report.findings if f.rule == "P001"]
    if verdict is None:
        assert p001 == []
    else:
        assert [(name, line) for name, line, _ in p001] == [verdict[:2]], p001
        assert p001[0][2].startswith(verdict[2]), (p001[0][2], verdict[2])


def test_without_a_declared_version_newer_forms_are_accepted(tmp_path):
    """Unknown stays unknown: `keepalive 4 local;` is valid in nginx 1.29.7 and later."""
    case = CASES_DIR / "bad-keepalive-local-old-nginx"
    shutil.copytree(case, tmp_path / "conf")
    report = lint_paths([str(tmp_path / "conf")], cwd=tmp_path / "conf")
    assert [f for f in report.findings if f.rule == "P001"] == []
    report = lint_paths([str(tmp_path / "conf")], cwd=tmp_path / "conf", nginx_version="1.29.7")
    assert [f for f in report.findings if f.rule == "P001"] == []
    report = lint_paths([str(tmp_path / "conf")], cwd=tmp_path / "conf", nginx_version="1.28.0")
    assert [(f.line, f.message.split(" (")[0]) for f in report.findings if f.rule == "P001"] == [
        (5, 'invalid number of arguments in "keepalive" directive')
    ]


def test_third_party_directives_are_never_errors(lint):
    text = (
        "events {}\nhttp {\n  more_set_headers 'X: y';\n  lua_shared_dict d 1m;\n"
        "  server {\n    listen 8080;\n    content_by_lua_block { ngx.say('}') }\n"
        "    my_module_block a { anything goes; here {} }\n  }\n}\n"
    )
    report = lint({"nginx.conf": text})
    assert [f for f in report.findings if f.rule == "P001"] == []


def test_a_fragment_gets_no_context_errors_but_argument_errors(lint):
    """conf.d/app.conf that no entry includes: its including context is unknown."""
    text = "server {\n  listen 8080;\n  location / {\n    proxy_pass;\n  }\n}\nkeepalive 4;\n"
    report = lint({"conf.d/app.conf": text})
    assert [(f.line, f.message) for f in report.findings if f.rule == "P001"] == [
        (4, 'invalid number of arguments in "proxy_pass" directive')
    ]


def test_a_fragment_included_from_http_is_checked_in_http(lint):
    files = {"nginx.conf": "events {}\nhttp {\n  include conf.d/*.conf;\n}\n", "conf.d/app.conf": "server {\n  listen 8080;\n}\nlisten 80;\n"}
    report = lint(files)
    assert [(Path(f.path).name, f.line, f.message) for f in report.findings if f.rule == "P001"] == [
        ("app.conf", 4, '"listen" directive is not allowed here')
    ]


@pytest.mark.parametrize(
    "text",
    [
        "events {}\nhttp {\n  aio threads;\n}\n",  # aio took a fixed list only until 1.7.11
        "events {}\nhttp {\n  server {\n    location /s { status; }\n  }\n}\n",  # gone from nginx in 1.1.8; nginx Plus has it
        "events {}\nhttp {\n  large_client_header_buffers ${BUFFERS};\n  real_ip_recursive ${RECURSIVE};\n}\n",  # envsubst
        "upstream app {\n  server 127.0.0.1:8080;\n}\nserver {\n  listen 80;\n}\n",  # nginx.conf mounted into conf.d
    ],
    ids=["old-enum", "removed-directive", "placeholders", "conf-d-file-named-nginx-conf"],
)
def test_what_nginx_may_accept_is_not_reported(lint, text):
    report = lint({"nginx.conf": text})
    assert [f.message for f in report.findings if f.rule == "P001"] == []


def test_a_removed_directive_is_reported_only_for_a_version_without_it(lint):
    text = "events {}\nhttp {\n  server {\n    listen 443;\n    ssl on;\n  }\n}\n"
    assert [f for f in lint({"nginx.conf": text}).findings if f.rule == "P001"] == []
    assert [f for f in lint({"nginx.conf": text}, nginx_version="1.24.0").findings if f.rule == "P001"] == []
    report = lint({"nginx.conf": text}, nginx_version="1.25.1")
    assert [(f.line, f.message) for f in report.findings if f.rule == "P001"] == [
        (5, 'unknown directive "ssl" (nginx-version is 1.25.1; the directive exists from nginx 1.0.0 until 1.25.1)')
    ]


def test_an_argument_count_nginx_plus_takes_is_not_an_error(lint):
    """crossplane's analyzer knows nginx Plus: `sync` is limit_req_zone's fourth argument there."""
    text = "events {}\nhttp {\n  limit_req_zone $binary_remote_addr zone=one:10m rate=1r/s sync;\n  limit_req_zone $a zone=two:10m;\n}\n"
    report = lint({"nginx.conf": text})
    assert [(f.line, f.message) for f in report.findings if f.rule == "P001"] == [(4, 'invalid number of arguments in "limit_req_zone" directive')]


# -- the tokenizer port against the real tokenizer, on generated text ----------------------
TOKENIZER_ERRORS = re.compile(r"^(unexpected |too long parameter)")
PIECES = ["a", "b}", "x{", "$", "${", "\"q\"", "'s'", "\"", "'", "\\", "\\\"", "(", ")", "{", "}", ";", " ", "\n", "\t", "#c\n", "\r\n"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(PIECES), max_size=25).map("".join))
@example("a}b;")
@example('"a"-b;')
@example("x${y}z;")
def test_nginx_syntax_tokenizes_like_nginx(tmp_path_factory, text):
    """Generated text after `return 200 ` inside a location: where real nginx stops in its
    tokenizer, nginx_syntax stops with the same message at the same line; where nginx stops
    later (a directive's argument count, an unknown directive) or not at all,
    nginx_syntax reports nothing earlier."""
    from nglint.sources.nginx.syntax import scan

    nginx = require_tool("nginx", "/usr/sbin/nginx")
    conf_dir = tmp_path_factory.mktemp("tok")
    data = ("events {}\nhttp {\n  server {\n    location / {\n      return 200 " + text + "\n    }\n  }\n}\n").encode()
    (conf_dir / "nginx.conf").write_bytes(data)
    verdict = nginx_verdict(nginx, conf_dir)
    ours = scan(data)
    if verdict is not None and TOKENIZER_ERRORS.match(verdict[2]):
        assert (ours.error, ours.error_line) == (verdict[2], verdict[1])
    elif ours.error is not None:
        assert verdict is not None and ours.error_line >= verdict[1], (ours.error, ours.error_line, verdict)
