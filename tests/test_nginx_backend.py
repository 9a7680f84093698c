"""nginx behind nginx: the backend nginx's client-side keepalive_timeout per listen port."""

from __future__ import annotations

from conftest import told, write_tree
from nglint.findings import Location
from nglint.sources.process import Process, backends_for


def _backends(tmp_path, files, mounts, image="nginx:1.27-alpine"):
    write_tree(tmp_path, files)
    where = Location(str(tmp_path / "docker-compose.yml"), 4)
    process = Process("client", where, image, None, None, files={k: str(tmp_path / v) for k, v in mounts.items()})
    return backends_for(process, [str(tmp_path)], 10**6)


def test_image_default_server(tmp_path):
    (backend,) = _backends(tmp_path, {}, {})
    assert (backend.kind, backend.port, backend.idle_policy.describe()) == (
        "nginx", 80, "65s (keepalive_timeout 65 in the image's nginx.conf)")


def test_conf_d_fragment_and_server_level(tmp_path):
    backends = _backends(tmp_path, {"default.conf": "server {\n  listen 3000;\n  keepalive_timeout 10s;\n}\nserver { listen 8080; }\n"},
                         {"/etc/nginx/conf.d/default.conf": "default.conf"})
    assert [(b.port, b.idle_policy.timeout_ms) for b in backends] == [(3000, 10000), (8080, 65000)]


def test_own_nginx_conf(tmp_path):
    backends = _backends(tmp_path, {"nginx.conf": "events {}\nhttp {\n  keepalive_timeout 0;\n  server { listen 80; }\n}\n"},
                         {"/etc/nginx/nginx.conf": "nginx.conf"})
    (backend,) = backends
    assert not backend.idle_policy.keepalive


def test_front_nginx_links_to_frontend_nginx(lint):
    report = lint({
        "docker-compose.yml": """
            services:
              proxy:
                image: nginx:1.26
                volumes: ["./proxy/nginx.conf:/etc/nginx/nginx.conf:ro"]
              client:
                image: nginx:1.26-alpine
                volumes: ["./client/default.conf:/etc/nginx/conf.d/default.conf:ro"]
        """,
        "client/default.conf": "server {\n    listen 80;\n    keepalive_timeout 15s;\n    root /usr/share/nginx/html;\n}\n",
        "proxy/nginx.conf": """
            events {}
            http {
                upstream client { server client:80; keepalive 8; }
                server { listen 80; location / { proxy_pass http://client; proxy_http_version 1.1; proxy_set_header Connection ""; } }
            }
        """,
    })
    (finding,) = [f for f in report.findings if f.rule == "KA001"]
    assert "nginx in client closes idle connections after 15s (keepalive_timeout 15s" in told(finding)
