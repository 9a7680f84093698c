"""Hostile input for every file kind nglint reads, not only nginx and server.xml.

SECURITY.md's guarantees are about *any* file of the tree, so each registered reader
gets the same attacks: empty, over the size limit, binary, invalid UTF-8, NUL bytes,
nesting 10,000 deep in every bracket its format has, entity and alias bombs, CRLF and
CR-only line ends, a 1 MB line, a FIFO and a symlink to /proc/self/environ named like its
files. Readers are taken from the registry: a reader added without an entry in KIND_FILES
(or NO_FILES) fails `test_every_registered_reader_is_covered`, so a new kind cannot skip
these tests. nginx templates get their own attacks (unclosed, a million, file-long tags).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from hostile import SECRET

MAX = 10 * 1024 * 1024  # the documented default max-file-size

# kind -> [(path in the tree, header that makes a sniffing reader claim the file)]
KIND_FILES: dict[str, list[tuple[str, bytes]]] = {
    "tomcat": [("conf/server.xml", b"")],
    "compose": [("compose.yaml", b"")],
    "dockerfile": [("Dockerfile", b"")],
    "procfile": [("Procfile", b"")],
    "gunicorn": [("gunicorn.conf.py", b"")],
    "puma": [("config/puma.rb", b"")],
    "apache": [("httpd.conf", b"")],
    "jetty": [("start.ini", b"")],
    "uwsgi": [("uwsgi.ini", b""), ("uwsgi.yaml", b""), ("uwsgi.json", b""), ("uwsgi.xml", b""), ("app.ini", b"[uwsgi]\n")],
    "systemd": [("app.service", b"[Service]\n")],
    "iis": [("applicationHost.config", b""), ("web.config", b"")],
    "k8s": [("deploy.yaml", b"apiVersion: v1\nkind: ConfigMap\n"), ("kustomization.yaml", b"")],
    "terraform": [("main.tf", b""), ("main.tf.json", b"")],
    "aws-manifest": [("stack.yaml", b"AWSTemplateFormatVersion: '2010-09-09'\n"), ("stack.json", b'"AWSTemplateFormatVersion"\n')],
    "proxy-config": [("traefik.yml", b"serversTransport:\n"), ("envoy.yaml", b"static_resources:\n  clusters:\n")],
    "haproxy": [("haproxy.cfg", b"global\n")],
    "spring-stomp": [("StompConfig.java", b"// registerStompEndpoints addEndpoint\n")],
}
# Readers that claim no file of their own: they read what a Dockerfile, compose file or
# Procfile says a container runs, through nglint.sources.files (held to the same boundary).
NO_FILES = {"uvicorn", "node", "spring", "nginx-backend", "waitress", "hypercorn", "kestrel", "go"}
TEMPLATES = ("nginx.conf.erb", "nginx.conf.j2", "nginx.conf.tmpl", "nginx.conf.mustache", "nginx.conf.template")


def _deep_yaml_block() -> bytes:
    return b"- " * 10_000 + b"x\n"


PAYLOADS: dict[str, bytes] = {
    "empty": b"",
    "binary": random.Random(14).randbytes(64 * 1024),
    "invalid-utf8": b"key = \xff\xfe\xc3\x28 \xa0\xa1 value \xe2\x82\n" * 1000,
    "nul-bytes": b"key\x00 = \x00value\x00\n" * 1000,
    "deep-brackets": b"a = " + b"[" * 10_000 + b"\n",
    "deep-braces": b"a " + b"{" * 10_000 + b"\n",
    "deep-parens": b"a = " + b"(" * 10_000 + b"\n",
    "deep-xml": b"<a>" * 10_000 + b"\n",
    "deep-yaml-block": _deep_yaml_block(),
    "billion-laughs": b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
    + b"]>\n<Server>&lol9;</Server>\n",
    "yaml-alias-bomb": b"a: &a [x,x,x,x,x,x,x,x,x]\n"
    + b"".join(b"%s: &%s [%s]\n" % (chr(98 + i).encode(), chr(98 + i).encode(), b",".join([b"*" + chr(97 + i).encode()] * 9))
               for i in range(8)),
    "crlf": b"key = value\r\nport = 8080\r\n[section]\r\nname: x\r\n" * 50,
    "cr-only": b"key = value\rport = 8080\r[section]\rname: x\r" * 50,
    "one-mb-line": b"a" * (1024 * 1024),
}
SPECIAL = ("over-max-file-size", "fifo", "symlink-to-proc-environ")


def _entries():
    for kind, files in KIND_FILES.items():
        for name, header in files:
            yield kind, name, header


def _write(path: Path, case: str, header: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if case == "over-max-file-size":
        with open(path, "wb") as handle:
            handle.write(header)
        os.truncate(path, MAX + 1)  # sparse: the size is what counts, stat refuses it
    elif case == "fifo":
        os.mkfifo(path)
    elif case == "symlink-to-proc-environ":
        os.symlink("/proc/self/environ", path)
    else:
        path.write_bytes(header + PAYLOADS[case])


class _Timeout(Exception):
    pass


def _alarm(_signum, _frame):
    raise _Timeout


def test_every_registered_reader_is_covered():
    from nglint.sources import readers

    kinds = {reader.kind for reader in readers()}
    missing = kinds - set(KIND_FILES) - NO_FILES
    assert not missing, f"add hostile-input entries for the new reader kinds {missing} to KIND_FILES"
    assert not (set(KIND_FILES) | NO_FILES) - kinds, "KIND_FILES names a kind no reader has"


@pytest.mark.parametrize(("kind", "name", "header"), list(_entries()), ids=[f"{k}:{n}" for k, n, _ in _entries()])
def test_each_kind_claims_its_hostile_file_names(tmp_path, kind, name, header):
    """The names and headers above really reach the kind's reader (else the tests below prove nothing)."""
    from nglint.sources import reader_for

    path = tmp_path / name
    _write(path, "crlf", header)
    reader = reader_for(str(path))
    assert reader is not None and reader.kind == kind, (name, reader and reader.kind)
    assert all(not reader.claims(str(path)) for reader in _no_file_readers())


def _no_file_readers():
    from nglint.sources import readers

    return [reader for reader in readers() if reader.kind in NO_FILES]


@pytest.mark.parametrize("case", [*PAYLOADS, "over-max-file-size", "fifo"])
@pytest.mark.parametrize(("kind", "name", "header"), list(_entries()), ids=[f"{k}:{n}" for k, n, _ in _entries()])
def test_reader_parses_hostile_bytes_without_raising(tmp_path, kind, name, header, case):
    """Each reader on its own: returns within seconds, never raises, every problem has a
    file and a line. A FIFO is never opened (it would block) and an oversized file is
    refused before it is read."""
    from nglint.sources import reader_of_kind

    path = tmp_path / "tree" / name
    _write(path, case, header)
    reader = reader_of_kind(kind)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(60)
    try:
        result = reader.parse(str(path), [str(tmp_path / "tree")], MAX)
    except _Timeout:
        pytest.fail(f"{kind} reader took over 60 s on {case}")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    for problem in result.problems:
        assert problem.path and isinstance(problem.line, int) and problem.line >= 1, problem
    if case in ("over-max-file-size", "fifo"):
        assert result.problems, f"{kind} said nothing about a {case}"


def _run(tree: Path, fmt: str = "json", timeout: float = 240) -> subprocess.CompletedProcess:
    """The CLI in a child holding the canary in its environment (what /proc/self/environ shows)."""
    env = {**os.environ, "NO_COLOR": "1", "NGLINT_CANARY": SECRET}
    return subprocess.run([sys.executable, "-m", "nglint", "check", str(tree), "--format", fmt, "--jobs", "1"],
                          capture_output=True, text=True, timeout=timeout, env=env, cwd=tree.parent)


def _assert_report(proc: subprocess.CompletedProcess, fmt: str = "json") -> None:
    assert proc.returncode in (0, 1, 2), proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    assert SECRET not in proc.stdout and SECRET not in proc.stderr
    if proc.returncode == 2:
        assert proc.stderr.count("nglint: error:") == 1, proc.stderr
        return
    if fmt == "json":
        for finding in json.loads(proc.stdout)["findings"]:
            assert finding["path"] and finding["line"] >= 1, finding


def _tree_of_every_kind(root: Path, case: str) -> Path:
    tree = root / "tree"
    for index, (kind, name, header) in enumerate(_entries()):
        _write(tree / f"{index:02d}-{kind}" / name, case, header)
    return tree


@pytest.mark.parametrize("case", [*PAYLOADS, "over-max-file-size"])
def test_cli_on_every_kind_at_once(tmp_path, case):
    """The whole run (discovery, every reader, linking, rules, report) over a tree holding
    one hostile file of each kind: bounded time, a report, each finding with file and line."""
    tree = _tree_of_every_kind(tmp_path, case)
    proc = _run(tree)
    _assert_report(proc)
    if case == "over-max-file-size":
        paths = {finding["path"] for finding in json.loads(proc.stdout)["findings"]}
        refused = {name for _kind, name, _header in _entries() if any(p.endswith(name) for p in paths)}
        assert len(refused) >= len(KIND_FILES) - 2, sorted(paths)  # each kind says so (uwsgi's sniffed .ini is not claimed)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "gitlab", "junit", "checkstyle", "rdjson"])
def test_fifos_and_links_to_proc_environ_named_like_every_kind(tmp_path, fmt):
    """FIFOs never block and a link to /proc/self/environ is never read: the canary in
    the child's environment appears in no output format."""
    tree = tmp_path / "tree"
    for index, (kind, name, header) in enumerate(_entries()):
        _write(tree / f"{index:02d}-fifo-{kind}" / name, "fifo", header)
        _write(tree / f"{index:02d}-link-{kind}" / name, "symlink-to-proc-environ", header)
    for index, name in enumerate(TEMPLATES):
        _write(tree / f"fifo-{index}" / name, "fifo", b"")
        _write(tree / f"link-{index}" / name, "symlink-to-proc-environ", b"")
    _assert_report(_run(tree, fmt, timeout=120), fmt)


TEMPLATE_PAYLOADS = {
    "unclosed-tag": lambda o, c: b"http {\n  upstream app { server 127.0.0.1:8080; keepalive 4; }\n  " + o + b" if x\n"
    + b"  server { listen 80; }\n" * 1000 + b"}\n",
    "million-tags": lambda o, c: b"http {\n keepalive_timeout " + (o + b"x" + c) * 1_000_000 + b";\n}\n",
    "tag-spanning-the-file": lambda o, c: o + b"\n" + b"http { server { listen 80; } }\n" * 30_000 + c + b"\n",
    "nested-tags": lambda o, c: o * 100_000 + c * 100_000,
}


@pytest.mark.parametrize("case", list(TEMPLATE_PAYLOADS))
def test_nginx_templates_with_hostile_tags(tmp_path, case):
    """Template masking is linear and never loses a line: one template of each dialect."""
    from nglint.sources.nginx.templating import DIALECTS, dialect_of

    tree = tmp_path / "tree"
    for index, name in enumerate(TEMPLATES):
        dialect = dialect_of(name)
        assert dialect in DIALECTS
        opening, closing = dialect.tags[0] if dialect.tags else (b"${", b"}")
        _write(tree / f"{index}" / name, "empty", b"")
        (tree / f"{index}" / name).write_bytes(TEMPLATE_PAYLOADS[case](opening, closing))
    _assert_report(_run(tree))


NAMING_OUTSIDE = {
    "u/uwsgi.ini": "[uwsgi]\nini = ../../outside/{name}.ini\nhttp-socket = :8000\n",
    "s/app.service": "[Service]\nEnvironmentFile=../../outside/{name}.env\nExecStart=/usr/bin/gunicorn -b 127.0.0.1:8001 app:app\n",
    "c/compose.yaml": "services:\n  web:\n    image: nginx:1.25\n    env_file: ../../outside/{name}.env\n",
    "a/httpd.conf": "Include ../../outside/*.conf\nInclude ../../outside/{name}.conf\nListen 8002\n",
    "t/nginx.conf.j2": "http {{ include ../../outside/{name}.conf; }}\n",
    "m/main.tf": 'module "m" {{ source = "../../outside/{name}" }}\n',
}


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_files_named_outside_the_tree_are_refused_whether_or_not_they_exist(tmp_path, fmt):
    """A reader following a name (uWSGI `ini =`, EnvironmentFile=, env_file, Include,
    a module source) decides on the name: the report is the same whether the outside file
    exists or not, and never names or quotes it."""
    tree = tmp_path / "tree"
    (tree).mkdir()
    (tree / "nginx.conf").write_text("http { upstream app { server 127.0.0.1:8000; server 127.0.0.1:8001; "
                                     "server 127.0.0.1:8002; keepalive 4; } }\n")
    for relative, text in NAMING_OUTSIDE.items():
        (tree / relative).parent.mkdir(parents=True, exist_ok=True)
        (tree / relative).write_text(text.format(name="known"))
    absent = _run(tree, fmt)
    outside = tmp_path / "outside"
    (outside / "known").mkdir(parents=True)
    for name in ("known", SECRET):  # a glob would list the second one
        for suffix in (".ini", ".env", ".conf"):
            (outside / f"{name}{suffix}").write_text(f"[uwsgi]\nhttp-keepalive = 1\nKEEPALIVE={SECRET}\nKeepAliveTimeout 1\n")
    (outside / "known" / "main.tf").write_text(f'resource "aws_lb" "{SECRET}" {{ idle_timeout = 1 }}\n')
    present = _run(tree, fmt)
    _assert_report(absent, fmt)
    _assert_report(present, fmt)
    assert absent.stdout == present.stdout
