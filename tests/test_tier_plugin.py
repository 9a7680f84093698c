"""A new backend kind from a third-party package, with no change to nglint's core: its
reader, defaults table and file names come through the `nglint.sources` entry point, and
KA001, its fix, inline suppressions and `--changed` work for it as for Tomcat, and a
diagnostic kind it records is reported by the built-in rule that reports that kind."""

import json
import subprocess
import venv

import pytest

from conftest import PROJECT_ROOT, write_tree

READER_MODULE = '''
"""idlesrv: a made-up server configured by idlesrv.ini (`listen = PORT`, `idle_timeout = SECONDS`)."""
import os

from nglint.backends import Backend, BackendFile
from nglint.diagnostics import BACKEND_PARSE_ERROR
from nglint.findings import Location
from nglint.problems import Problem
from nglint.sources import LINE_COMMENT
from nglint.tiers.defaults import table
from nglint.tiers.model import Provenance

DEFAULTS = table("idlesrv", [("idle_timeout", 5000, "ms", "https://example.invalid/idlesrv#idle_timeout")])


class IdleConf:
    kind = "idlesrv"
    comment = LINE_COMMENT
    comment_prefix = "#"
    defaults = DEFAULTS

    def claims(self, path):
        return os.path.basename(path) == "idlesrv.ini"

    def feeds(self, path):
        return os.path.basename(path) == "idlesrv.env"

    def affected_by(self, path, loaded, tree_roots):
        if not self.feeds(path):
            return []
        return [p for p in loaded if os.path.dirname(os.path.abspath(p)) == os.path.dirname(os.path.abspath(path))]

    def parse(self, path, tree_roots, max_file_size):
        result = BackendFile(path)
        values = {}
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                key, equals, value = line.split("#", 1)[0].partition("=")
                if key.strip() and not equals:
                    result.problems.append(Problem(BACKEND_PARSE_ERROR, path, number, "not a `key = value` line"))
                if value.strip():
                    values[key.strip()] = (value.strip(), number)
        if "listen" not in values:
            return result
        port, line = values["listen"]
        if "idle_timeout" in values:
            seconds, at = values["idle_timeout"]
            idle_ms = int(seconds) * 1000
            provenance = Provenance.from_file(path, at, "idle_timeout", f"idle_timeout = {seconds}")
        else:
            default = DEFAULTS.get("idle_timeout")
            idle_ms, provenance = default.value, Provenance.from_default(default)
        result.backends.append(Backend(
            kind="idlesrv", label=f"idlesrv port {port}", port=int(port), idle_timeout_ms=idle_ms,
            idle_timeout_source=provenance.describe(), location=Location(path, line), anchor="listen",
            provenance=provenance,
        ))
        return result
'''

NGINX = """\
events {}
http {
    upstream app {
        server app:8000;
        keepalive 16;
    }
    server {
        listen 80;
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
"""


@pytest.fixture(scope="module")
def plugin_python(tmp_path_factory):
    root = tmp_path_factory.mktemp("kind-plugin")
    write_tree(root, {
        "plugin/pyproject.toml": (
            '[build-system]\nrequires = ["setuptools>=64"]\nbuild-backend = "setuptools.build_meta"\n'
            '[project]\nname = "nglint-idlesrv"\nversion = "0.1"\n'
            '[project.entry-points."nglint.sources"]\nidlesrv = "nglint_idlesrv:IdleConf"\n'
        ),
        "plugin/nglint_idlesrv.py": READER_MODULE,
    })
    env_dir = root / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=True).create(env_dir)
    python = env_dir / "bin" / "python"
    for target in (str(PROJECT_ROOT), str(root / "plugin")):
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", target], check=True, capture_output=True, timeout=300)
    return python


def _nglint(python, *args, cwd):
    return subprocess.run([str(python), "-m", "nglint", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def _stack(root, ini="listen = 8000\n"):
    write_tree(root, {"nginx/nginx.conf": NGINX, "app/idlesrv.ini": ini, "app/idlesrv.env": "X=1\n"})


def test_plugin_kind_gets_ka001_with_its_default_and_provenance(plugin_python, tmp_path):
    _stack(tmp_path)
    result = _nglint(plugin_python, "check", ".", "--format", "json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    (finding,) = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "KA001"]
    assert (finding["path"], finding["line"]) == ("nginx/nginx.conf", 5)
    assert "idlesrv closes them after 5s" in finding["message"]
    assert any("idlesrv default idle_timeout 5s" in related["message"] for related in finding["related"])
    assert [(r["path"], r["line"]) for r in finding["related"]] == [("app/idlesrv.ini", 1)]


def test_plugin_kind_value_from_its_file(plugin_python, tmp_path):
    _stack(tmp_path, "listen = 8000\nidle_timeout = 120\n")
    result = _nglint(plugin_python, "check", ".", "--format", "json", "--select", "KA001", cwd=tmp_path)
    assert result.returncode == 0, result.stdout  # 60s pool behind a 120s server: no race


def test_plugin_kind_fix_sets_nginx_timeout(plugin_python, tmp_path):
    _stack(tmp_path)
    result = _nglint(plugin_python, "check", ".", "--fix", "--select", "KA001", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "keepalive_timeout 4s;" in (tmp_path / "nginx/nginx.conf").read_text()


def test_plugin_kind_inline_suppression(plugin_python, tmp_path):
    _stack(tmp_path, "# nglint: disable=KA001 this server is never idle\nlisten = 8000\n")
    result = _nglint(plugin_python, "check", ".", "--format", "json", "--select", "KA001,N001", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert json.loads(result.stdout)["summary"]["suppressed"] == 1


def test_plugin_kind_changed_files(plugin_python, tmp_path):
    _stack(tmp_path)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    own = _nglint(plugin_python, "check", "--changed", "app/idlesrv.ini", "--format", "json", cwd=tmp_path)
    assert [f["rule"] for f in json.loads(own.stdout)["findings"]] == ["KA001"], own.stderr
    fed = _nglint(plugin_python, "check", "--changed", "app/idlesrv.env", "--format", "json", cwd=tmp_path)
    assert [f["rule"] for f in json.loads(fed.stdout)["findings"]] == ["KA001"], fed.stderr
    write_tree(tmp_path, {"other/README.conf": "# not nginx\n"})
    unrelated = _nglint(plugin_python, "check", "--changed", "other/README.conf", "--format", "json", cwd=tmp_path)
    assert json.loads(unrelated.stdout)["findings"] == []


def test_plugin_kind_records_a_diagnostic_kind_a_builtin_rule_reports(plugin_python, tmp_path):
    _stack(tmp_path, "listen = 8000\nidle_timeout 120\n")
    result = _nglint(plugin_python, "check", ".", "--format", "json", "--select", "P", cwd=tmp_path)
    findings = [(f["rule"], f["path"], f["line"], f["message"]) for f in json.loads(result.stdout)["findings"]]
    assert findings == [("P003", "app/idlesrv.ini", 2, "not a `key = value` line")], result.stderr
