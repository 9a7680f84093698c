"""Inline suppressions in nginx and server.xml, and N001 for bad ones."""

import json

import pytest

from conftest import found, run_cli, write_tree
from nglint.suppressions import parse_comment

TOMCAT = '<Server><Service>\n<Connector port="8080" connectionTimeout="20000"/>\n</Service></Server>\n'
UPSTREAM = "upstream app {{\n  server 127.0.0.1:8080;\n  keepalive 4;{trailing}\n}}\n"


def _nginx(body: str) -> str:
    return "events {}\nhttp {\n" + body + "}\n"


def _rules(report) -> list[str]:
    return [f.rule for f in report.findings]


@pytest.mark.parametrize(
    "text, expected",
    [
        (" nglint: disable=KA001 backend retries", ("disable", ("KA001",), "backend retries")),
        ("nglint: disable=ka001,KA002   two  spaces ", ("disable", ("KA001", "KA002"), "two spaces")),
        (" nglint: disable=KA001, KA002 -- reason", ("disable", ("KA001", "KA002"), "reason")),
        (" nglint: disable-file=KA003 legacy file", ("disable-file", ("KA003",), "legacy file")),
        (" nglint: disable=KA001", ("disable", ("KA001",), "")),
        (" NGLINT: DISABLE=KA001 shouting", ("disable", ("KA001",), "shouting")),
    ],
)
def test_comment_syntax(text, expected):
    assert parse_comment(text) == expected


@pytest.mark.parametrize("text", [" nglint: disable KA001 x", " nglint: disabel=KA001 x", " nglint: disable=KA001:reason", " nglint:"])
def test_malformed_comments_are_errors(text):
    assert isinstance(parse_comment(text), str)


def test_ordinary_comments_are_not_suppressions():
    assert parse_comment(" keepalive tuned for nglint") is None
    assert parse_comment(" see nglint docs: disable=KA001") is None


def test_trailing_comment_suppresses_its_directive_line(lint):
    report = lint({
        "nginx.conf": _nginx(UPSTREAM.format(trailing="  # nglint: disable=KA001 backend retries POST, OPS-12")),
        "server.xml": TOMCAT,
    })
    assert report.findings == []
    [quiet] = report.suppressed
    assert quiet.rule == "KA001" and quiet.line == 5
    assert quiet.suppressed.justification == "backend retries POST, OPS-12"
    assert quiet.suppressed.kind == "inSource"


def test_comment_on_the_line_before_suppresses_the_next_directive(lint):
    body = "upstream app {\n  server 127.0.0.1:8080;\n  # nglint: disable=KA001 reviewed\n  # (the pool is drained nightly)\n  keepalive 4;\n}\n"
    report = lint({"nginx.conf": _nginx(body), "server.xml": TOMCAT})
    assert report.findings == [] and [f.rule for f in report.suppressed] == ["KA001"]


def test_comment_two_lines_above_with_a_blank_line_does_not_apply(lint):
    body = "upstream app {\n  server 127.0.0.1:8080;\n  # nglint: disable=KA001 too far away\n\n  keepalive 4;\n}\n"
    report = lint({"nginx.conf": _nginx(body), "server.xml": TOMCAT})
    assert found(report) == [("N001", "nginx.conf", 5), ("KA001", "nginx.conf", 7)]
    assert "suppresses nothing" in report.findings[0].message


def test_other_codes_are_not_suppressed(lint):
    report = lint({
        "nginx.conf": _nginx(UPSTREAM.format(trailing="  # nglint: disable=KA003 wrong rule")),
        "server.xml": TOMCAT,
    })
    assert _rules(report) == ["KA001", "N001"]


def test_disable_file_anywhere_in_the_file(lint):
    report = lint({
        "nginx.conf": _nginx("  include conf.d/*.conf;\n"),
        "conf.d/app.conf": UPSTREAM.format(trailing="") + "# nglint: disable-file=KA001 legacy pool, replaced in Q3\n",
        "server.xml": TOMCAT,
    })
    assert report.findings == []
    assert [(f.rule, f.suppressed.justification) for f in report.suppressed] == [("KA001", "legacy pool, replaced in Q3")]


def test_disable_file_applies_only_to_its_own_file(lint):
    report = lint({
        "nginx.conf": _nginx("  include conf.d/*.conf;\n") + "# nglint: disable-file=KA001 wrong file\n",
        "conf.d/app.conf": UPSTREAM.format(trailing=""),
        "server.xml": TOMCAT,
    })
    assert found(report) == [("KA001", "conf.d/app.conf", 3), ("N001", "nginx.conf", 5)]


def test_server_xml_comment_before_the_connector_suppresses_the_cross_tier_finding(lint):
    server_xml = (
        "<Server><Service>\n"
        "  <!-- nglint: disable=KA001 legacy connector, retired in Q3 -->\n"
        "  <!-- HTTP connector used by nginx -->\n"
        '  <Connector port="8080"\n             connectionTimeout="20000"/>\n'
        "</Service></Server>\n"
    )
    report = lint({"nginx.conf": _nginx(UPSTREAM.format(trailing="")), "server.xml": server_xml})
    assert report.findings == []
    [quiet] = report.suppressed
    assert quiet.rule == "KA001" and quiet.suppressed.justification == "legacy connector, retired in Q3"


def test_server_xml_comment_before_another_element_does_not_apply(lint):
    server_xml = (
        "<Server><Service>\n"
        "  <!-- nglint: disable=KA001 misplaced -->\n"
        '  <Engine name="x"/>\n'
        '  <Connector port="8080" connectionTimeout="20000"/>\n'
        "</Service></Server>\n"
    )
    report = lint({"nginx.conf": _nginx(UPSTREAM.format(trailing="")), "server.xml": server_xml})
    assert found(report) == [("KA001", "nginx.conf", 5), ("N001", "server.xml", 2)]


def test_server_xml_suppression_must_cover_every_connector_the_finding_names(lint):
    server_xml = (
        "<Server>\n<Service>\n"
        "  <!-- nglint: disable=KA001 only this one -->\n"
        '  <Connector port="8080" connectionTimeout="20000"/>\n'
        "</Service>\n<Service>\n"
        '  <Connector port="8080" connectionTimeout="10000"/>\n'
        "</Service>\n</Server>\n"
    )
    report = lint({"nginx.conf": _nginx(UPSTREAM.format(trailing="")), "server.xml": server_xml})
    assert "KA001" in _rules(report)


def test_server_xml_suppression_of_a_placeholder_attribute(lint):
    server_xml = (
        "<Server><Service>\n"
        "  <!-- nglint: disable=P004 set by the container at start -->\n"
        '  <Connector port="8080"\n     connectionTimeout="${http.timeout}"/>\n'
        "</Service></Server>\n"
    )
    report = lint({"nginx.conf": _nginx(UPSTREAM.format(trailing="")), "server.xml": server_xml})
    assert "P004" not in _rules(report) and [f.rule for f in report.suppressed] == ["P004"]


def test_n001_for_missing_reason_still_suppresses_but_fails_the_run(lint):
    report = lint({
        "nginx.conf": _nginx(UPSTREAM.format(trailing="  # nglint: disable=KA001")),
        "server.xml": TOMCAT,
    })
    assert found(report) == [("N001", "nginx.conf", 5)]
    assert "no reason" in report.findings[0].message
    assert report.failed and [f.rule for f in report.suppressed] == ["KA001"]


def test_n001_for_unknown_code_and_malformed_comment(lint):
    report = lint({
        "nginx.conf": _nginx("  # nglint: disable=KA01 typo\n  # nglint: ignore KA001\n  server { listen 80; }\n"),
    })
    messages = [f.message for f in report.findings]
    assert [f.rule for f in report.findings] == ["N001", "N001"]
    assert "unknown rule code KA01" in messages[0]
    assert "Malformed" in messages[1]
    assert report.findings[0].severity.value == "warning"


def test_unused_suppression_is_reported_only_for_rules_that_ran(lint):
    files = {"nginx.conf": _nginx("  server { listen 80; }  # nglint: disable=KA001 stale\n")}
    assert _rules(lint(files)) == ["N001"]
    assert _rules(lint(files, select=["N"])) == []  # KA001 did not run: cannot tell whether it is stale
    assert _rules(lint(files, ignore=["N001"])) == []


def test_suppressed_findings_in_summary_json_and_sarif(tmp_path):
    write_tree(tmp_path, {
        "nginx.conf": _nginx(UPSTREAM.format(trailing="  # nglint: disable=KA001 retries are safe here")),
        "server.xml": TOMCAT,
    })
    text = run_cli("check", str(tmp_path), cwd=tmp_path)
    assert text.returncode == 0, text.stdout + text.stderr
    assert text.stdout.strip() == "All checks passed (2 files checked, 1 suppressed)."
    payload = json.loads(run_cli("check", ".", "--format", "json", cwd=tmp_path).stdout)
    assert payload["findings"] == [] and payload["summary"]["suppressed"] == 1
    sarif = json.loads(run_cli("check", ".", "--format", "sarif", cwd=tmp_path).stdout)
    [result] = sarif["runs"][0]["results"]
    assert result["ruleId"] == "KA001"
    assert result["suppressions"] == [{"kind": "inSource", "justification": "retries are safe here"}]


def test_hash_inside_quotes_is_not_a_comment(lint):
    body = 'server {\n  location / {\n    return 200 "# nglint: disable=KA001";\n  }\n}\n'
    report = lint({"nginx.conf": _nginx(body)})
    assert report.findings == []


def test_each_code_of_a_suppression_must_silence_something(lint):
    report = lint({
        "nginx.conf": _nginx(UPSTREAM.format(trailing="  # nglint: disable=KA001,KA003 reviewed with the Tomcat team")),
        "server.xml": TOMCAT,
    })
    assert [f.rule for f in report.suppressed] == ["KA001"]
    [n001] = report.findings
    assert n001.rule == "N001" and n001.message.startswith("Suppression of KA003 suppresses nothing")
    assert "remove KA003 from it" in n001.message


def test_docs_example_location_suppression(lint):
    body = (
        "upstream legacy {\n  server 127.0.0.1:8080;\n  keepalive 8;\n}\n"
        "server {\n"
        "  # nglint: disable=KA003 HTTP/1.0 on purpose: the backend breaks on chunked bodies\n"
        "  location /upload/ { proxy_pass http://legacy; }\n"
        "}\n"
    )
    report = lint({"nginx.conf": _nginx(body)}, select=["KA003", "N"])
    assert report.findings == [] and [f.rule for f in report.suppressed] == ["KA003"]

