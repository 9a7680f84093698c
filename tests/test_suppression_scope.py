"""Suppression scope on blocks, and N001 pointing at the finding an unused one missed."""

from __future__ import annotations

from conftest import write_tree

TOMCAT = '<Server><Service>\n<Connector port="8080" connectionTimeout="20000"/>\n</Service></Server>\n'
UPSTREAM = "upstream app {{{trailing}\n  server 127.0.0.1:8080;\n  keepalive 4;\n}}\n"


def _nginx(body: str) -> str:
    return "events {}\nhttp {\n" + body + "}\n"


def test_comment_on_a_block_opening_line_covers_the_block(lint):
    report = lint({"nginx.conf": _nginx(UPSTREAM.format(trailing="  # nglint: disable=KA001 drained nightly")),
                   "server.xml": TOMCAT})
    assert report.findings == []  # KA001 is at `keepalive 4;`, inside the block
    assert [f.rule for f in report.suppressed] == ["KA001"] and report.suppressed[0].line == 5


def test_comment_line_above_a_block_covers_the_block(lint):
    body = "# nglint: disable=KA001 drained nightly\n" + UPSTREAM.format(trailing="")
    report = lint({"nginx.conf": _nginx(body), "server.xml": TOMCAT})
    assert report.findings == [] and [f.rule for f in report.suppressed] == ["KA001"]


def test_block_scope_ends_with_the_block(lint):
    """A suppression above one upstream does not reach the next one."""
    body = ("# nglint: disable=KA001 drained nightly\n" + UPSTREAM.format(trailing="")
            + "upstream other {\n  server 127.0.0.1:8080;\n  keepalive 4;\n}\n"
            + "server {\n  listen 80;\n  location / { proxy_pass http://other; proxy_http_version 1.1; "
              'proxy_set_header Connection ""; }\n  location /a { proxy_pass http://app; proxy_http_version 1.1; '
              'proxy_set_header Connection ""; }\n}\n')
    report = lint({"nginx.conf": _nginx(body), "server.xml": TOMCAT})
    assert [(f.rule, f.line) for f in report.findings if f.rule == "KA001"] == [("KA001", 10)]
    assert [(f.rule, f.line) for f in report.suppressed] == [("KA001", 6)]


def test_directive_line_comment_still_covers_one_line(lint):
    body = "upstream app {\n  server 127.0.0.1:8080;  # nglint: disable=KA001 wrong line\n  keepalive 4;\n}\n"
    report = lint({"nginx.conf": _nginx(body), "server.xml": TOMCAT})
    assert sorted(f.rule for f in report.findings) == ["KA001", "N001"]


def test_xml_comment_before_an_element_covers_its_children(lint):
    tomcat = ('<Server>\n<!-- nglint: disable=KA001 the connector is retired next week -->\n<Service name="C">\n'
              '<Connector port="8080" connectionTimeout="20000"/>\n</Service></Server>\n')
    report = lint({"nginx.conf": _nginx(UPSTREAM.format(trailing="")), "server.xml": tomcat})
    assert report.findings == [] and [f.rule for f in report.suppressed] == ["KA001"]


def test_unused_suppression_names_the_nearest_finding(lint, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # messages name files relative to the current directory
    body = "upstream app {\n  server 127.0.0.1:8080;  # nglint: disable=KA001 one line off\n  keepalive 4;\n}\n"
    report = lint({"nginx.conf": _nginx(body), "server.xml": TOMCAT})
    [n001] = [f for f in report.findings if f.rule == "N001"]
    assert "the nearest KA001 is at nginx.conf:5: move it there" in n001.message
    assert n001.related[0].location.line == 5 and n001.related[0].location.path.endswith("nginx.conf")


def test_unused_suppression_with_no_such_finding_says_delete(lint):
    body = "upstream app {\n  server 127.0.0.1:8080;  # nglint: disable=KA001 stale\n  keepalive 4;\n  keepalive_timeout 10s;\n}\n"
    report = lint({"nginx.conf": _nginx(body), "server.xml": TOMCAT})
    [n001] = [f for f in report.findings if f.rule == "N001"]
    assert n001.message.endswith(": delete it") and "nearest" not in n001.message and n001.related == []


def test_unused_suppression_points_to_another_file(lint, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    report = lint({
        "nginx.conf": _nginx("include conf.d/*.conf;\n" + UPSTREAM.format(trailing="")),
        "conf.d/extra.conf": "server { listen 81; }  # nglint: disable=KA001 wrong file\n",
        "server.xml": TOMCAT,
    })
    [n001] = [f for f in report.findings if f.rule == "N001"]
    assert "the nearest KA001 is at nginx.conf:" in n001.message
    assert n001.related[0].location.path.endswith("nginx.conf")
