"""`nglint topology`: every chain with both idle timeouts per hop, races marked, in text,
JSON, Mermaid and DOT (DOT checked by Graphviz itself)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from conftest import IN_CI, run_cli, write_tree

STACK = {
    "docker-compose.yml": """
        services:
          proxy:
            image: nginx:1.27
            volumes: ["./nginx/nginx.conf:/etc/nginx/nginx.conf:ro"]
          app:
            image: python:3.12
            command: gunicorn -k gthread --keep-alive 2 -b 0.0.0.0:8000 app:app
          api:
            image: node:20
            command: node server.js
            volumes: ["./api/server.js:/srv/server.js"]
    """,
    "api/server.js": "const s = require('http').createServer(h);\ns.keepAliveTimeout = 120000;\ns.listen(3000);\n",
    "nginx/nginx.conf": """
        events {}
        http {
            keepalive_timeout 30s;
            upstream app { server app:8000; keepalive 8; }
            upstream api { server api:3000; keepalive 8; keepalive_timeout 50s; }
            server {
                listen 8080;
                location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; }
                location /api/ { proxy_pass http://api; proxy_http_version 1.1; proxy_set_header Connection ""; }
            }
        }
    """,
}


def test_text_marks_the_race_and_names_both_sides(tmp_path):
    write_tree(tmp_path, STACK)
    result = run_cli("topology", ".", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "nginx server (listen 8080) via listen: idle 30s (keepalive_timeout 30s) at nginx/nginx.conf:3" in out
    race_lines = [line for line in out.splitlines() if "RACE" in line]
    assert len(race_lines) == 1 and "gunicorn in app (gthread worker) app:8000 via compose service app: idle 2s" in race_lines[0]
    assert "Node.js in api api:3000 via compose service api: idle 120s (keepAliveTimeout = 120000) at api/server.js:2  [ok]" in out
    assert out.rstrip().endswith("2 chain(s), 1 race(s)")


def test_json_has_every_hop_with_provenance(tmp_path):
    write_tree(tmp_path, STACK)
    data = json.loads(run_cli("topology", "--format", "json", cwd=tmp_path).stdout)
    assert data["races"] == 1
    verdicts = [[hop["verdict"] for hop in chain["hops"]] for chain in data["chains"]]
    assert verdicts == [["unknown", "race"], ["unknown", "ok"]]
    gunicorn = data["chains"][0]["hops"][1]["server"]
    assert gunicorn["idle_timeout_ms"] == 2000
    assert gunicorn["provenance"] == {"origin": "file", "detail": "--keep-alive 2 in the command", "location": "docker-compose.yml:7"}
    assert data["chains"][1]["hops"][1]["client"]["provenance"]["location"] == "nginx/nginx.conf:5"


def test_mermaid_and_dot(tmp_path):
    write_tree(tmp_path, STACK)
    mermaid = run_cli("topology", "--format", "mermaid", cwd=tmp_path).stdout
    assert mermaid.startswith("flowchart LR\n")
    assert '-->|"RACE 60s / 2s"|' in mermaid and "linkStyle" in mermaid
    dot = run_cli("topology", "--format", "dot", cwd=tmp_path).stdout
    assert 'color="red"' in dot
    if shutil.which("dot") is None:
        if IN_CI:
            pytest.fail("graphviz (dot) is missing: .ci/install-system.sh installs it")
        pytest.skip("graphviz not installed")
    rendered = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, timeout=60)
    assert rendered.returncode == 0, rendered.stderr
    assert "<svg" in rendered.stdout


def test_no_race_exit_zero_and_bad_path_exit_two(tmp_path):
    write_tree(tmp_path, {"nginx.conf": "events {}\nhttp { server { listen 80; } }\n"})
    result = run_cli("topology", ".", cwd=tmp_path)
    assert (result.returncode, result.stdout.strip()) == (0, "0 chain(s), 0 race(s)")
    assert run_cli("topology", "missing", cwd=tmp_path).returncode == 2


def test_haproxy_is_a_front_tier_on_its_chain(tmp_path):
    """HAProxy's backend server is the client side of its hop to the nginx listening there."""
    from pathlib import Path

    sample = Path(__file__).resolve().parent.parent / "samples"
    shutil.copytree(sample / "30-haproxy-race", tmp_path / "race")
    result = run_cli("topology", ".", cwd=tmp_path / "race")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    first = lines.index("chain 1")
    assert lines[first + 1].startswith("  HAProxy backend nginx server web1: idle 90s (pool-purge-delay 30s on default-server line 10")
    assert "RACE" in lines[first + 2] and "nginx (nginx/nginx.conf, port 8196)" in lines[first + 2]
    shutil.copytree(sample / "31-haproxy-race-fixed", tmp_path / "fixed")
    assert run_cli("topology", ".", cwd=tmp_path / "fixed").returncode == 0


TRAEFIK_ZERO = """http:
  services:
    web:
      loadBalancer:
        serversTransport: forever
        servers:
          - url: http://127.0.0.1:8080
  serversTransports:
    forever:
      forwardingTimeouts:
        idleConnTimeout: 0
"""


def test_a_proxy_with_no_idle_limit_races_every_finite_server(tmp_path):
    write_tree(tmp_path, {"traefik/dynamic.yml": TRAEFIK_ZERO,
                          "nginx/nginx.conf": "events {}\nhttp {\n    server {\n        listen 8080;\n    }\n}\n"})
    result = run_cli("topology", ".", cwd=tmp_path)
    assert "Traefik service web: idle never (idleConnTimeout: 0 in serversTransport forever (0 = no idle limit))" in result.stdout
    race = [line for line in result.stdout.splitlines() if "RACE" in line]
    assert len(race) == 1 and "nginx (nginx/nginx.conf, port 8080)" in race[0] and result.returncode == 1
