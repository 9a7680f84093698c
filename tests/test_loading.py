"""nginx loading: includes, entry discovery, encodings, empty files, linking to backends."""

from conftest import found, write_tree

TOMCAT = '<Server><Service>\n<Connector port="{port}" connectionTimeout="{timeout}"/>\n</Service></Server>\n'


def test_glob_include_relative_to_main_file_and_finding_in_included_file(lint):
    report = lint({
        "etc/nginx.conf": "events {}\nhttp {\n  include conf.d/*.conf;\n}\n",
        "etc/conf.d/b.conf": "server { location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }\n",
        "etc/conf.d/a.conf": "upstream app {\n  server 127.0.0.1:8080;\n  keepalive 4;\n}\n",
        "tomcat/server.xml": TOMCAT.format(port=8080, timeout=20000),
    })
    assert found(report) == [("KA001", "etc/conf.d/a.conf", 3)]


def test_included_file_is_linted_once_not_as_its_own_entry(lint):
    report = lint({
        "nginx.conf": "events {}\nhttp {\n  include sites/*.conf;\n}\n",
        "sites/one.conf": "server {\n  include missing-snippet.conf;\n}\n",
    })
    # The missing include is reported once, relative to nginx.conf's directory.
    assert found(report) == [("P002", "sites/one.conf", 2)]
    assert report.files_checked == 2


def test_fragment_entry_resolves_includes_against_parent_prefix(lint):
    report = lint({
        "deploy/sites-enabled/app.conf": "server {\n  location / {\n    include snippets/proxy.conf;\n  }\n}\n",
        "deploy/snippets/proxy.conf": "proxy_http_version 1.1;\n",
    })
    assert found(report) == []


def test_include_cycle_and_self_include_are_p002(lint):
    report = lint({
        "nginx.conf": "events {}\nhttp {\n  include a.conf;\n  include nginx.conf;\n}\n",
        "a.conf": "include b.conf;\n",
        "b.conf": "include a.conf;\n",
    })
    codes = found(report)
    assert ("P002", "nginx.conf", 4) in codes
    assert ("P002", "b.conf", 1) in codes
    assert all(rule == "P002" for rule, _, _ in codes)


def test_absolute_etc_nginx_include_maps_onto_the_tree_when_it_exists(lint):
    report = lint({
        "nginx/nginx.conf": "events {}\nhttp {\n  include /etc/nginx/conf.d/*.conf;\n  include /etc/nginx/mime.types;\n}\n",
        "nginx/conf.d/app.conf": "upstream app {\n  server 127.0.0.1:8080;\n  keepalive 4;\n}\n",
        "tomcat/server.xml": TOMCAT.format(port=8080, timeout=20000),
    })
    assert found(report) == [("KA001", "nginx/conf.d/app.conf", 3), ("P002", "nginx/nginx.conf", 4)]
    p002 = report.findings[1]
    assert p002.severity.value == "info" and "nginx-prefix" in p002.message


def test_unmapped_absolute_include_outside_known_prefixes_is_not_read(lint):
    report = lint(
        {
            "deploy/nginx.conf": "events {}\nhttp {\n  include /opt/site/upstreams.conf;\n}\n",
            "deploy/site/upstreams.conf": "upstream app {\n  server 127.0.0.1:8080;\n  keepalive 4;\n}\n",
            "tomcat/server.xml": TOMCAT.format(port=8080, timeout=20000),
        },
        nginx_prefix={},
    )
    assert ("P002", "deploy/nginx.conf", 3) in found(report)


def test_nginx_prefix_config_key(tmp_path):
    from conftest import lint_paths

    write_tree(tmp_path, {
        ".nglint.toml": 'nginx-prefix = {"/opt/site" = "deploy/site"}\n',
        "deploy/nginx.conf": "events {}\nhttp {\n  include /opt/site/upstreams.conf;\n}\n",
        "deploy/site/upstreams.conf": "upstream app {\n  server 127.0.0.1:8080;\n  keepalive 4;\n}\n",
        "tomcat/server.xml": TOMCAT.format(port=8080, timeout=20000),
    })
    report = lint_paths([str(tmp_path)], cwd=tmp_path)
    assert found(report) == [("KA001", "deploy/site/upstreams.conf", 3)]


def test_gbk_and_latin1_bytes_in_comments_do_not_break_parsing(lint):
    gbk_comment = "# 反向代理到 tomcat\n".encode("gbk")
    latin1_comment = "# caf\u00e9 \u00fcber\n".encode("latin-1")
    body = b"upstream app {\n  server 127.0.0.1:8080;\n  keepalive 4;\n}\n"
    report = lint({
        "nginx.conf": b"events {}\nhttp {\n" + gbk_comment + latin1_comment + body + b"}\n",
        "server.xml": TOMCAT.format(port=8080, timeout=20000),
    })
    assert found(report) == [("KA001", "nginx.conf", 7)]


def test_empty_and_whitespace_only_files(lint):
    report = lint({"nginx.conf": "", "conf.d/blank.conf": "   \n\n\t\n", "server.xml": ""})
    assert [rule for rule, _, _ in found(report)] == ["P003"]  # an empty server.xml is not XML


def test_crlf_line_endings_keep_line_numbers(lint):
    text = "events {}\r\nhttp {\r\n  upstream app {\r\n    server 127.0.0.1:8080;\r\n    keepalive 4;\r\n  }\r\n}\r\n"
    report = lint({"nginx.conf": text.encode(), "server.xml": TOMCAT.format(port=8080, timeout=20000)})
    assert found(report) == [("KA001", "nginx.conf", 5)]
    assert report.findings[0].location.column == 5


def test_non_nginx_conf_files_found_by_walking_are_ignored(lint):
    report = lint({"supervisord.conf": "[program:app]\ncommand=/bin/app\n", "redis.conf": "maxmemory 2mb\n"})
    assert found(report) == [] and report.files_checked == 0


def test_explicit_upstream_backend_mapping_wins_over_port(lint):
    report = lint(
        {
            "nginx.conf": "events {}\nhttp {\n  upstream api {\n    server node:3000;\n    keepalive 4;\n  }\n}\n",
        },
        backends=[__import__("nglint.config", fromlist=["BackendSpec"]).BackendSpec(upstream="api", idle_timeout_ms=5000, origin="cfg")],
    )
    assert found(report) == [("KA001", "nginx.conf", 5)]
    assert "set keepalive_timeout 4s" in report.findings[0].message


def test_explicit_server_xml_mapping_links_a_portless_upstream(tmp_path):
    from conftest import lint_paths

    write_tree(tmp_path, {
        "pyproject.toml": '[tool.nglint]\n[[tool.nglint.backend]]\nupstream = "app"\nserver-xml = "backend/server.xml"\n',
        "nginx/nginx.conf": "events {}\nhttp {\n  upstream app {\n    server unix:/run/app.sock;\n    keepalive 4;\n  }\n}\n",
        "backend/server.xml": TOMCAT.format(port=8080, timeout=10000),
    })
    report = lint_paths([str(tmp_path / "nginx")], cwd=tmp_path)
    assert found(report) == [("KA001", "nginx/nginx.conf", 5)]
    assert report.findings[0].related[0].location.path == str(tmp_path / "backend/server.xml")


def test_implicit_upstream_proxy_pass_is_not_pooled(lint):
    report = lint({
        "nginx.conf": "events {}\nhttp {\n  server {\n    location / { proxy_pass http://127.0.0.1:8080; }\n  }\n}\n",
        "server.xml": TOMCAT.format(port=8080, timeout=20000),
    }, nginx_version="1.30")
    assert found(report) == []


def test_proxy_pass_with_port_never_matches_an_upstream_block(lint):
    report = lint({
        "nginx.conf": "events {}\nhttp {\n  upstream app { server 10.0.0.1:80; keepalive 2; keepalive_timeout 1s; }\n"
        "  server { location / { proxy_pass http://app:8080; } }\n}\n",
    }, select=["KA003"])
    assert found(report) == []


def test_max_files_counts_only_files_nglint_checks(tmp_path):
    from conftest import lint_paths
    from nglint.discovery import UsageError

    files = {f"src/module{i}.py": "print()\n" for i in range(40)}
    files.update({"nginx.conf": "events {}\n", "conf.d/a.conf": "server { listen 80; }\n"})
    write_tree(tmp_path, files)
    report = lint_paths([str(tmp_path)], cwd=tmp_path, discover_config=False, max_files=5)
    assert report.files_checked == 2
    write_tree(tmp_path, {f"conf.d/site{i}.conf": "server { listen 80; }\n" for i in range(6)})
    try:
        lint_paths([str(tmp_path)], cwd=tmp_path, discover_config=False, max_files=5)
    except UsageError as exc:
        assert "max-files=5" in str(exc)
    else:
        raise AssertionError("more than max-files config files must stop the run")


def test_utf8_bom_is_p001_like_nginx_and_the_rest_is_still_checked(lint):
    body = b"events {}\nhttp {\n  upstream app {\n    server 127.0.0.1:8080;\n    keepalive 4;\n  }\n}\n"
    report = lint({"nginx.conf": b"\xef\xbb\xbf" + body, "server.xml": TOMCAT.format(port=8080, timeout=20000)})
    assert found(report) == [("P001", "nginx.conf", 1), ("KA001", "nginx.conf", 5)]
