"""WS001 and WS002 on real nginx configs (bad case at the exact line, good twin silent)."""

import json
import subprocess

import pytest

from conftest import found, run_cli, told, write_tree

MAP_CLOSE = "  map $http_upgrade $connection_upgrade {\n    default upgrade;\n    '' close;\n  }\n"
MAP_CLEAR = MAP_CLOSE.replace("'' close;", "'' '';")


def conf(locations: str, maps: str = MAP_CLEAR, upstream: str = "  upstream app {\n    server 127.0.0.1:9000;\n    keepalive 8;\n  }\n") -> str:
    return "events {}\nhttp {\n" + maps + upstream + "  server {\n    listen 80;\n" + locations + "  }\n}\n"


GOOD_WS = ("    location /ws/ {\n      proxy_pass http://app;\n      proxy_http_version 1.1;\n"
           "      proxy_set_header Upgrade $http_upgrade;\n      proxy_set_header Connection $connection_upgrade;\n"
           "      proxy_read_timeout 3600s;\n    }\n")


def ws_only(report, prefix="WS"):
    return [f for f in found(report) if f[0].startswith(prefix)]


# -- WS001 --------------------------------------------------------------------------------
def test_ws001_route_without_any_header_names_every_missing_piece(lint):
    report = lint({"nginx.conf": conf("    location /ws/ {\n      proxy_pass http://app;\n      proxy_read_timeout 1h;\n    }\n")})
    assert ws_only(report) == [("WS001", "nginx.conf", 14)]
    finding = next(f for f in report.findings if f.rule == "WS001")
    assert "without HTTP/1.1, the Upgrade header and Connection: upgrade" in finding.message
    message = told(finding)
    assert "proxy_http_version 1.1" in message and "Upgrade $http_upgrade" in message and "Connection" in message


def test_ws001_upgrade_header_makes_any_path_a_websocket_location(lint):
    location = ("    location /live {\n      proxy_pass http://app;\n      proxy_http_version 1.1;\n"
                "      proxy_set_header Upgrade $http_upgrade;\n      proxy_read_timeout 1h;\n    }\n")
    report = lint({"nginx.conf": conf(location)})
    assert ws_only(report) == [("WS001", "nginx.conf", 14)]
    (finding,) = [f for f in report.findings if f.rule == "WS001"]
    assert "it passes the Upgrade header" in told(finding) and "Upgrade $http_upgrade" not in told(finding)
    assert "without Connection: upgrade" in finding.message


def test_ws001_good_twin_and_literal_upgrade_and_http_connection(lint):
    assert ws_only(lint({"nginx.conf": conf(GOOD_WS)})) == []
    literal = GOOD_WS.replace("$connection_upgrade", '"upgrade"')
    assert ws_only(lint({"nginx.conf": conf(literal, maps="")})) == []
    passthrough = GOOD_WS.replace("$connection_upgrade", "$http_connection")
    assert ws_only(lint({"nginx.conf": conf(passthrough, maps="")})) == []


def test_ws001_nginx_1_29_7_speaks_http_1_1_by_default(lint):
    location = GOOD_WS.replace("      proxy_http_version 1.1;\n", "")
    assert ws_only(lint({"nginx.conf": conf(location)})) == [("WS001", "nginx.conf", 14)]
    assert ws_only(lint({"nginx.conf": conf(location)}, nginx_version="1.30")) == []


def test_ws001_plain_location_is_not_a_websocket(lint):
    plain = "    location /api/ {\n      proxy_pass http://app;\n    }\n"
    assert ws_only(lint({"nginx.conf": conf(plain)})) == []


def test_ws001_map_close_on_a_pooled_upstream_reported_once_at_the_map_entry(lint):
    second = GOOD_WS.replace("/ws/", "/cable")
    report = lint({"nginx.conf": conf(GOOD_WS + second, maps=MAP_CLOSE)})
    assert ws_only(report) == [("WS001", "nginx.conf", 5)]
    finding = next(f for f in report.findings if f.rule == "WS001")
    assert "pooled upstream 'app'" in finding.message and "'' ''" in finding.message
    assert "'' close" in told(finding)


def test_ws001_map_close_without_a_pool_is_fine(lint):
    report = lint({"nginx.conf": conf(GOOD_WS.replace("http://app", "http://127.0.0.1:9000"), maps=MAP_CLOSE, upstream="")})
    assert ws_only(report) == []


def test_ws001_fix_clears_connection_in_the_map_byte_exact(tmp_path):
    text = conf(GOOD_WS, maps=MAP_CLOSE)
    write_tree(tmp_path, {"nginx.conf": text})
    result = run_cli("check", ".", "--fix", "--select", "WS", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "nginx.conf").read_text() == text.replace("    '' close;\n", "    '' '';\n")


# -- WS002 --------------------------------------------------------------------------------
@pytest.mark.parametrize("path, timer, expected", [
    ("/socket.io/", "20s", [("WS002", "nginx.conf", 14)]),   # 20s < socket.io's 25s heartbeat
    ("/socket.io/", "60s", []),
    ("/cable", "2s", [("WS002", "nginx.conf", 14)]),          # ActionCable beats every 3s
    ("/cable", "10s", []),
    ("/sockjs/", "26s", [("WS002", "nginx.conf", 14)]),       # 25s plus the 10% margin does not fit
])
def test_ws002_known_heartbeat_against_proxy_read_timeout(lint, path, timer, expected):
    location = GOOD_WS.replace("/ws/", path).replace("3600s", timer)
    assert ws_only(lint({"nginx.conf": conf(location)}), "WS002") == expected


def test_ws002_unknown_heartbeat_is_info_only_under_the_implicit_default(lint):
    implicit = GOOD_WS.replace("      proxy_read_timeout 3600s;\n", "")
    report = lint({"nginx.conf": conf(implicit)})
    (finding,) = [f for f in report.findings if f.rule == "WS002"]
    assert finding.severity.value == "info" and "heartbeat unknown" in finding.message
    assert "does not know whether the backend sends heartbeats" in told(finding)
    assert "nginx's default proxy_read_timeout 60s" in told(finding)
    assert ws_only(lint({"nginx.conf": conf(GOOD_WS)}), "WS002") == []


def test_ws002_the_load_balancer_in_front_is_the_shortest_timer_and_named_on_the_path(tmp_path):
    tf = ('resource "aws_lb" "web" {\n  idle_timeout = 20\n}\nresource "aws_lb_target_group" "web" {\n  port = 80\n}\n'
          'resource "aws_lb_listener" "l" {\n  load_balancer_arn = aws_lb.web.arn\n'
          "  default_action {\n    target_group_arn = aws_lb_target_group.web.arn\n  }\n}\n")
    location = GOOD_WS.replace("/ws/", "/socket.io/").replace("3600s", "120s")
    write_tree(tmp_path, {"infra/main.tf": tf, "nginx/nginx.conf": conf(location)})
    findings = json.loads(run_cli("check", ".", "--format", "json", "--select", "WS", cwd=tmp_path).stdout)["findings"]
    assert [(f["rule"], f["path"], f["line"]) for f in findings] == [("WS002", "nginx/nginx.conf", 14)]
    message = findings[0]["message"]
    assert "path: client -> AWS Application Load Balancer aws_lb.web -> nginx location /socket.io/ -> upstream 'app'" in findings[0]["sources"]
    assert message.startswith("AWS Application Load Balancer aws_lb.web closes idle websockets") and "after 20s" in message
    assert any(s.startswith("AWS Application Load Balancer aws_lb.web: 20s from") for s in findings[0]["sources"])
    assert any(s.startswith("nginx proxy_read_timeout: 120s from") for s in findings[0]["sources"])


@pytest.mark.parametrize("location, server_extra", [
    ("    location /ws/ {\n      proxy_pass http://127.0.0.1:9000;\n      proxy_read_timeout 1h;\n    }\n", ""),
    ("    location /ws/ {\n      proxy_pass http://127.0.0.1:9000;\n      proxy_read_timeout 1h;\n    }\n",
     "    proxy_set_header Host $host;\n    proxy_set_header Connection \"\";\n"),
    ("    location /live {\n      proxy_pass http://127.0.0.1:9000;\n      proxy_set_header Upgrade $http_upgrade;\n"
     "      proxy_set_header Connection \"\";\n    }\n", ""),
])
def test_ws001_display_fix_applied_gives_a_clean_config_that_nginx_accepts(tmp_path, location, server_extra):
    from fix_helpers import apply_json_edits
    from test_frontend import nginx_binary

    text = "events {}\nhttp {\n  server {\n    listen 8080;\n" + server_extra + location + "  }\n}\n"
    write_tree(tmp_path, {"nginx.conf": text})
    findings = json.loads(run_cli("check", ".", "--format", "json", "--select", "WS001", cwd=tmp_path).stdout)["findings"]
    (finding,) = findings
    assert finding["fix"]["safety"] == "display"
    fixed = apply_json_edits(text.encode(), finding["fix"]["edits"]).decode()
    (tmp_path / "nginx.conf").write_text(fixed)
    assert json.loads(run_cli("check", ".", "--format", "json", "--select", "WS001", cwd=tmp_path).stdout)["findings"] == []
    if "Host" in server_extra:
        assert "proxy_set_header Host $host;" in fixed.split("location")[1]  # the inherited header is copied along
    assert "Connection \"\"" not in fixed.split("location")[1]
    check = subprocess.run([nginx_binary(), "-t", "-q", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                            "-e", str(tmp_path / "error.log"), "-g", f"pid {tmp_path}/nginx.pid;"],
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr
