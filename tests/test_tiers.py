"""The tier model: defaults as data, provenance of every compared value, the hop
invariant, and linkers."""

import pytest

from conftest import found
from nglint.config import Margin
from nglint.sources import BUILTIN_DEFAULTS, defaults_table
from nglint.tiers.invariant import client_closes_first
from nglint.tiers.model import DEFAULT, FILE, IdlePolicy, Provenance


@pytest.mark.parametrize("kind", sorted(BUILTIN_DEFAULTS))
def test_every_default_names_its_unit_versions_and_documentation(kind):
    table = defaults_table(kind)
    assert table.entries
    for entry in table.entries:
        assert entry.url.startswith("https://"), entry
        assert entry.kind == kind
        if entry.since and entry.until:
            assert entry.since < entry.until, entry
        if isinstance(entry.value, int) and not isinstance(entry.value, bool):
            assert entry.unit, entry


def test_versioned_defaults_pick_the_entry_for_the_version():
    nginx = defaults_table("nginx")
    assert nginx.get("proxy_http_version", (1, 28, 0)).value == "1.0"
    assert nginx.get("proxy_http_version", (1, 29, 7)).value == "1.1"
    assert nginx.get("upstream.keepalive_timeout").value == 60_000
    assert nginx.get("keepalive_timeout").value == 75_000  # the client side shares only the name


def _policy(ms, **kwargs):
    return IdlePolicy(ms, Provenance.unknown("test") if not kwargs.get("known", True) else Provenance(FILE, "x"), **kwargs)


def test_client_must_close_first_by_the_margin():
    race = client_closes_first(_policy(60_000), _policy(20_000), Margin())
    assert (race.ok, race.max_allowed_ms, race.suggested_seconds) == (False, 18_000, 18)
    assert client_closes_first(_policy(18_000), _policy(20_000), Margin()).ok
    assert not client_closes_first(_policy(19_000), _policy(20_000), Margin()).ok


@pytest.mark.parametrize(
    "server",
    [
        _policy(None),  # never closes idle connections
        _policy(5_000, keepalive=False),  # closes after every response
        _policy(None, known=False),  # unknown: never guessed
    ],
)
def test_no_verdict_where_the_sides_cannot_race_or_are_unknown(server):
    assert client_closes_first(_policy(60_000), server, Margin()) is None




def test_backend_provenance(tmp_path):
    from conftest import write_tree
    from nglint.sources.tomcat.reader import TomcatServerXml

    write_tree(tmp_path, {
        "server.xml": '<Server>\n<Service>\n<Connector port="8080"\n   connectionTimeout="20000"/>\n<Connector port="8081"/>\n</Service>\n</Server>\n',
    })
    parsed = TomcatServerXml().parse(str(tmp_path / "server.xml"), [str(tmp_path)], 1 << 20)
    explicit, default = (backend.idle_policy for backend in parsed.backends)
    assert (explicit.provenance.origin, explicit.provenance.line, explicit.provenance.key) == (FILE, 4, "connectionTimeout")
    assert explicit.timeout_ms == 20_000
    assert default.provenance.origin == DEFAULT
    assert default.provenance.default.url.startswith("https://tomcat.apache.org/")
    assert default.timeout_ms == 60_000


NGINX_8080 = "events {}\nhttp {\n  upstream app { server app:8080; keepalive 8; }\n}\n"
XML_20S = '<Server><Service><Connector port="8080" connectionTimeout="20000"/></Service></Server>\n'


def test_by_port_links_only_inside_the_deployment_unit(lint):
    report = lint({
        "shop/docker-compose.yml": "services: {}\n",
        "shop/nginx/nginx.conf": NGINX_8080,
        "blog/docker-compose.yml": "services: {}\n",
        "blog/tomcat/server.xml": XML_20S,
    })
    rules = [rule for rule, _, _ in found(report)]
    assert "KA001" not in rules and "P005" in rules  # the only 8080 listener is another stack's


def test_by_port_links_inside_the_unit(lint):
    report = lint({
        "shop/docker-compose.yml": "services: {}\n",
        "shop/nginx/nginx.conf": NGINX_8080,
        "shop/tomcat/server.xml": XML_20S,
        "blog/docker-compose.yml": "services: {}\n",
        "blog/tomcat/server.xml": XML_20S,
    })
    (ka001,) = [f for f in report.findings if f.rule == "KA001"]
    assert [report.display_path(r.location.path) for r in ka001.related] == ["shop/tomcat/server.xml"]


def test_by_port_stays_ambiguous_between_equally_near_files(lint):
    report = lint({
        "nginx/nginx.conf": NGINX_8080,
        "a/server.xml": XML_20S,
        "b/server.xml": XML_20S,
    })
    rules = [rule for rule, _, _ in found(report)]
    assert "KA001" not in rules and "P005" in rules


def test_hops_expose_both_sides_with_provenance(tmp_path):
    from conftest import write_tree
    from nglint.config import Settings
    from nglint.project import load_project

    write_tree(tmp_path, {"nginx/nginx.conf": NGINX_8080, "tomcat/server.xml": XML_20S})

    project = load_project([str(tmp_path)], Settings(), cwd=str(tmp_path))
    (hop,) = project.hops
    assert hop.client.idle.timeout_ms == 60_000 and hop.client.idle.pools
    assert hop.client.idle.provenance.origin == DEFAULT
    assert hop.client.idle.provenance.default.key == "upstream.keepalive_timeout"
    assert hop.server.idle.timeout_ms == 20_000 and hop.server.tier == "tomcat"
    assert hop.evidence == "port 8080"


def test_by_port_links_each_stack_of_a_folder_of_stacks_to_its_own_server(lint):
    report = lint({
        "s1/nginx/nginx.conf": NGINX_8080,
        "s1/tomcat/server.xml": XML_20S,
        "s2/nginx/nginx.conf": NGINX_8080,
        "s2/tomcat/server.xml": XML_20S.replace("20000", "5000"),
    })
    pairs = sorted(
        (report.display_path(f.path), report.display_path(f.related[0].location.path)) for f in report.findings if f.rule == "KA001"
    )
    assert pairs == [("s1/nginx/nginx.conf", "s1/tomcat/server.xml"), ("s2/nginx/nginx.conf", "s2/tomcat/server.xml")]


def test_by_port_never_links_across_a_folder_of_stacks(lint):
    report = lint({
        "s1/nginx/nginx.conf": NGINX_8080,
        "s2/nginx/nginx.conf": "events {}\nhttp {}\n",
        "s2/tomcat/server.xml": XML_20S,
    })
    rules = [rule for rule, _, _ in found(report)]
    assert "KA001" not in rules and "P005" in rules
