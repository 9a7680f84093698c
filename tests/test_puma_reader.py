"""The Puma reader (config/puma.rb with tree-sitter's Ruby grammar, Gemfile.lock's version)
and the unix-socket linker."""

from __future__ import annotations

import pytest

from conftest import told, write_tree

LOCK = "GEM\n  remote: https://rubygems.org/\n  specs:\n    puma ({version})\n      nio4r (~> 2.0)\n"


def _parse(tmp_path, puma_rb, version=None):
    from nglint.sources.puma.reader import Puma

    files = {"config/puma.rb": puma_rb}
    if version:
        files["Gemfile.lock"] = LOCK.format(version=version)
    write_tree(tmp_path, files)
    return Puma().parse(str(tmp_path / "config/puma.rb"), [str(tmp_path)], 10**6)


@pytest.mark.parametrize("source, version, expected, port", [
    ("port ENV.fetch('PORT') { 3000 }\n", "6.4.2", "20s (Puma 6.4.2 default persistent_timeout 20s (Gemfile.lock))", 3000),
    ("port 3000\n", "7.0.1", "65s (Puma 7.0.1 default persistent_timeout 65s (Gemfile.lock))", 3000),
    ("bind 'tcp://0.0.0.0:9000'\npersistent_timeout 75\n", None, "75s (persistent_timeout 75)", 9000),
    ("persistent_timeout Integer(ENV.fetch('KA', 30))\n", None, "30s (persistent_timeout Integer(ENV.fetch('KA', 30)))", 9292),
    ("", None, "20s (Puma default persistent_timeout 20s, the smaller default, as the Puma version is unknown)", 9292),
])
def test_puma_rb(tmp_path, source, version, expected, port):
    (backend,) = _parse(tmp_path, source, version).backends
    assert (backend.idle_policy.describe(), backend.port) == (expected, port)


def test_computed_timeout_is_unknown_and_broken_ruby_never_crashes(tmp_path):
    (backend,) = _parse(tmp_path, "persistent_timeout compute_it(1)\n").backends
    assert "computed at run time" in backend.idle_policy.unknown_reason
    for text in ("def (((\n", "\x00\xff", "port " + "(" * 5000 + "1" + ")" * 5000 + "\n"):
        assert _parse(tmp_path, text).backends  # defaults, no crash


def test_unix_socket_links_puma_in_compose(lint, tmp_path):
    report = lint({
        "docker-compose.yml": """
            services:
              app:
                image: ruby:3.3
                command: bundle exec puma -C config/puma.rb
                volumes: [".:/srv/app"]
              web:
                image: nginx:1.26
                volumes: ["./nginx.conf:/etc/nginx/nginx.conf:ro"]
        """,
        "config/puma.rb": "app_root = File.expand_path('..', __dir__)\nbind \"unix://#{app_root}/tmp/puma.sock\"\n",
        "Gemfile.lock": LOCK.format(version="6.4.2"),
        "nginx.conf": """
            events {}
            http {
                upstream app { server unix:/srv/app/tmp/puma.sock; keepalive 4; }
                server { listen 80; location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; } }
            }
        """,
    })
    (finding,) = [f for f in report.findings if f.rule == "KA001"]
    assert "Puma in app on /srv/app/tmp/puma.sock closes idle connections after 20s" in told(finding)


def test_same_socket_path_in_another_stack_is_not_linked(lint):
    puma = "bind 'unix:///tmp/puma.sock'\n"
    report = lint({
        "a/docker-compose.yml": "services:\n  app:\n    image: ruby\n    command: puma -C config/puma.rb\n    volumes: ['.:/app']\n",
        "a/config/puma.rb": puma,
        "b/docker-compose.yml": "services:\n  web:\n    image: nginx:1.26\n    volumes: ['./nginx.conf:/etc/nginx/nginx.conf']\n",
        "b/nginx.conf": "events {}\nhttp {\n upstream app { server unix:/tmp/puma.sock; keepalive 4; }\n server { listen 80; location / { proxy_pass http://app; } }\n}\n",
    })
    # Not linked across stacks: no KA001. (The pool is unused over HTTP/1.0, so KA003, not P005.)
    assert [f.rule for f in report.findings if f.rule in ("KA001", "KA003", "P005")] == ["KA003"]


def test_standalone_puma_rb_in_a_folder_of_unmarked_stacks_offers_nothing(tmp_path):
    from nglint.sources.puma.reader import Puma

    write_tree(tmp_path, {"stack-a/config/puma.rb": "port 3000\n"})
    assert Puma().parse(str(tmp_path / "stack-a/config/puma.rb"), [str(tmp_path)], 10**6).backends == []
