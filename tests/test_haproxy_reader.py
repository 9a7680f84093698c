"""HAProxy in front of nginx or an app server: haproxy.cfg sections, `defaults` inheritance
(named, `from`), what keeps or drops idle server connections, links by port, LB001, and
files that are odd but valid (checked by a real `haproxy -c`) or broken (a P003, never a crash)."""

import shutil
import subprocess

import pytest

from conftest import IN_CI, found, told, write_tree

NGINX_65 = "events {}\nhttp {\n    keepalive_timeout 65s;\n    server {\n        listen 8080;\n    }\n}\n"
NGINX_DEFAULT = "events {}\nhttp {\n    server {\n        listen 8080;\n    }\n}\n"
TOMCAT = '<Server><Service>\n<Connector port="8080" connectionTimeout="20000" keepAliveTimeout="{timeout}"/>\n</Service></Server>\n'


def haproxy(backend: str = "", defaults: str = "    mode http\n", frontend: str = "") -> str:
    return (
        "global\n    log stdout format raw local0\n\n"
        f"defaults\n{defaults}    timeout connect 5s\n    timeout client 30s\n    timeout server 30s\n\n"
        f"frontend www\n    bind :80\n{frontend}    default_backend web\n\n"
        f"backend web\n{backend}    server web1 127.0.0.1:8080 check\n"
    )


def run(lint, cfg: str, behind: dict | None = None, name: str = "haproxy/haproxy.cfg"):
    return lint({name: cfg, **(behind if behind is not None else {"nginx/nginx.conf": NGINX_65})})


# -- what governs an idle server connection ---------------------------------------------------

def test_default_pool_purge_delay_keeps_a_lone_connection_three_rounds(lint):
    """5s by default, closed on the third purge round: 15s, well inside nginx's 65s."""
    assert found(run(lint, haproxy())) == []
    report = run(lint, haproxy(), {"tomcat/conf/server.xml": TOMCAT.format(timeout=10000)})
    assert found(report) == [("LB001", "tomcat/conf/server.xml", 2)]
    assert "keeps idle connections 15s" in report.findings[0].message
    assert "default haproxy.pool-purge-delay 5s" in told(report.findings[0])


def test_pool_purge_delay_on_default_server_races_nginx(lint):
    report = run(lint, haproxy("    default-server pool-purge-delay 30s\n"))
    assert found(report) == [("LB001", "nginx/nginx.conf", 3)]
    finding = report.findings[0]
    assert finding.message.startswith("HAProxy backend web server web1 keeps idle connections 90s, nginx closes them at 65s")
    assert "lower its pool-purge-delay to 19s" in finding.message
    related = finding.related[0].location
    assert (report.display_path(related.path), related.line) == ("haproxy/haproxy.cfg", 15)
    assert "note: health checks: TCP connect only (no option httpchk)" in finding.sources


def test_server_line_overrides_default_server_and_defaults_section(lint):
    cfg = haproxy("    default-server pool-purge-delay 30s\n", defaults="    mode http\n    default-server pool-purge-delay 60s\n")
    cfg = cfg.replace("check\n", "check pool-purge-delay 10s\n")
    assert found(run(lint, cfg)) == []  # 3 x 10s = 30s < 65s
    cfg = haproxy("", defaults="    mode http\n    default-server pool-purge-delay 60000\n")  # milliseconds by default
    report = run(lint, cfg)
    assert found(report) == [("LB001", "nginx/nginx.conf", 3)] and "180s" in report.findings[0].message


@pytest.mark.parametrize("setting", [
    "    option http-server-close\n", "    option httpclose\n", "    default-server pool-purge-delay 0\n",
    "    default-server pool-purge-delay 1m pool-max-conn 0\n",
])
def test_settings_that_keep_no_idle_server_connection_cannot_race(lint, setting):
    assert found(run(lint, haproxy("    default-server pool-purge-delay 5m\n" + setting))) == []


SPLIT = """defaults plain
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

defaults closing from plain
    option http-server-close

frontend www from {frontend}
    bind :80
    default_backend web

backend web from closing
{backend}    default-server pool-purge-delay 5m
    server web1 127.0.0.1:8080
"""


def test_the_strongest_close_mode_of_frontend_and_backend_applies_and_no_option_cancels_one(lint):
    """HAProxy combines the frontend's and the backend's connection modes; close is the strongest."""
    assert found(run(lint, SPLIT.format(frontend="plain", backend=""))) == []
    cancelled = SPLIT.format(frontend="plain", backend="    no option http-server-close\n")
    assert found(run(lint, cancelled)) == [("LB001", "nginx/nginx.conf", 3)]
    assert found(run(lint, SPLIT.format(frontend="closing", backend="    no option http-server-close\n"))) == []


def test_tcp_mode_is_the_default_and_pools_nothing(lint):
    assert found(run(lint, haproxy("    default-server pool-purge-delay 5m\n", defaults=""))) == []
    assert found(run(lint, haproxy("    mode tcp\n    default-server pool-purge-delay 5m\n"))) == []


def test_http_reuse_never_is_unknown_with_its_reason(lint):
    report = run(lint, haproxy("    http-reuse never\n"))
    assert [(f.rule, f.severity.value) for f in report.findings] == [("LB001", "info")]
    assert "http-reuse never (line 15)" in told(report.findings[0])


# -- defaults inheritance -----------------------------------------------------------------------

NAMED = """defaults base
    mode http
    default-server pool-purge-delay 40s

defaults short from base
    default-server pool-purge-delay 5s

defaults tcp
    mode tcp

backend long from base
    server a 127.0.0.1:8080

backend quick from short
    server b 127.0.0.1:8080

backend implicit
    server c 127.0.0.1:8080

listen both from base
    bind :81
    server d 127.0.0.1:8080
"""


def test_named_defaults_from_and_the_last_defaults_section(tmp_path):
    from nglint.sources.haproxy.reader import HaproxyConfigs

    write_tree(tmp_path, {"haproxy.cfg": NAMED})
    result = HaproxyConfigs().parse(str(tmp_path / "haproxy.cfg"), [str(tmp_path)], 1 << 20)
    idle = {tier.label.rsplit(" ", 1)[1]: tier.idle_ms for tier in result.frontends if not tier.relays}
    # `implicit` takes the last defaults section before it (tcp mode): a relay, no pool; `short` inherits base's mode
    assert idle == {"a": 120_000, "b": 15_000, "d": 120_000}
    assert [tier.label for tier in result.frontends if tier.relays] == ["HAProxy backend implicit server c (TCP mode)"]
    assert result.problems == []


def test_inheritance_in_a_real_haproxy_agrees(tmp_path):
    """The odd-but-valid files here are valid for a real HAProxy too."""
    binary = shutil.which("haproxy")
    if binary is None:
        if IN_CI:
            pytest.fail("haproxy is not installed (.ci/install-system.sh installs it)")
        pytest.skip("haproxy is not installed")
    for name, text in {"named.cfg": NAMED, "plain.cfg": haproxy("    default-server pool-purge-delay 30s\n"),
                       "odd.cfg": ODD_BUT_VALID}.items():
        write_tree(tmp_path, {name: text})
        result = subprocess.run([binary, "-c", "-f", str(tmp_path / name)], capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, (name, result.stdout, result.stderr)


ODD_BUT_VALID = """# comments, quotes, escapes, tabs, server-template, IPv6 and no port
global
\tlog stdout format raw local0   # trailing comment
defaults
\tmode\thttp
\ttimeout connect 5s
\ttimeout client 30s
\ttimeout server 30s
frontend www
\tbind :80
\tdefault_backend web
backend "web"
\thttp-request set-header X-Note "a # not a comment"
\tdefault-server pool-purge-delay 2m
\tserver-template app 2 127.0.0.1:8080
\tserver v6 [::1]:8080
\tserver same 127.0.0.1
\tserver sock unix@/run/app.sock
\tserver envport 127.0.0.1:"${APP_PORT}"
"""


def test_odd_but_valid_lines_are_read(tmp_path):
    from nglint.sources.haproxy.reader import HaproxyConfigs

    write_tree(tmp_path, {"haproxy.cfg": ODD_BUT_VALID})
    result = HaproxyConfigs().parse(str(tmp_path / "haproxy.cfg"), [str(tmp_path)], 1 << 20)
    assert result.problems == []
    ports = {tier.label.rsplit(" ", 1)[1]: tier.targets[0].port for tier in result.frontends}
    assert ports == {"app": 8080, "v6": 8080, "same": None, "sock": None, "envport": None}
    assert {tier.idle_ms for tier in result.frontends} == {360_000}
    assert "an environment variable" in result.frontends[-1].targets[0].evidence


# -- broken input: a P003 warning, never a crash ------------------------------------------------

@pytest.mark.parametrize("text", [
    "global\n    log 'unterminated\nbackend web\n    mode http\n    server a 127.0.0.1:8080\n",
    "global\nbackend\n    mode http\n    server a 127.0.0.1:8080\n",
    "    mode http\nbackend web from nowhere\n    server a 1.2.3.4:99999\n    server\n",
    "frontend x\n    bind :80 " + "a " * 100 + "\nbackend y\n    server z [::1\n",
])
def test_broken_files_are_diagnosed_never_crash(lint, text):
    report = lint({"haproxy.cfg": text, "nginx/nginx.conf": NGINX_65})
    assert report.findings and {f.rule for f in report.findings} <= {"P003", "LB001"}
    assert all(f.path.endswith("haproxy.cfg") for f in report.findings)


def test_binary_garbage_is_not_claimed_and_never_crashes(lint):
    report = lint({"haproxy.cfg": b"\x00\xff\xfe backend\n\x00", "nginx/nginx.conf": NGINX_65})
    assert found(report) == []


# -- claiming files --------------------------------------------------------------------------

@pytest.mark.parametrize("rel, claimed", [
    ("haproxy.cfg", True), ("lb/edge.cfg", True), ("haproxy/haproxy.conf", True), ("etc/haproxy-edge.conf", True),
    ("setup.cfg", False), ("nginx/site.conf", False), ("conf/other.conf", False),
])
def test_claimed_by_name_and_a_section_sniff(tmp_path, rel, claimed):
    from nglint.sources.haproxy.reader import HaproxyConfigs

    text = "[metadata]\nname = x\n" if rel == "setup.cfg" else haproxy()
    write_tree(tmp_path, {rel: text})
    assert HaproxyConfigs().claims(str(tmp_path / rel)) is claimed


def test_nginx_files_are_never_claimed(tmp_path):
    from nglint.sources.haproxy.reader import HaproxyConfigs

    write_tree(tmp_path, {"haproxy/nginx.conf": NGINX_65, "x.cfg": "server {\n    listen 80;\n}\n"})
    assert not HaproxyConfigs().claims(str(tmp_path / "haproxy/nginx.conf"))
    assert not HaproxyConfigs().claims(str(tmp_path / "x.cfg"))


# -- links ----------------------------------------------------------------------------------

def test_nothing_behind_is_a_link_gap(lint):
    report = lint({"haproxy/haproxy.cfg": haproxy()})
    assert [(f.rule, f.severity.value) for f in report.findings] == [("P005", "info")]
    assert "HAProxy backend web server web1" in report.findings[0].message


def test_stacks_side_by_side_never_link(lint):
    files = {"stacks/a/haproxy/haproxy.cfg": haproxy("    default-server pool-purge-delay 30s\n"),
             "stacks/a/.nglint.toml": "",
             "stacks/b/nginx/nginx.conf": NGINX_65, "stacks/b/.nglint.toml": ""}
    report = lint(files)
    assert all(f.severity.value == "info" for f in report.findings)


def test_one_conf_run_never_parses_haproxy(tmp_path):
    """The reader class is registered like every other; its parser loads only for a file it claims."""
    import sys

    write_tree(tmp_path, {"nginx.conf": NGINX_65})
    code = ("import sys\nfrom nglint.cli import main\nmain(['check', 'nginx.conf'])\n"
            "print('haproxy-loaded' if 'nglint.sources.haproxy.config' in sys.modules else 'haproxy-absent')")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert "haproxy-absent" in result.stdout, result.stdout + result.stderr


def test_the_pool_purge_never_counts_as_a_websocket_timer(lint):
    """An upgraded websocket is a tunnel HAProxy's `timeout tunnel` governs; the idle pool's
    purge (here 3 x 5s) does not cut it, so WS002 sees only nginx's proxy_read_timeout."""
    nginx = ("events {}\nhttp {\n    upstream app { server 127.0.0.1:9000; }\n    server {\n        listen 8080;\n"
             "        location /socket.io/ {\n            proxy_pass http://app;\n            proxy_http_version 1.1;\n"
             "            proxy_set_header Upgrade $http_upgrade;\n            proxy_set_header Connection \"upgrade\";\n"
             "        }\n    }\n}\n")
    assert found(run(lint, haproxy(), {"nginx/nginx.conf": nginx})) == []
