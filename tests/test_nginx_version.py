"""The nginx version an image runs decides pooled-by-default upstreams, per config."""

from __future__ import annotations

import pytest

from conftest import told, found

COMPOSE = """\
services:
  proxy:
    image: "{image}"
    volumes: ["./nginx/default.conf:/etc/nginx/conf.d/default.conf:ro"]
  app:
    image: python:3.12
    command: gunicorn -k gthread -b 0.0.0.0:8000 app:app
"""
NGINX = """\
upstream app {
    server app:8000;
}
server {
    listen 80;
    location / {
        proxy_pass http://app;
    }
}
"""


@pytest.mark.parametrize("image, version", [
    ("nginx:1.27-alpine", (1, 27, 999)),
    ("nginx:1.29.7", (1, 29, 7)),
    ("docker.io/library/nginx:1.25.3-perl", (1, 25, 3)),
    ("nginx:stable-alpine", (1, 30, 3)),
    ("nginx:mainline", (1, 31, 1)),
    ("nginx", (1, 31, 1)),
    ("nginx:alpine", (1, 31, 1)),
    ("nginxinc/nginx-unprivileged:1.28-alpine", (1, 28, 999)),
    ("openresty/openresty:1.27.1.2-alpine", (1, 27, 1)),
    ("openresty/openresty:alpine", None),
    ("nginx:${NGINX_TAG}", None),
    ("nginx@sha256:abc", (1, 31, 1)),
    ("httpd:2.4", None),
])
def test_version_of_image(image, version):
    from nglint.sources.nginx.versions import version_of_image

    result = version_of_image(image)
    assert (result.version if result else None) == version


def _stack(name, image):
    return {f"{name}/docker-compose.yml": COMPOSE.format(image=image), f"{name}/nginx/default.conf": NGINX}


def test_new_image_pools_by_default_for_ka001(lint):
    report = lint(_stack("s", "nginx:stable"))
    assert [f.rule for f in report.findings if f.rule.startswith("KA")] == ["KA001"]
    (finding,) = report.findings
    assert "pooled by default since nginx 1.29.7 (nginx 1.30.3, what image nginx:stable ran on 2026-12-01" in told(finding)
    assert "gunicorn in app (gthread worker) closes idle connections after 2s" in told(finding)


def test_old_image_does_not_pool(lint):
    report = lint(_stack("s", "nginx:1.27-alpine"))
    assert [f.rule for f in report.findings if f.rule.startswith("KA")] == []


def test_unknown_version_warns_with_the_backend_value(lint):
    report = lint(_stack("s", "nginx:${NGINX_TAG}"))
    (finding,) = [f for f in report.findings if f.rule.startswith("KA")]
    assert finding.rule == "KA005" and "gunicorn in app (gthread worker): gunicorn's default keepalive 2s" in told(finding)


def test_declared_version_wins(lint):
    report = lint(_stack("s", "nginx:stable"), nginx_version="1.28.0")
    assert [f.rule for f in report.findings if f.rule.startswith("KA")] == []


def test_each_stack_its_own_version(lint):
    report = lint({**_stack("new", "nginx:1.30"), **_stack("old", "nginx:1.26")})
    assert [(rule, path) for rule, path, _ in found(report) if rule.startswith("KA")] == [("KA001", "new/nginx/default.conf")]


def test_changed_compose_file_reports_the_race_its_image_causes(tmp_path):
    """The compose file naming the nginx image is a related location, so `--changed
    docker-compose.yml` (an image bump) reports the pooled-by-default race it brings."""
    import json
    import subprocess

    from conftest import run_cli, write_tree

    write_tree(tmp_path, _stack("s", "nginx:1.30-alpine"))
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    result = run_cli("check", "--changed", "s/docker-compose.yml", "--format", "json", cwd=tmp_path)
    findings = json.loads(result.stdout)["findings"]
    assert [f["rule"] for f in findings] == ["KA001"], result.stdout + result.stderr
    assert ["s/docker-compose.yml", 3] in [[r["path"], r["line"]] for r in findings[0]["related"]]
