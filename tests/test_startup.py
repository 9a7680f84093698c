"""Start-up: what `nglint check` imports, by the set of modules, never by timing.

A check of one small nginx file must import only what reading, linking and checking nginx
needs: no reader of another file kind, no compose/Kubernetes/front-tier model, no fixer,
no heavy library and none of the standard modules a cheaper path replaced. A tree that
does hold those files imports their readers, so the test also sees that the laziness is
keyed on the files present, not on something switched off. Timings live in bench/run.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import pytest

from conftest import write_tree

# Imported by `nglint check one.conf`: lists, not timings (bench/run.py times start-up).
_PROBE = """
import json, sys
before = set(sys.modules)
from nglint.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(set(sys.modules) - before)}))
"""

# Packages that only a file of their kind, a fix or another command needs.
NOT_FOR_ONE_NGINX_FILE = (
    "nglint.sources.compose",
    "nglint.sources.dockerfile",
    "nglint.sources.procfile",
    "nglint.sources.k8s.reader",
    "nglint.sources.k8s.manifests",
    "nglint.sources.k8s.hops",
    "nglint.sources.terraform",
    "nglint.sources.aws",
    "nglint.sources.proxies",
    "nglint.sources.frontend",
    "nglint.sources.tomcat",
    "nglint.sources.process",
    "nglint.sources.tomcat.server_xml",
    "nglint.tiers.front",
    "nglint.tiers.linkers",
    # Checks plan their fixes when they make findings (nglint.fixer.plan, .recipes: small
    # data); the editors that render and apply plans load only in the fix stage.
    "nglint.fixer.layout",
    "nglint.fixer.lexer",
    "nglint.fixer.render",
    "nglint.fixer.builder",
    "nglint.fixer.editors",
    "nglint.fixer.apply",
    "nglint.fixer.diff",
    "nglint.fixer.lock",
    "nglint.explain",
    "nglint.topology.chains",
    "nglint.init",
    "nglint.sources.nginx.syntax",
)
# Third-party and standard modules a plain check must not pay for.
HEAVY = (
    "crossplane", "lxml", "yaml", "jinja2", "tree_sitter", "hcl2", "pathspec",
    "dataclasses", "inspect", "importlib.metadata", "importlib.resources", "subprocess", "json",
    "tempfile", "shutil", "hashlib", "_hashlib", "pathlib", "glob", "urllib.parse", "ipaddress",
    "random", "bz2", "lzma", "difflib", "shlex", "zipfile", "tomllib",
)  # fmt: skip


def _imported(tmp_path, *args: str) -> list[str]:
    proc = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.splitlines()[-1])
    assert result["code"] in (0, 1), proc.stderr
    return result["modules"]


def _under(modules: list[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in packages))


def test_one_nginx_file_imports_no_other_tier_nor_heavy_module(tmp_path):
    write_tree(tmp_path, {"one.conf": "events {}\nhttp {\n  server { listen 80; }\n}\n"})
    modules = _imported(tmp_path, "check", str(tmp_path / "one.conf"))
    assert "nglint.sources.nginx.model" in modules and "nglint.checks.keepalive.ka001_idle_timeout_outlives_backend" in modules
    readers = sorted(m for m in modules if m.startswith("nglint.sources.") and m.endswith((".reader", ".backend")))
    assert readers == []
    assert _under(modules, NOT_FOR_ONE_NGINX_FILE) == []
    assert _under(modules, HEAVY) == []


def test_a_directory_of_nginx_files_imports_no_reader(tmp_path):
    write_tree(tmp_path, {
        "nginx.conf": "events {}\nhttp {\n  include conf.d/*.conf;\n}\n",
        "conf.d/app.conf": (
            "upstream app { server 127.0.0.1:8080; keepalive 4; }\n"
            'server { listen 80; location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; } }\n'
        ),
        "README.md": "docs\n",
        "app.py": "print('hi')\n",
    })  # fmt: skip
    modules = _imported(tmp_path, "check", str(tmp_path))
    readers = sorted(m for m in modules if m.startswith("nglint.sources.") and m.endswith((".reader", ".backend")))
    assert readers == []
    assert _under(modules, ("nglint.sources.compose.project", "nglint.sources.k8s.manifests", "nglint.tiers.front", "nglint.fixer.layout", "nglint.fixer.lexer")) == []
    assert "nglint.tiers.linkers.by_port" in modules  # an upstream to link: the linkers are loaded
    assert _under(modules, ("urllib", "ipaddress", "tempfile", "hashlib")) == []  # plain host:port, one small file


def test_files_of_other_kinds_import_their_readers_only(tmp_path):
    write_tree(tmp_path, {
        "nginx/nginx.conf": "events {}\nhttp {\n  upstream app { server 127.0.0.1:8080; }\n  server { listen 80; location / { proxy_pass http://app; } }\n}\n",
        "tomcat/conf/server.xml": "<Server><Service name='C'><Connector port='8080' protocol='HTTP/1.1'/></Service></Server>\n",
        "apache/httpd.conf": "Listen 8081\nKeepAliveTimeout 5\n",
    })  # fmt: skip
    modules = _imported(tmp_path, "check", str(tmp_path))
    assert "nglint.sources.tomcat.reader" in modules and "nglint.sources.apache.reader" in modules
    readers = sorted(m for m in modules if m.startswith("nglint.sources.") and m.endswith((".reader", ".backend")))
    assert readers == ["nglint.sources.apache.reader", "nglint.sources.tomcat.reader"]


def test_a_compose_file_imports_the_compose_reader(tmp_path):
    """Containers name the servers they run, so every reader is then asked (from_process)."""
    write_tree(tmp_path, {
        "nginx/nginx.conf": "events {}\nhttp {\n  upstream app { server app:8080; }\n  server { listen 80; location / { proxy_pass http://app; } }\n}\n",
        "docker-compose.yml": "services:\n  app:\n    image: tomcat:10\n",
    })  # fmt: skip
    modules = _imported(tmp_path, "check", str(tmp_path))
    assert {"nglint.sources.compose.reader", "nglint.sources.compose.project", "nglint.sources.tomcat.reader"} <= set(modules)


@pytest.mark.parametrize("size", [0, 1, 4096, 300 * 1024])
def test_digest_is_sha256_whichever_implementation(size):
    from nglint import digests

    data = os.urandom(size)
    builtin = digests._builtin_sha256()
    assert builtin is not None  # CPython ships it; without it hashlib is used from the start
    assert builtin(data).hexdigest() == hashlib.sha256(data).hexdigest() == digests.sha256_hex(data)


def test_digest_switches_to_hashlib_after_the_builtin_limit(tmp_path):
    code = (
        "import sys\nfrom nglint import digests\n"
        "digests.sha256_hex(b'x' * 1000)\nprint('hashlib' in sys.modules)\n"
        "digests.sha256_hex(b'x' * (digests.BUILTIN_LIMIT + 1))\nprint('hashlib' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path).stdout.split()
    assert out == ["False", "True"]


@pytest.mark.parametrize("columns", [None, "100", "abc", "0", "-3"])
def test_help_width_is_shutils(monkeypatch, columns):
    import shutil

    from nglint.cli_format import terminal_columns

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert terminal_columns() == shutil.get_terminal_size().columns


def _urlsplit_host_port(text: str):
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(f"//{text}")
        return parts.hostname or "", parts.port
    except ValueError:
        return "ValueError"


def _split(text: str):
    from nglint.sources.nginx.model import split_host_port

    try:
        return split_host_port(text)
    except ValueError:
        return "ValueError"


@pytest.mark.parametrize("text", [
    "app:8080", "APP.Example.com", "127.0.0.1:80", "host:0", "host:65535", "host:65536", "host:99999", "host:",
    "host:08080", "[::1]:8080", "[fe80::1%eth0]:80", "[::1", "user@host:81", "host:80?x", "host:80#f", " host:80",
    "ho\tst:80", "host:８０", "hôst:80", "a:b:c", "_:1", "-:1", "", ":80", "host:+80", "host:-1",
])  # fmt: skip
def test_host_port_split_agrees_with_urlsplit(text):
    """nginx_model splits plain `host:port` itself (urllib.parse stays unimported); the
    answer must be urlsplit's, errors included."""
    assert _split(text) == _urlsplit_host_port(text)


def test_host_port_split_agrees_with_urlsplit_on_generated_text():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    alphabet = st.sampled_from(list("aZ09_.-:[]@%?#/ \t+８é") + ["80", "65536", "::1"])

    @settings(max_examples=400, deadline=None)
    @given(st.lists(alphabet, max_size=12).map("".join))
    def agree(text):
        assert _split(text) == _urlsplit_host_port(text)

    agree()
