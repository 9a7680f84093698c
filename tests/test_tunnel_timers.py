"""What closes an idle websocket in the proxy in front of nginx, as WS002 counts it.

HAProxy: `timeout tunnel`, else the frontend's `timeout client` and the backend's `timeout
server` (the shorter); its pool purge never. Envoy: the route's `idle_timeout`, else the
connection manager's `stream_idle_timeout` (5 minutes); the cluster's pool `idle_timeout`
never. Traefik: nothing (a hijacked connection loses its deadlines; idleConnTimeout is the
pool's). HAProxy in TCP mode relays: no LB001, no LB002, but its tunnel timer still counts.
"""

import pytest

from conftest import found, told

# A socket.io route (25s heartbeat) whose nginx timer is long: only the front tier can cut it.
NGINX_WS = ("events {}\nhttp {\n    keepalive_timeout 65s;\n    upstream app { server 127.0.0.1:9000; }\n"
            "    server {\n        listen 8080;\n        location /socket.io/ {\n            proxy_pass http://app;\n"
            "            proxy_http_version 1.1;\n            proxy_set_header Upgrade $http_upgrade;\n"
            "            proxy_set_header Connection \"upgrade\";\n            proxy_read_timeout 1h;\n        }\n    }\n}\n")


def haproxy(defaults: str = "    mode http\n", frontend: str = "", backend: str = "") -> str:
    return ("global\n    log stdout format raw local0\n\n"
            f"defaults\n{defaults}    timeout connect 5s\n\n"
            f"frontend www\n    bind :80\n{frontend}    default_backend web\n\n"
            f"backend web\n{backend}    server web1 127.0.0.1:8080\n")


def ws(report):
    return [f for f in report.findings if f.rule == "WS002"]


# -- HAProxy ------------------------------------------------------------------------------------

def test_haproxy_timeout_tunnel_cuts_an_idle_websocket_and_is_named(lint):
    cfg = haproxy(frontend="    timeout client 1h\n", backend="    timeout server 1h\n    timeout tunnel 20s\n")
    report = lint({"haproxy/haproxy.cfg": cfg, "nginx/nginx.conf": NGINX_WS})
    assert found(report) == [("WS002", "nginx/nginx.conf", 8)]
    finding = report.findings[0]
    assert finding.message.startswith("HAProxy backend web server web1 closes idle websockets on /socket.io/ after 20s")
    assert "path: client -> HAProxy backend web server web1 -> nginx location /socket.io/ -> upstream 'app'" in finding.sources
    assert "timeout tunnel 20s in the backend section web" in told(finding)
    related = [(report.display_path(r.location.path), r.location.line) for r in finding.related]
    assert ("haproxy/haproxy.cfg", 15) in related  # the timeout tunnel line


def test_haproxy_timeout_tunnel_supersedes_short_client_and_server_timeouts(lint):
    cfg = haproxy(frontend="    timeout client 10s\n", backend="    timeout server 10s\n    timeout tunnel 1h\n")
    assert ws(lint({"haproxy/haproxy.cfg": cfg, "nginx/nginx.conf": NGINX_WS})) == []


@pytest.mark.parametrize("frontend, backend, seconds, key", [
    ("    timeout client 20s\n", "    timeout server 1h\n", 20, "timeout client 20s in the frontend section www"),
    ("    timeout client 1h\n", "    timeout server 15s\n", 15, "timeout server 15s in the backend section web"),
])
def test_without_timeout_tunnel_the_shorter_of_client_and_server_applies(lint, frontend, backend, seconds, key):
    report = lint({"haproxy/haproxy.cfg": haproxy(frontend=frontend, backend=backend), "nginx/nginx.conf": NGINX_WS})
    (finding,) = ws(report)
    assert f"after {seconds}s" in finding.message and key in told(finding)
    assert "no timeout tunnel" in told(finding)


def test_defaults_section_timeouts_are_inherited(lint):
    cfg = haproxy(defaults="    mode http\n    timeout client 1h\n    timeout server 1h\n    timeout tunnel 12s\n")
    (finding,) = ws(lint({"haproxy/haproxy.cfg": cfg, "nginx/nginx.conf": NGINX_WS}))
    assert "timeout tunnel 12s in the defaults section" in told(finding)


def test_no_timeout_at_all_is_no_timer_and_zero_is_none(lint):
    report = lint({"haproxy/haproxy.cfg": haproxy(), "nginx/nginx.conf": NGINX_WS})
    assert ws(report) == []
    cfg = haproxy(frontend="    timeout client 1h\n", backend="    timeout server 1h\n    timeout tunnel 0\n")
    assert ws(lint({"haproxy/haproxy.cfg": cfg, "nginx/nginx.conf": NGINX_WS})) == []


def test_an_unreadable_timeout_is_unknown_and_never_counted(lint):
    cfg = haproxy(frontend="    timeout client 1h\n", backend="    timeout server 1h\n    timeout tunnel soon\n")
    assert ws(lint({"haproxy/haproxy.cfg": cfg, "nginx/nginx.conf": NGINX_WS})) == []


def test_tcp_mode_relays_no_lb001_no_lb002_but_its_tunnel_timer_counts(lint):
    """TCP mode pools nothing (no LB001) and closes both sides itself at its timeouts, with FIN
    (RST with option nolinger): nginx sees the close, so it is no flow-forgetting L4 device
    (no LB002), even with nginx's keepalive_timeout far above HAProxy's timeouts."""
    long_nginx = NGINX_WS.replace("keepalive_timeout 65s", "keepalive_timeout 600s")
    cfg = haproxy(defaults="    mode tcp\n", frontend="    timeout client 30s\n", backend="    timeout server 30s\n")
    assert found(lint({"haproxy/haproxy.cfg": cfg, "nginx/nginx.conf": long_nginx})) == []
    cfg = haproxy(defaults="", frontend="    timeout client 1h\n", backend="    timeout server 1h\n    timeout tunnel 20s\n")
    report = lint({"haproxy/haproxy.cfg": cfg, "nginx/nginx.conf": long_nginx})
    assert found(report) == [("WS002", "nginx/nginx.conf", 8)]
    assert report.findings[0].message.startswith("HAProxy backend web server web1 closes idle websockets")
    assert "path: client -> HAProxy backend web server web1 (TCP mode) -> nginx location /socket.io/ -> upstream 'app'" in report.findings[0].sources


def test_a_tcp_mode_haproxy_linked_to_nothing_is_no_link_gap(lint):
    cfg = haproxy(defaults="    mode tcp\n", frontend="    timeout client 30s\n", backend="    timeout server 30s\n")
    assert lint({"haproxy/haproxy.cfg": cfg}).findings == []


def test_topology_shows_the_relay_as_a_tcp_hop(tmp_path):
    from conftest import write_tree
    from nglint.config import Settings
    from nglint.project import load_project
    from nglint.tiers.front import analyse

    write_tree(tmp_path, {"haproxy/haproxy.cfg": haproxy(defaults=""), "nginx/nginx.conf": NGINX_WS})
    project = load_project([str(tmp_path)], Settings())
    (hop,) = analyse(project).hops
    assert hop.client.protocol == "tcp" and not hop.client.idle.pools and not hop.client.idle.keepalive
    assert "FIN" in hop.client.idle.provenance.detail


# -- Envoy --------------------------------------------------------------------------------------

ENVOY = """static_resources:
  listeners:
    - name: http
      address:
        socket_address: {{address: 0.0.0.0, port_value: 80}}
      filter_chains:
        - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: ingress
{stream}                upgrade_configs:
                  - upgrade_type: websocket
                route_config:
                  virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                        - match: {{prefix: "/"}}
                          route:
                            cluster: web
{route}  clusters:
    - name: web
      typed_extension_protocol_options:
        envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
          common_http_protocol_options:
            idle_timeout: {pool}
      load_assignment:
        cluster_name: web
        endpoints:
          - lb_endpoints:
              - endpoint:
                  address:
                    socket_address: {{address: nginx, port_value: 8080}}
"""


def envoy(stream: str = "", route: str = "", pool: str = "60s") -> str:
    return ENVOY.format(stream=f"                stream_idle_timeout: {stream}\n" if stream else "",
                        route=f"                            idle_timeout: {route}\n" if route else "", pool=pool)


def test_envoy_cluster_idle_timeout_never_cuts_a_websocket(lint):
    """A 10s pool idle timeout fires only on a connection with no active stream."""
    report = lint({"envoy/envoy.yaml": envoy(pool="10s"), "nginx/nginx.conf": NGINX_WS})
    assert ws(report) == []


def test_envoy_stream_idle_timeout_cuts_and_a_route_idle_timeout_overrides_it(lint):
    report = lint({"envoy/envoy.yaml": envoy(stream="20s"), "nginx/nginx.conf": NGINX_WS})
    (finding,) = ws(report)
    assert finding.message.startswith("Envoy cluster web closes idle websockets on /socket.io/ after 20s")
    assert "stream_idle_timeout: 20s in the HTTP connection manager" in told(finding)
    assert ws(lint({"envoy/envoy.yaml": envoy(stream="20s", route="1h"), "nginx/nginx.conf": NGINX_WS})) == []
    (finding,) = ws(lint({"envoy/envoy.yaml": envoy(route="15s"), "nginx/nginx.conf": NGINX_WS}))
    assert "idle_timeout: 15s in the route" in told(finding)


def test_envoy_default_stream_idle_timeout_is_five_minutes_and_on_the_path(lint):
    short = NGINX_WS.replace("proxy_read_timeout 1h", "proxy_read_timeout 20s")
    (finding,) = ws(lint({"envoy/envoy.yaml": envoy(pool="10s"), "nginx/nginx.conf": short}))
    assert finding.message.startswith("nginx proxy_read_timeout closes idle websockets")
    assert any(s.startswith("Envoy cluster web: 300s from stream_idle_timeout not set: frontend default envoy.stream_idle_timeout 300s")
               for s in finding.sources), finding.sources


def test_envoy_without_routes_in_the_file_is_unknown_never_guessed(lint):
    clusters_only = "static_resources:\n  clusters:\n" + envoy(pool="10s").split("  clusters:\n", 1)[1]
    report = lint({"envoy/envoy.yaml": clusters_only, "nginx/nginx.conf": NGINX_WS})
    assert ws(report) == [] and found(report) == []
    short = NGINX_WS.replace("proxy_read_timeout 1h", "proxy_read_timeout 20s")
    (finding,) = ws(lint({"envoy/envoy.yaml": clusters_only, "nginx/nginx.conf": short}))
    assert any("idle websocket timer unknown (no route in this file sends to cluster web" in s for s in finding.sources)


# -- Traefik ------------------------------------------------------------------------------------

TRAEFIK = """http:
  services:
    web:
      loadBalancer:
        serversTransport: short
        servers:
          - url: "http://nginx:8080"
  serversTransports:
    short:
      forwardingTimeouts:
        idleConnTimeout: 10s
"""


def test_traefik_idle_conn_timeout_is_not_a_websocket_timer(lint):
    short = NGINX_WS.replace("proxy_read_timeout 1h", "proxy_read_timeout 20s")
    report = lint({"traefik/dynamic.yml": TRAEFIK, "nginx/nginx.conf": short})
    (finding,) = ws(report)
    assert finding.message.startswith("nginx proxy_read_timeout closes idle websockets")
    assert any(s.startswith("Traefik service web: idle websocket timer no timer") for s in finding.sources)
    assert ws(lint({"traefik/dynamic.yml": TRAEFIK, "nginx/nginx.conf": NGINX_WS})) == []


def test_declared_proxies_use_their_tunnel_timers_not_the_declared_pool_timeout(lint):
    declared = ('[[tool.nglint.frontend]]\nkind = "{kind}"\nidle-timeout = "10s"\ntarget = "nginx/nginx.conf"\n')
    assert ws(lint({"pyproject.toml": declared.format(kind="traefik"), "nginx/nginx.conf": NGINX_WS})) == []
    assert ws(lint({"pyproject.toml": declared.format(kind="haproxy"), "nginx/nginx.conf": NGINX_WS})) == []
    alb = ws(lint({"pyproject.toml": declared.format(kind="aws-alb"), "nginx/nginx.conf": NGINX_WS}))
    assert len(alb) == 1 and "after 10s" in alb[0].message
