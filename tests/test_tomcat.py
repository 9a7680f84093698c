"""server.xml parsing: defaults, placeholders, protocols, refusal of unsafe XML."""

from pathlib import Path

from conftest import write_tree
from nglint.sources.tomcat.reader import TomcatServerXml

SERVER = """<?xml version="1.0" encoding="UTF-8"?>
<Server port="8005" shutdown="SHUTDOWN">
  <Service name="Catalina">
{connectors}
  </Service>
</Server>
"""


def parse(tmp_path: Path, connectors: str, extra: dict | None = None):
    files = {"conf/server.xml": SERVER.format(connectors=connectors)}
    files.update(extra or {})
    write_tree(tmp_path, files)
    return TomcatServerXml().parse(str(tmp_path / "conf/server.xml"), [str(tmp_path)], 10 * 1024 * 1024)


def test_connection_timeout_defaults_keepalive(tmp_path):
    result = parse(tmp_path, '    <Connector port="8080" protocol="HTTP/1.1"\n               connectionTimeout="20000"/>')
    (backend,) = result.backends
    assert backend.port == 8080
    assert backend.idle_timeout_ms == 20_000
    assert "connectionTimeout" in backend.idle_timeout_source
    assert backend.location.line == 4  # the line of "<Connector", not where the tag ends


def test_explicit_keepalive_timeout_wins(tmp_path):
    result = parse(tmp_path, '<Connector port="8080" connectionTimeout="20000" keepAliveTimeout="5000"/>')
    assert result.backends[0].idle_timeout_ms == 5_000


def test_absent_timeouts_use_tomcat_default_60s(tmp_path):
    result = parse(tmp_path, '<Connector port="8080"/>')
    assert result.backends[0].idle_timeout_ms == 60_000


def test_negative_means_infinite_and_ajp_defaults_infinite(tmp_path):
    result = parse(
        tmp_path,
        '<Connector port="8080" keepAliveTimeout="-1"/>\n<Connector port="8009" protocol="AJP/1.3"/>',
    )
    http, ajp = result.backends
    assert http.idle_timeout_ms is None
    assert ajp.protocol == "ajp" and ajp.idle_timeout_ms is None


def test_protocol_classes(tmp_path):
    result = parse(
        tmp_path,
        '<Connector port="1" protocol="org.apache.coyote.http11.Http11Nio2Protocol"/>\n'
        '<Connector port="2" protocol="org.apache.coyote.http11.Http11AprProtocol" SSLEnabled="true"/>\n'
        '<Connector port="3" protocol="org.apache.coyote.ajp.AjpNioProtocol"/>',
    )
    impls = [(b.protocol, b.attributes["implementation"], b.attributes["ssl"]) for b in result.backends]
    assert impls == [("http", "nio2", False), ("http", "apr", True), ("ajp", "nio", False)]


def test_max_keepalive_requests_one_disables_keepalive(tmp_path):
    result = parse(tmp_path, '<Connector port="8080" maxKeepAliveRequests="1"/>')
    assert result.backends[0].keepalive_disabled


def test_placeholders_resolve_from_catalina_properties_above(tmp_path):
    result = parse(
        tmp_path,
        '<Connector port="${http.port}" connectionTimeout="${http.timeout:-15000}"/>',
        {"catalina.properties": "http.port=9090\n"},
    )
    (backend,) = result.backends
    assert backend.port == 9090 and backend.idle_timeout_ms == 15_000
    assert result.problems == []


def test_unresolved_placeholder_is_p004_not_a_guess(tmp_path):
    result = parse(tmp_path, '<Connector port="8080"\n   keepAliveTimeout="${ka}"/>')
    (backend,) = result.backends
    assert not backend.timeout_known
    (problem,) = result.problems
    assert problem.kind == "unresolved-placeholder" and problem.line == 5 and "${ka}" in problem.message


def test_doctype_with_entities_is_refused(tmp_path):
    write_tree(
        tmp_path,
        {"server.xml": '<?xml version="1.0"?>\n<!DOCTYPE Server [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<Server>&x;</Server>\n'},
    )
    result = TomcatServerXml().parse(str(tmp_path / "server.xml"), [str(tmp_path)], 1 << 20)
    assert result.backends == []
    assert [(p.kind, p.line) for p in result.problems] == [("refused-file", 2)]


def test_malformed_xml_is_p003_with_line(tmp_path):
    write_tree(tmp_path, {"server.xml": '<Server>\n  <Service>\n    <Connector port="8080"\n</Server>\n'})
    result = TomcatServerXml().parse(str(tmp_path / "server.xml"), [str(tmp_path)], 1 << 20)
    assert result.problems[0].kind == "backend-parse-error"
    assert result.problems[0].line >= 3


def test_oversize_file_refused_before_parsing(tmp_path):
    write_tree(tmp_path, {"server.xml": "<Server>" + " " * 5000 + "</Server>"})
    result = TomcatServerXml().parse(str(tmp_path / "server.xml"), [str(tmp_path)], 1000)
    assert result.problems[0].kind == "refused-file" and "max-file-size" in result.problems[0].message


def test_other_products_server_xml_is_ignored(tmp_path):
    write_tree(tmp_path, {"server.xml": '<mmonit><Connector port="8080"/></mmonit>'})
    result = TomcatServerXml().parse(str(tmp_path / "server.xml"), [str(tmp_path)], 1 << 20)
    assert result.backends == [] and result.problems == []
