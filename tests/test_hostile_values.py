"""Values from the newer readers cannot forge output in any human-readable format.

An HAProxy server name, a systemd unit's ExecStart (through its Environment=), an IIS
site name (an XML attribute may hold `&#10;`) and text around nginx template tags all
reach messages, sources and related locations. Each carries a newline or an ESC, a
BEL, a C1 CSI, a bidi override and a forged `::error` workflow command; every format must
show them escaped (SARIF, JSON, GitLab and rdjson escape them as JSON does). `nglint
explain` prints error-log lines, which are just as foreign.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FORGED = "::error file=forged::x"
# Raw characters that must never reach an output: C0 but the line break, DEL, C1,
# line/paragraph separators, bidi controls.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _forge(root: Path) -> Path:
    """Four samples with a forged value where each reader takes its values from."""
    tree = root / "tree"
    for sample, name in (("30-haproxy-race", "haproxy"), ("34-systemd-gunicorn-race", "systemd"),
                         ("38-iis-race", "iis"), ("28-jinja-gunicorn-race", "template")):
        shutil.copytree(REPO / "samples" / sample, tree / name)

    def edit(path: str, old: str, new: str) -> None:
        target = tree / path
        text = target.read_text(encoding="utf-8")
        assert old in text, (path, old)
        target.write_text(text.replace(old, new, 1), encoding="utf-8")

    # HAProxy splits on blanks: the name holds ESC, BEL, C1 CSI and the command, no space.
    edit("haproxy/haproxy/haproxy.cfg", "server web1", "server web1\x1b[2J\x07\u009b" + FORGED.replace(" ", "\x1b"))
    # systemd: ExecStart's --keep-alive ${KEEPALIVE} shows the unreadable value it expands to.
    edit("systemd/deploy/shop.service", '"KEEPALIVE=2"', '"KEEPALIVE=2\x1b[2J\x07' + FORGED.replace(" ", "_") + '"')
    # IIS: an attribute may hold a line break as a character reference; XML forbids ESC.
    edit("iis/iis/applicationHost.config", 'name="Intranet"', 'name="Intranet&#10;' + FORGED + '&#x85;&#x202E;&#x9B;"')
    # A template tag that leaves a statement open: P004 quotes the tag.
    edit("template/roles/web/templates/nginx.conf.j2", "keepalive 16;",
         "keepalive 16;\n        {{ extra\x1b[2J\x07\u009b" + FORGED + " }}")
    return tree


def _output(fmt: str, tree: Path) -> str:
    proc = subprocess.run([sys.executable, "-m", "nglint", "check", str(tree), "--format", fmt, "--jobs", "1"],
                          capture_output=True, timeout=300, cwd=tree.parent)
    assert proc.returncode == 1, proc.stderr
    assert b"Traceback" not in proc.stderr
    return proc.stdout.decode("utf-8") + proc.stderr.decode("utf-8")


@pytest.fixture(scope="module")
def forged_tree(tmp_path_factory) -> Path:
    return _forge(tmp_path_factory.mktemp("forged"))


@pytest.mark.parametrize("fmt", ["text", "github", "gitlab", "junit", "checkstyle"])
def test_forged_values_of_new_readers_are_escaped(forged_tree, fmt):
    """The formats people read in a terminal or a CI log (explain's Markdown below)."""
    output = _output(fmt, forged_tree)
    assert not RAW_CONTROL.findall(output), sorted(set(RAW_CONTROL.findall(output)))
    # The values did reach the output (else this test proves nothing): escaped.
    assert "web1\\x1b[2J\\x07" in output or "web1\\\\x1b[2J" in output or "web1\\u001b[2J\\u0007" in output, fmt
    assert "Intranet" in output and "forged" in output
    assert "{{ extra\\x1b[2J" in output or "{{ extra\\\\x1b[2J" in output, fmt  # the template tag, escaped
    lines = output.splitlines()
    if fmt == "text":
        assert not any(line.lstrip().startswith("::") for line in lines)
    if fmt == "github":
        assert lines and all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines), lines


@pytest.mark.parametrize("fmt", ["json", "sarif", "rdjson"])
def test_machine_formats_carry_forged_values_as_data(forged_tree, fmt):
    """JSON escapes line breaks and C0 itself: the value is data, one document, no raw C0."""
    import json

    output = _output(fmt, forged_tree)
    document = json.loads(output)
    assert document and "forged" in output
    assert not re.search("[\x00-\x09\x0b-\x1f]", output)


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_explain_escapes_log_lines_and_values(forged_tree, tmp_path, fmt):
    """`nglint explain` quotes error-log lines (and configuration values) in text and Markdown."""
    log = tmp_path / "error.log"
    log.write_bytes(b'2025/10/09 20:26:23 [error] 31#31: *5 upstream prematurely closed connection while reading '
                    b'response header from upstream, client: 10.0.0.9, server: \x1b]0;title\x07, request: "GET /\x1b[2J\xe2\x80\xae '
                    b'HTTP/1.1", upstream: "http://127.0.0.1:8020/\xc2\x9b", host: "a"\n')
    proc = subprocess.run([sys.executable, "-m", "nglint", "explain", str(log), "--config-path", str(forged_tree / "systemd"),
                           "--format", fmt], capture_output=True, timeout=300)
    assert proc.returncode in (0, 1), proc.stderr
    output = proc.stdout.decode("utf-8", "surrogateescape")
    assert "upstream prematurely closed" in output
    assert not RAW_CONTROL.findall(output), sorted(set(RAW_CONTROL.findall(output)))
    assert "\\x1b[2J" in output and "\\u202e" in output


def test_explain_text_never_starts_a_line_with_a_workflow_command(tmp_path):
    """A log line that is itself `::error::...` is shown behind a mark in text output: after
    the runner trims leading blanks, no output line starts with `::`."""
    log = tmp_path / "error.log"
    log.write_bytes(b"::error file=x::forged\n::add-mask::secret\n"
                    b'2025/10/09 20:26:23 [error] 31#31: *5 upstream prematurely closed connection while reading '
                    b'response header from upstream, client: 10.0.0.9, server: ::warning::forged, request: "GET / HTTP/1.1", '
                    b'upstream: "http://127.0.0.1:8020/", host: "a"\n')
    proc = subprocess.run([sys.executable, "-m", "nglint", "explain", str(log), "--format", "text"],
                          capture_output=True, timeout=300, cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    output = proc.stdout.decode("utf-8", "surrogateescape")
    assert "::error file=x::forged" in output  # shown, as data
    assert not [line for line in output.splitlines() if line.lstrip().startswith("::")], output
