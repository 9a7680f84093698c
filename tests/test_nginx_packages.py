"""The nginx version a Dockerfile installs from distribution packages: pins, the base
image release's package, moving or unknown releases left unknown with a reason; fed to
the pooled-by-default decision with the Dockerfile line as its provenance."""

from __future__ import annotations

import pytest

from conftest import found, told
from nglint.sources.nginx.packages import distribution_release, install_in, version_of_install


@pytest.mark.parametrize("run, base, version", [
    ("apt-get update && apt-get install -y --no-install-recommends nginx=1.22.1-9 curl", "debian:bookworm", (1, 22, 1)),
    ("apt-get install -y nginx=1:1.18.0-6ubuntu14 && rm -rf /var/lib/apt/lists/*", "ubuntu:22.04", (1, 18, 0)),
    ("apt-get install -y nginx=1.26.*", "debian:trixie", (1, 26, 999)),
    ("apt-get install -y nginx=1.29.8-1~bookworm", "debian:bookworm", (1, 29, 8)),
    ("apk add --no-cache nginx=1.24.0-r7", "alpine:3.19", (1, 24, 0)),
    ("apk add --no-cache 'nginx~=1.26'", "alpine:3.20", (1, 26, 999)),
    ("dnf install -y nginx-1.20.1 && dnf clean all", "rockylinux:9", (1, 20, 1)),
    ("yum install -y nginx-1:1.20.1-14.el9", "almalinux:9", (1, 20, 1)),
    ("apt-get install -y nginx", "debian:bookworm-slim", (1, 22, 1)),
    ("apt-get install -y nginx-light", "debian:12", (1, 22, 1)),
    ("apt install -y nginx", "ubuntu:24.04", (1, 24, 0)),
    ("apt-get install -y nginx", "ubuntu:noble", (1, 24, 0)),
    ("apk add nginx", "alpine:3.20", (1, 26, 999)),
    ("apk add nginx", "alpine:3.24.1", (1, 30, 999)),
    ("apt-get install -y nginx", "python:3.12-slim-bookworm", (1, 22, 1)),
    ("apk add --no-cache nginx", "node:20-alpine3.21", (1, 26, 999)),
])
def test_known_versions(run, base, version):
    install = install_in(run, 4)
    found_version, reason = version_of_install(install, base)
    assert reason == "" and found_version.version == version


@pytest.mark.parametrize("run, base, reason", [
    ("apt-get install -y nginx", "debian:stable", "no nginx version on record for debian stable"),
    ("apt-get install -y nginx", "debian", "no nginx version on record for debian (untagged)"),
    ("apk add nginx", "alpine:latest", "no nginx version on record for alpine latest"),
    ("apt-get install -y nginx", "python:3.12-slim", "does not name a distribution release"),
    ("dnf install -y nginx", "rockylinux:9", "does not name a distribution release"),
    ("apt-get install -y nginx", "${BASE}", "is not known before the build"),
    ("apk add 'nginx>=1.24'", "alpine:3.20", "names no single version"),
    ("apt-get install -y nginx=latest", "debian:bookworm", "is not a version nglint can read"),
])
def test_unknown_versions_say_why(run, base, reason):
    version, why = version_of_install(install_in(run, 1), base)
    assert version is None and reason in why


@pytest.mark.parametrize("run", ["apt-get install -y nginx-module-njs", "pip install nginx-config", "echo nginx",
                                 "apt-get install -y libnginx-mod-http-echo", "apk add 'unbalanced"])
def test_other_commands_install_no_nginx(run):
    assert install_in(run, 1) is None


def test_release_table_urls_and_names():
    assert distribution_release("ubuntu:jammy")[0] == ("ubuntu", "jammy")
    assert distribution_release("docker.io/library/debian:trixie-20260101")[0] == ("debian", "trixie")


COMPOSE = """\
services:
  proxy:
    build: ./proxy
  app:
    image: python:3.12
    command: gunicorn -k gthread --keep-alive 5 -b 0.0.0.0:8000 app:app
"""
NGINX = """\
events {}
http {
    upstream app {
        server app:8000;
    }
    server {
        listen 80;
        location / { proxy_pass http://app; }
    }
}
"""


def _stack(base: str, run: str) -> dict:
    dockerfile = f"FROM {base}\nRUN {run}\nCOPY nginx.conf /etc/nginx/nginx.conf\nCMD [\"nginx\", \"-g\", \"daemon off;\"]\n"
    return {"docker-compose.yml": COMPOSE, "proxy/Dockerfile": dockerfile, "proxy/nginx.conf": NGINX}


def test_packaged_nginx_from_1_29_7_pools_by_default(lint):
    report = lint(_stack("alpine:3.24", "apk add --no-cache nginx"))
    assert found(report) == [("KA001", "proxy/nginx.conf", 3)]
    text = told(report.findings[0])
    assert "the alpine 3.24 package" in text
    assert any(r.location.path.endswith("proxy/Dockerfile") and r.location.line == 2 for r in report.findings[0].related)


def test_packaged_nginx_before_1_29_7_does_not_pool(lint):
    assert found(lint(_stack("debian:bookworm", "apt-get update && apt-get install -y nginx"))) == []


def test_unknown_packaged_version_is_ka005(lint):
    report = lint(_stack("debian:stable-slim", "apt-get update && apt-get install -y nginx"))
    assert [f.rule for f in report.findings] == ["KA005"]
    assert "version: no nginx version on record for debian stable (base image debian:stable-slim) (Dockerfile:2)" \
        in report.findings[0].sources
