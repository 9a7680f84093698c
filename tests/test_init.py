"""`nglint init`: a .nglint.toml from what nglint finds, never overwriting, plus the hook snippet."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli, write_tree
from nglint import __version__

TOMCAT = '<Server><Service name="C">\n<Connector port="8080" protocol="HTTP/1.1" connectionTimeout="20000"/>\n</Service></Server>\n'
NGINX = (
    "events {}\nhttp {\n    upstream app {\n        server 127.0.0.1:8080;\n        keepalive 16;\n    }\n"
    "    upstream api {\n        server 127.0.0.1:3000;\n        keepalive 8;\n    }\n"
    "    server {\n        listen 80;\n"
    '        location / {\n            proxy_pass http://app;\n            proxy_http_version 1.1;\n            proxy_set_header Connection "";\n        }\n'
    '        location /api {\n            proxy_pass http://api;\n            proxy_http_version 1.1;\n            proxy_set_header Connection "";\n        }\n'
    "    }\n}\n"
)
COMPOSE = "services:\n  web:\n    image: nginx:1.27.3\n"


def _stack(root: Path, **extra: str) -> None:
    write_tree(root, {"nginx/nginx.conf": NGINX, "nginx/conf.d/extra.conf": "# nothing\n",
                      "tomcat/conf/server.xml": TOMCAT, **extra})


def test_init_writes_what_it_found(tmp_path: Path) -> None:
    _stack(tmp_path, **{"docker-compose.yml": COMPOSE})
    before = run_cli("check", ".", "--format", "json", cwd=tmp_path)
    result = run_cli("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / ".nglint.toml").read_text()
    assert 'nginx-roots = ["nginx/nginx.conf"]' in text
    assert 'nginx-version = "1.27.3"' in text and "docker-compose.yml:3" in text
    assert "#   app (nginx/nginx.conf:3) -> tomcat/conf/server.xml:2 (port 8080)" in text
    assert "# Upstream 'api' (nginx/nginx.conf:7) is not linked" in text and '# upstream = "api"' in text
    # The written file loads, and it is what the run now reports from.
    settings = run_cli("check", ".", "--show-settings", cwd=tmp_path)
    assert settings.returncode == 0 and "1.27.3" in settings.stdout
    after = run_cli("check", ".", "--format", "json", cwd=tmp_path)
    assert json.loads(after.stdout)["findings"] == json.loads(before.stdout)["findings"]  # 1.27 keeps the old defaults


def test_init_prints_the_precommit_snippet_for_this_release(tmp_path: Path) -> None:
    _stack(tmp_path)
    result = run_cli("init", cwd=tmp_path)
    assert f"rev: v{__version__}\n" in result.stdout and "- id: nglint\n" in result.stdout
    assert "repo: https://github.com/nglint/nglint" in result.stdout


def test_the_backend_template_works_once_filled_in(tmp_path: Path) -> None:
    _stack(tmp_path)
    run_cli("init", cwd=tmp_path)
    config = tmp_path / ".nglint.toml"
    text = config.read_text().replace("# [[backend]]", "[[backend]]").replace('# upstream = "api"', 'upstream = "api"')
    text = text.replace('# idle-timeout = "60s"', 'idle-timeout = "5s"')
    config.write_text(text)
    result = run_cli("check", ".", "--format", "json", "--select", "KA001", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert {(f["rule"], f["line"]) for f in json.loads(result.stdout)["findings"]} >= {("KA001", 9)}


def test_init_never_overwrites_without_force(tmp_path: Path) -> None:
    _stack(tmp_path, **{".nglint.toml": "# mine\n"})
    result = run_cli("init", cwd=tmp_path)
    assert result.returncode == 2 and "--force" in result.stderr
    assert (tmp_path / ".nglint.toml").read_text() == "# mine\n"
    forced = run_cli("init", "--force", cwd=tmp_path)
    assert forced.returncode == 0 and "nginx-roots" in (tmp_path / ".nglint.toml").read_text()


def test_init_in_a_directory_argument(tmp_path: Path) -> None:
    _stack(tmp_path / "deploy")
    assert run_cli("init", "deploy", cwd=tmp_path).returncode == 0
    assert 'nginx-roots = ["nginx/nginx.conf"]' in (tmp_path / "deploy" / ".nglint.toml").read_text()


def test_version_unknown_when_files_disagree(tmp_path: Path) -> None:
    _stack(tmp_path, **{"docker-compose.yml": COMPOSE, "k8s/web.yaml": "image: nginx:1.25.4\n"})
    run_cli("init", cwd=tmp_path)
    text = (tmp_path / ".nglint.toml").read_text()
    assert "nginx version: unknown" in text and "\nnginx-version" not in text
