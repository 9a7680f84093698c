"""Generated hostile trees through the whole CLI, in every format.

Hypothesis builds trees out of what an attacker controls in a pull request: file names
of arbitrary bytes, files of every kind nglint reads (HAProxy, uWSGI, systemd, IIS,
templates, Spring STOMP, compose, Dockerfile, Terraform, Kubernetes) with hostile content, symlinks to odd places (outside the tree, /proc, /dev/zero, loops,
dangling), include globs with `..` and absolute paths, deep directories, and an
`.nglint.toml` naming files. Next to the tree lies a directory whose file names and
content carry a canary. Whatever the tree, every format ends with exit 0/1 and a report
(or 2 with one `nglint: error:` line), never a traceback, its output is valid UTF-8,
and the canary never appears: nothing outside the tree was listed, read or named.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hostile import SECRET

FORMATS = ("text", "json", "sarif", "github")

name_bytes = st.binary(min_size=1, max_size=12).map(lambda b: b.replace(b"/", b"_").replace(b"\x00", b"_")).filter(lambda b: b not in (b".", b".."))
# The newer readers' file names: each reader reads its own files and what they name.
KIND_NAMES = [b"haproxy.cfg", b"uwsgi.ini", b"app.ini", b"app.service", b"applicationHost.config", b"web.config",
              b"nginx.conf.erb", b"nginx.conf.j2", b"nginx.conf.tmpl", b"StompConfig.java", b"compose.yaml",
              b"Dockerfile", b"Procfile", b"main.tf", b"deploy.yaml", b"traefik.yml", b"gunicorn.conf.py", b"start.ini"]
file_name = st.one_of(
    st.sampled_from([b"nginx.conf", b"server.xml", b"a.conf", b"catalina.properties"]),
    st.sampled_from(KIND_NAMES),
    st.tuples(name_bytes, st.sampled_from([b".conf", b".xml", b""])).map(b"".join),
    st.just(b"server.xml"),
)
directory = st.lists(st.sampled_from([b"conf.d", b"sub", b"d", b"\xff\xfe", b"line\nbreak", b"esc\x1b["]), max_size=40).map(
    lambda parts: b"/".join(parts)
)
include_pattern = st.one_of(
    st.sampled_from(["*.conf", "conf.d/*.conf", "../*", "../../*", "../outside/*", "../../outside/*.conf", "link/*",
                     "link/known.conf", "*/*.conf", "/etc/nginx/*.conf", "/etc/nginx/../../outside/*", "/proc/self/environ",
                     "sub/../../outside/known.conf", "d/d/d/*", "loop/*", "zero.conf", "[", "?*"]),
    st.text(alphabet="ab*?[]./-", max_size=12),
)
nginx_text = st.lists(
    st.one_of(
        include_pattern.map(lambda p: f"include {p};"),
        st.sampled_from([
            "upstream app { server 127.0.0.1:8080; keepalive 8; }",
            "server { listen 80; location / { proxy_pass http://app; proxy_set_header X-A a; } }",
            'proxy_set_header Connection "";',
            "proxy_http_version 1.1;",
            "keepalive_timeout 75s;",
            "}",
            "{",
            "# nglint: disable=KA001",
        ]),
    ),
    max_size=8,
).map(lambda lines: "http {\n" + "\n".join(lines) + "\n}\n")
xml_text = st.sampled_from([
    '<Server><Service name="s"><Connector port="8080" protocol="HTTP/1.1" keepAliveTimeout="20000"/></Service></Server>',
    '<Server><Service name="s"><Connector port="8080" keepAliveTimeout="${x}&#10;::add-mask::y"/></Service></Server>',
    '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Server>&e;</Server>',
    "<Server>",
    "\xff\xfe<",
])
link_target = st.sampled_from([
    "../outside", "../outside/known.conf", "/proc/self/environ", "/proc/1/cwd", "/dev/zero", "/nonexistent/x.conf",
    "self", "loop", ".", "..", "/", "../outside/" + "x" * 300,
])
config_text = st.sampled_from([
    'nginx-roots = ["../outside/known.conf"]',
    'nginx-prefix = {"/etc/nginx" = "../outside"}',
    '[[backend]]\nupstream = "app"\nserver-xml = "/proc/self/environ"',
    '[[backend]]\nupstream = "app"\nserver-xml = "link"',
    'max-file-size = "1k"',
    'exclude = ["*"]',
    "not toml ===",
])

# Content for the newer kinds: a header their sniff claims, then hostile or plausible lines
# (files named in other files, includes leaving the tree, bombs, deep nesting, bytes).
kind_header = st.sampled_from(["", "global\n", "[uwsgi]\n", "[Service]\n", "apiVersion: v1\nkind: ConfigMap\n",
                               "serversTransport:\n", "// registerStompEndpoints addEndpoint\n"])
kind_line = st.one_of(
    st.sampled_from([
        "backend b\n  server s\x1b[2J 127.0.0.1:8080 check\n", "defaults\n  timeout server 30s\n",
        "ini = ../outside/known.conf\n", "ini = /proc/self/environ\n", "EnvironmentFile=../outside/known.conf\n",
        "ExecStart=/usr/bin/gunicorn --config ../outside/known.conf --keep-alive 2\n", "env_file: ../outside/known.conf\n",
        "services:\n  web:\n    build: ../outside\n    env_file: [/proc/self/environ]\n", "COPY ../outside /app\n",
        "FROM nginx:1.25\n", "web: gunicorn --keep-alive 2 app:app\n", 'module "m" { source = "../outside" }\n',
        '<site name="a&#10;::error::x"><bindings><binding protocol="http" bindingInformation="*:80:"/></bindings></site>\n',
        "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///proc/self/environ\">]><configuration>&e;</configuration>\n",
        "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n",
        "{{ x }}\n", "<% if x\n", "{% include '../../outside/known.conf' %}\n", "[" * 3000 + "\n", "{" * 3000 + "\n",
        "registry.addEndpoint(\"/ws\").setHeartbeatValue(new long[]{(((((1)))))});\n", "\r", "\r\n", "\x00",
    ]),
    st.text(max_size=40),
)
kind_text = st.tuples(kind_header, st.lists(kind_line, max_size=6)).map(lambda t: t[0] + "".join(t[1]))

tree_entries = st.lists(
    st.one_of(
        st.tuples(st.just("file"), directory, file_name, st.one_of(nginx_text, xml_text, kind_text)),
        st.tuples(st.just("link"), directory, file_name, link_target),
    ),
    min_size=1,
    max_size=8,
)
# A config in one tree of four: most of them are refused (exit 2), which ends the run early.
maybe_config = st.sampled_from([None, None, None, config_text]).flatmap(lambda s: st.none() if s is None else s)


def build(root: bytes, entries) -> None:
    for kind, folder, name, payload in entries:
        parent = os.path.join(root, folder) if folder else root
        with contextlib.suppress(OSError):
            os.makedirs(parent, exist_ok=True)
        path = os.path.join(parent, name)
        with contextlib.suppress(OSError):
            if kind == "link":
                os.symlink(payload if payload not in ("self", "loop") else (name if payload == "self" else b"loop"), path)
            else:
                with open(path, "wb") as handle:
                    handle.write(payload.encode("utf-8", "surrogateescape"))


def run_format(root: str, fmt: str, cwd: str) -> tuple[int, str]:
    from nglint.cli import main

    out, err = io.StringIO(), io.StringIO()
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["check", root, "--format", fmt, "--jobs", "1"])
    finally:
        os.chdir(previous)
    return code, out.getvalue() + err.getvalue()


EVERY_NEW_KIND = [
    ("file", b"h", b"haproxy.cfg", "global\nbackend b\n  server s\x1b[2J 127.0.0.1:8080\n"),
    ("file", b"u", b"uwsgi.ini", "[uwsgi]\nini = ../../outside/known.conf\nhttp-keepalive = 1\n"),
    ("file", b"s", b"app.service", "[Service]\nEnvironmentFile=../../outside/known.conf\nExecStart=/bin/gunicorn -k gthread\n"),
    ("file", b"i", b"applicationHost.config", '<configuration><system.applicationHost><sites><site name="a&#10;::error::x">'
                                              "</site></sites></system.applicationHost></configuration>"),
    ("file", b"t", b"nginx.conf.j2", "http { {% include '../../outside/known.conf' %} upstream a { server {{ x }}; } }\n"),
    ("file", b"j", b"StompConfig.java", "// registerStompEndpoints\nclass C { void r(R registry) { registry.addEndpoint(\"/ws\"); } }\n"),
    ("file", b"n", b"nginx.conf", "http { upstream app { server 127.0.0.1:8080; keepalive 8; } server { listen 80; "
                                  "location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection \"\"; } } }\n"),
    ("link", b"l", b"haproxy.cfg", "/proc/self/environ"),
    ("link", b"l", b"uwsgi.ini", "../outside/known.conf"),
]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries=tree_entries, config=maybe_config)
@example(entries=EVERY_NEW_KIND, config=None)
def test_generated_trees_report_without_leaking(entries, config):
    base = tempfile.mkdtemp(prefix="nglint-fuzz-")
    try:
        outside = os.path.join(base, "outside")
        os.makedirs(outside)
        with open(os.path.join(outside, "known.conf"), "w") as handle:
            handle.write(f"upstream {SECRET.replace('-', '_')} {{ server 10.0.0.1:80; }}\n")
        with open(os.path.join(outside, f"{SECRET}.conf"), "w") as handle:
            handle.write(f"# {SECRET}\n")
        tree = os.path.join(base, "tree")
        os.makedirs(tree)
        if config is not None:
            entries = [*entries, ("file", b"", b".nglint.toml", config)]
        build(os.fsencode(tree), entries)
        for fmt in FORMATS:
            code, output = run_format(tree, fmt, base)
            assert code in (0, 1, 2), output
            assert "Traceback" not in output, output
            if code == 2:
                assert output.count("nglint: error:") == 1 or "nglint: internal error" not in output, output
                assert "internal error" not in output, output
            output.encode("utf-8")  # no lone surrogates: every name was made printable
            assert SECRET not in output, output
            assert "\x1b" not in output
    finally:
        shutil.rmtree(base, ignore_errors=True)
