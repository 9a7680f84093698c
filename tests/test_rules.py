"""Each rule: a bad config that triggers it at the exact line, and a good twin that does not."""

from conftest import found

TOMCAT_20S = """<?xml version="1.0"?>
<Server port="8005">
  <Service name="Catalina">
    <Connector port="8080" protocol="HTTP/1.1" connectionTimeout="20000"/>
  </Service>
</Server>
"""


def nginx(upstream_body: str, location_body: str = "proxy_pass http://app;\n    proxy_http_version 1.1;\n    proxy_set_header Connection \"\";", server_extra: str = "") -> str:
    return (
        "events {}\n"
        "http {\n"
        "  upstream app {\n"
        f"    {upstream_body}\n"
        "  }\n"
        "  server {\n"
        f"    {server_extra}\n"
        "    location / {\n"
        f"    {location_body}\n"
        "    }\n"
        "  }\n"
        "}\n"
    )


def rules_of(report, code=None):
    return [f for f in report.findings if code is None or f.rule == code]


# -- KA001 -------------------------------------------------------------------------------
def test_ka001_default_timeout_reported_at_keepalive_line_with_connector_related(lint):
    report = lint({
        "nginx/nginx.conf": nginx("server 127.0.0.1:8080;\n    keepalive 32;"),
        "tomcat/conf/server.xml": TOMCAT_20S,
    })
    assert found(report) == [("KA001", "nginx/nginx.conf", 5)]
    finding = report.findings[0]
    assert "60s" in finding.message and "20s" in finding.message
    assert "set keepalive_timeout 18s" in finding.message
    assert "connectionTimeout" in finding.related[0].message and "default keepalive_timeout" in finding.sources[0]
    assert [(report.display_path(r.location.path), r.location.line) for r in finding.related] == [("tomcat/conf/server.xml", 4)]
    assert finding.data["suggested_seconds"] == 18


def test_ka001_explicit_timeout_reported_at_its_line(lint):
    report = lint({
        "nginx/nginx.conf": nginx("server app:8080;\n    keepalive 32;\n    keepalive_timeout 19s;"),
        "tomcat/conf/server.xml": TOMCAT_20S,
    })
    assert found(report) == [("KA001", "nginx/nginx.conf", 6)]


def test_ka001_good_twin_within_margin(lint):
    report = lint({
        "nginx/nginx.conf": nginx("server app:8080;\n    keepalive 32;\n    keepalive_timeout 18s;"),
        "tomcat/conf/server.xml": TOMCAT_20S,
    })
    assert found(report) == []


def test_ka001_keepalive_32_local_parses_and_is_checked(lint):
    report = lint({
        "nginx/nginx.conf": nginx("server app:8080;\n    keepalive 32 local;"),
        "tomcat/conf/server.xml": TOMCAT_20S,
    })
    assert found(report) == [("KA001", "nginx/nginx.conf", 5)]


def test_ka001_margin_is_configurable(lint):
    files = {
        "nginx/nginx.conf": nginx("server app:8080;\n    keepalive 32;\n    keepalive_timeout 15s;"),
        "tomcat/conf/server.xml": TOMCAT_20S,
    }
    assert found(lint(files)) == []
    assert found(lint(files, margin="6s")) == [("KA001", "nginx/nginx.conf", 6)]


def test_ka001_not_reported_for_infinite_backend_or_disabled_pool(lint):
    infinite = TOMCAT_20S.replace('connectionTimeout="20000"', 'keepAliveTimeout="-1"')
    report = lint({"nginx/nginx.conf": nginx("server app:8080;\n    keepalive 8;"), "tomcat/conf/server.xml": infinite})
    assert "KA001" not in [f.rule for f in report.findings]
    disabled = lint({"nginx/nginx.conf": nginx("server app:8080;\n    keepalive 0;"), "tomcat/conf/server.xml": TOMCAT_20S})
    assert found(disabled) == []


def test_ka001_no_positive_value_offers_no_fix_and_says_why(lint):
    tiny = TOMCAT_20S.replace('connectionTimeout="20000"', 'keepAliveTimeout="1500"')
    report = lint({"nginx/nginx.conf": nginx("server app:8080;\n    keepalive 8;"), "tomcat/conf/server.xml": tiny})
    (finding,) = rules_of(report, "KA001")
    assert finding.data["suggested_seconds"] is None
    assert "no whole-second keepalive_timeout fits the margin" in finding.message


def test_ka001_strictest_backend_wins_with_all_related(lint):
    two = TOMCAT_20S.replace(
        '<Connector port="8080" protocol="HTTP/1.1" connectionTimeout="20000"/>',
        '<Connector port="8080" connectionTimeout="20000"/>\n    <Connector port="8081" keepAliveTimeout="5000"/>',
    )
    report = lint({"nginx/nginx.conf": nginx("server a:8080;\n    server b:8081;\n    keepalive 8;"), "tomcat/conf/server.xml": two})
    (finding,) = rules_of(report, "KA001")
    assert finding.data["suggested_seconds"] == 4
    assert len(finding.related) == 2


# -- KA002 -------------------------------------------------------------------------------
def test_ka002_not_when_the_backend_outlasts_nginx_by_the_margin(lint):
    """Tomcat keeps idle connections 120s, nginx's implicit 60s closes first: nothing to tune."""
    long_tomcat = TOMCAT_20S.replace('connectionTimeout="20000"', 'keepAliveTimeout="120000"')
    report = lint({"nginx/nginx.conf": nginx("server app:8080;\n    keepalive 8;"), "tomcat/conf/server.xml": long_tomcat})
    assert found(report) == []


def test_ka002_not_when_the_backend_never_closes_idle_connections(lint):
    never = TOMCAT_20S.replace('connectionTimeout="20000"', 'keepAliveTimeout="-1"')
    report = lint({"nginx/nginx.conf": nginx("server app:8080;\n    keepalive 8;"), "tomcat/conf/server.xml": never})
    assert found(report) == []


def test_ka002_when_the_linked_backend_timeout_is_unknown(lint):
    unknown = TOMCAT_20S.replace('connectionTimeout="20000"', 'keepAliveTimeout="${idle.timeout}"')
    report = lint({"nginx/nginx.conf": nginx("server app:8080;\n    keepalive 8;"), "tomcat/conf/server.xml": unknown}, select=["KA"])
    assert found(report) == [("KA002", "nginx/nginx.conf", 5)]
    assert "idle timeout unknown" in report.findings[0].sources[1]


def test_ka002_good_twin_explicit_timeout(lint):
    long_tomcat = TOMCAT_20S.replace('connectionTimeout="20000"', 'keepAliveTimeout="120000"')
    report = lint({"nginx/nginx.conf": nginx("server app:8080;\n    keepalive 8;\n    keepalive_timeout 60s;"), "tomcat/conf/server.xml": long_tomcat})
    assert found(report) == []


def test_ka002_not_when_ka001_fires(lint):
    report = lint({"nginx/nginx.conf": nginx("server app:8080;\n    keepalive 8;"), "tomcat/conf/server.xml": TOMCAT_20S})
    assert [f.rule for f in report.findings] == ["KA001"]


def test_ka002_unlinked_pool_also_gets_p005(lint):
    report = lint({"nginx.conf": nginx("server 10.0.0.1:3000;\n    keepalive 8;")})
    assert found(report) == [("P005", "nginx.conf", 3), ("KA002", "nginx.conf", 5)]


# -- KA003 -------------------------------------------------------------------------------
def test_ka003_http10_default_and_connection_missing(lint):
    report = lint({"nginx.conf": nginx("server 10.0.0.1:3000;\n    keepalive 8;\n    keepalive_timeout 4s;", "proxy_pass http://app;")}, select=["KA"])
    assert found(report) == [("KA003", "nginx.conf", 11)]
    message = report.findings[0].message
    assert "proxy_http_version 1.1" in message and 'Connection ""' in message


def test_ka003_only_connection_missing(lint):
    report = lint({"nginx.conf": nginx("server 10.0.0.1:3000;\n    keepalive 8;\n    keepalive_timeout 4s;", "proxy_pass http://app;\n    proxy_http_version 1.1;")}, select=["KA"])
    assert found(report) == [("KA003", "nginx.conf", 11)]
    assert report.findings[0].message.endswith(': add proxy_set_header Connection ""')


def test_ka003_good_twin_inherited_from_server(lint):
    report = lint(
        {"nginx.conf": nginx("server 10.0.0.1:3000;\n    keepalive 8;\n    keepalive_timeout 4s;", "proxy_pass http://app;",
                             server_extra='proxy_http_version 1.1; proxy_set_header Connection "";')},
        select=["KA"],
    )
    assert found(report) == []


def test_ka003_not_for_unpooled_upstream_or_on_new_nginx(lint):
    files = {"nginx.conf": nginx("server 10.0.0.1:3000;\n    keepalive_timeout 4s;", "proxy_pass http://app;")}
    assert found(lint(files, select=["KA"])) == []
    files2 = {"nginx.conf": nginx("server 10.0.0.1:3000;\n    keepalive 8;\n    keepalive_timeout 4s;", "proxy_pass http://app;")}
    assert found(lint(files2, select=["KA"], nginx_version="1.30")) == []


# -- KA004 -------------------------------------------------------------------------------
def test_ka004_location_headers_drop_inherited_connection(lint):
    report = lint(
        {"nginx.conf": nginx("server 10.0.0.1:3000;\n    keepalive 8;\n    keepalive_timeout 4s;",
                             "proxy_set_header X-Id $request_id;\n    proxy_pass http://app;",
                             server_extra='proxy_http_version 1.1; proxy_set_header Connection "";')},
        select=["KA"],
    )
    assert found(report) == [("KA004", "nginx.conf", 11)]
    assert report.findings[0].related[0].location.line == 9


def test_ka004_good_twin_repeats_connection(lint):
    report = lint(
        {"nginx.conf": nginx("server 10.0.0.1:3000;\n    keepalive 8;\n    keepalive_timeout 4s;",
                             'proxy_set_header X-Id $request_id;\n    proxy_set_header Connection "";\n    proxy_pass http://app;',
                             server_extra='proxy_http_version 1.1; proxy_set_header Connection "";')},
        select=["KA"],
    )
    assert found(report) == []


# -- KA005 -------------------------------------------------------------------------------
def test_ka005_unpinned_unpooled_upstream_with_short_backend(lint):
    report = lint({"nginx/nginx.conf": nginx("server app:8080;"), "tomcat/conf/server.xml": TOMCAT_20S})
    assert found(report) == [("KA005", "nginx/nginx.conf", 3)]
    assert report.findings[0].message.startswith("Pooled by default since nginx 1.29.7, upstream 'app' would outlive Tomcat's 20s")
    assert report.findings[0].message.endswith("set keepalive_timeout 18s or pin nginx-version")


def test_ka005_pinned_new_nginx_reports_ka001_at_upstream_line(lint):
    report = lint({"nginx/nginx.conf": nginx("server app:8080;"), "tomcat/conf/server.xml": TOMCAT_20S}, nginx_version="1.30")
    assert found(report) == [("KA001", "nginx/nginx.conf", 3)]
    assert any("KA005" in source for source in report.findings[0].sources)


def test_ka005_good_twins(lint):
    files = {"nginx/nginx.conf": nginx("server app:8080;"), "tomcat/conf/server.xml": TOMCAT_20S}
    assert found(lint(files, nginx_version="1.28")) == []
    explicit = {"nginx/nginx.conf": nginx("server app:8080;\n    keepalive_timeout 15s;"), "tomcat/conf/server.xml": TOMCAT_20S}
    assert found(lint(explicit)) == []
    disabled = {"nginx/nginx.conf": nginx("server app:8080;\n    keepalive 0;"), "tomcat/conf/server.xml": TOMCAT_20S}
    assert found(lint(disabled, nginx_version="1.30")) == []


# -- HC001 -------------------------------------------------------------------------------
def test_hc001_tcp_check_default_and_explicit(lint):
    report = lint({"nginx.conf": nginx("server 10.0.0.1:80;\n    check interval=3000 rise=2 fall=5;\n    check interval=1000 type=tcp;")}, select=["HC"])
    assert found(report) == [("HC001", "nginx.conf", 5), ("HC001", "nginx.conf", 6)]


def test_hc001_good_twin_http_check(lint):
    report = lint({"nginx.conf": nginx("server 10.0.0.1:80;\n    check interval=3000 type=http;\n    check_keepalive_requests 1;")}, select=["HC"])
    assert found(report) == []


# -- P001-P005 ---------------------------------------------------------------------------
def test_p001_parse_error_with_line(lint):
    report = lint({"nginx.conf": "events {}\nhttp {\n  server {\n    listen 80;\n}\n"})
    # nginx -t: 'unexpected end of file, expecting "}"' at the line after the last newline
    assert found(report) == [("P001", "nginx.conf", 6)]


def test_p002_missing_literal_include(lint):
    report = lint({"nginx.conf": "events {}\nhttp {\n  include missing.conf;\n  include conf.d/*.conf;\n}\n"})
    assert found(report) == [("P002", "nginx.conf", 3)]  # an empty glob is fine for nginx too


def test_p002_include_outside_tree_is_not_read(lint, tmp_path):
    (tmp_path / "outside.conf").write_text("upstream leaked { server 1.2.3.4:1; keepalive 1; }\n")
    report = lint({"repo/nginx.conf": "events {}\nhttp {\n  include ../outside.conf;\n}\n"}, paths=["repo"])
    assert found(report) == [("P002", "repo/nginx.conf", 3)]
    assert "outside the checked tree" in report.findings[0].message


def test_p003_and_p004_from_server_xml(lint):
    report = lint({
        "a/server.xml": "<Server><Service>\n<Connector port='8080'\n</Server>",
        "b/server.xml": '<Server>\n  <Connector port="${p}"/>\n</Server>\n',
    })
    assert found(report) == [("P003", "a/server.xml", 3), ("P004", "b/server.xml", 2)]


def test_p004_placeholder_in_nginx_keepalive_timeout(lint):
    report = lint({"nginx.conf": nginx("server 10.0.0.1:80;\n    keepalive 4;\n    keepalive_timeout ${KA_TIMEOUT};")}, select=["P004"])
    assert found(report) == [("P004", "nginx.conf", 6)]


def test_p005_ambiguous_port_is_reported_not_guessed(lint):
    report = lint({
        "nginx.conf": nginx("server app:8080;\n    keepalive 8;"),
        "one/server.xml": TOMCAT_20S,
        "two/server.xml": TOMCAT_20S,
    })
    assert found(report) == [("P005", "nginx.conf", 3), ("KA002", "nginx.conf", 5)]
    assert "ambiguous" in report.findings[0].sources[0] and len(report.findings[0].related) == 2
