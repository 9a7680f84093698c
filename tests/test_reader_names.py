"""The file names readers declare as data (nglint.sources.READER_NAMES) cover what they claim.

Discovery asks a reader about a file only when the file's name fits the reader's declared
patterns, so a pattern narrower than the reader's `claims` would silently drop files. These
tests ask every built-in reader about every file of the samples, the test data and the
corpus, plus names chosen to sit on the edges of each pattern, and compare.
"""

from __future__ import annotations

import os

import pytest

from conftest import CORPUS, PROJECT_ROOT, write_tree

from nglint.sources import BUILTIN_READERS, READER_NAMES, feeds_a_reader, reader_for, readers
from nglint.sources.names import NamePatterns

EDGE_NAMES = {
    "compose.yaml": "services: {}\n",
    "docker-compose.override.yml": "services: {}\n",
    "compose.prod.yml": "services: {}\n",
    "Dockerfile": "FROM nginx\n",
    "Dockerfile.prod": "FROM nginx\n",
    "api.Dockerfile": "FROM nginx\n",
    "Containerfile": "FROM nginx\n",
    "Procfile": "web: gunicorn app:app\n",
    "Procfile.dev": "web: gunicorn app:app\n",
    "gunicorn.conf.py": "keepalive = 5\n",
    "gunicorn_config.py": "keepalive = 5\n",
    "gunicorn-settings.py": "keepalive = 5\n",
    "app/config/puma.rb": "persistent_timeout 20\n",
    "app/myconfig/puma.rb": "persistent_timeout 20\n",
    "app/Gemfile.lock": "    puma (6.4.0)\n",
    "jetty/start.ini": "jetty.http.idleTimeout=30000\n",
    "jetty/start.d/http.ini": "jetty.http.idleTimeout=30000\n",
    "jetty/other.d/http.ini": "jetty.http.idleTimeout=30000\n",
    "tf/main.tf": 'resource "aws_lb" "a" {\n  idle_timeout = 60\n}\n',
    "tf/x.tf.json": "{}\n",
    "tf/terraform.tfvars": "a = 1\n",
    "tf/prod.auto.tfvars.json": "{}\n",
    "httpd.conf": "KeepAliveTimeout 5\n",
    "apache2.conf": "KeepAliveTimeout 5\n",
    "k/kustomization.yaml": "resources: []\n",
    "k/Kustomization": "resources: []\n",
    "k/deploy.yml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n",
    "k/nginx.tmpl": "{{ $all := . }}\n",
    "chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\n",
    "chart/values.yaml": "controller: {}\n",
    "cfn/stack.template": "AWSTemplateFormatVersion: '2010-09-09'\n",
    "cfn/stack.json": '{"AWSTemplateFormatVersion": "2010-09-09"}\n',
    "traefik/dynamic.yml": "http:\n  serversTransports:\n    t: {}\n",
    "envoy/envoy.yaml": "static_resources:\n  clusters: []\n",
    "tomcat/conf/server.xml": "<Server><Service><Connector port='8080'/></Service></Server>\n",
    "tomcat/conf/catalina.properties": "a=1\n",
    ".env": "A=1\n",
    "nginx.conf": "events {}\n",
}


def _files(root) -> list[str]:
    found = []
    for directory, subdirs, names in os.walk(root):
        subdirs[:] = [d for d in subdirs if d not in ("__pycache__", ".git")]
        found.extend(os.path.join(directory, name) for name in names)
    return sorted(found)


@pytest.fixture(scope="module")
def paths(tmp_path_factory) -> list[str]:
    edge = write_tree(tmp_path_factory.mktemp("edge"), EDGE_NAMES)
    roots = [edge, PROJECT_ROOT / "samples", PROJECT_ROOT / "tests" / "rules", PROJECT_ROOT / "tests" / "data"]
    if CORPUS.is_dir():
        roots.append(CORPUS)
    return [path for root in roots if os.path.isdir(root) for path in _files(root)]


def test_every_builtin_reader_declares_its_names():
    assert {module for module, _ in BUILTIN_READERS} == set(READER_NAMES)


def test_declared_names_cover_what_each_reader_claims_and_is_fed_by(paths):
    assert len(paths) > 100
    instances = dict(zip((module for module, _ in BUILTIN_READERS), readers()))
    claimed = 0
    for module, (claim_patterns, feed_patterns) in READER_NAMES.items():
        reader, claims, feeds = instances[module], NamePatterns(claim_patterns), NamePatterns(feed_patterns)
        for path in paths:
            if reader.claims(path):
                claimed += 1
                assert claims.match(path), f"{module} claims {path}, which its declared names {claim_patterns} miss"
            if reader.feeds(path):
                assert feeds.match(path), f"{module} is fed by {path}, which its declared names {feed_patterns} miss"
    assert claimed > 50  # the trees really hold files of many kinds


def test_reader_for_answers_as_asking_every_reader_did(paths):
    """The name index changes which modules are imported, never the answer."""
    every = readers()
    for path in paths:
        expected = next((reader for reader in every if reader.claims(path)), None)
        assert reader_for(path) is expected, path
        assert feeds_a_reader(path) == any(reader.feeds(path) for reader in every), path


@pytest.mark.parametrize(
    "pattern, path, expected",
    [
        ("server.xml", "a/server.xml", True),
        ("server.xml", "a/server.xml.bak", False),
        ("Dockerfile.*", "x/Dockerfile.prod", True),
        ("Dockerfile.*", "x/Dockerfile", False),
        ("*.Dockerfile", "x/.Dockerfile", True),
        ("*.tf", "m/.tf", True),
        ("compose*.yml", "compose.yml", True),
        ("compose*.yml", "compose.yaml", False),
        ("compose*.yml", "compos.yml", False),
        ("start.d/*.ini", "jetty/start.d/http.ini", True),
        ("start.d/*.ini", "jetty/other.d/http.ini", False),
        ("start.d/*.ini", "http.ini", False),
        ("a*a", "a", False),  # prefix and suffix may not overlap
        ("a*a", "aa", True),
        ("web.config", "site/Web.Config", True),  # case is ignored: a wider match only asks one more reader
        ("start.d/*.ini", "jetty/Start.D/HTTP.INI", True),
    ],
)
def test_name_patterns(pattern, path, expected):
    assert NamePatterns((pattern,)).match(path) is expected


def test_two_stars_are_refused():
    with pytest.raises(ValueError):
        NamePatterns(("*a*",))
