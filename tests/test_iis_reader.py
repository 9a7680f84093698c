"""IIS: applicationHost.config sites and bindings with their limits (site over siteDefaults
over the 2-minute default), read safely (no DTD, no entities); IIS images; HC001 learns
that IIS resets idle connections."""

from __future__ import annotations

import pytest

from conftest import found, write_tree
from nglint.findings import Location
from nglint.sources.iis.reader import Iis, timespan_ms
from nglint.sources.process import Process, backends_for

HOST = """
    <?xml version="1.0" encoding="UTF-8"?>
    <configuration>
      <system.applicationHost>
        <sites>
          <site name="Shop" id="1">
            <bindings>
              <binding protocol="http" bindingInformation="*:8080:" />
              <binding protocol="https" bindingInformation="10.0.0.5:8443:shop.example.com" />
              <binding protocol="net.tcp" bindingInformation="808:*" />
            </bindings>
            <limits connectionTimeout="00:00:45" />
          </site>
          <site name="Api" id="2">
            <bindings><binding protocol="http" bindingInformation="*:9090:" /></bindings>
          </site>
          <siteDefaults>
            <limits connectionTimeout="00:01:30" />
          </siteDefaults>
        </sites>
      </system.applicationHost>
    </configuration>
    """


def _sites(tmp_path, text, name="applicationHost.config"):
    write_tree(tmp_path, {name: text})
    reader = Iis()
    assert reader.claims(str(tmp_path / name))
    return reader.parse(str(tmp_path / name), [str(tmp_path)], 10**6)


def test_bindings_take_their_sites_limits_else_site_defaults(tmp_path):
    result = _sites(tmp_path, HOST)
    seen = {(b.port, b.idle_policy.timeout_ms, b.attributes["site"]) for b in result.backends}
    assert seen == {(8080, 45_000, "Shop"), (8443, 45_000, "Shop"), (9090, 90_000, "Api")}
    assert all(b.kind == "iis" and b.attributes["closes_idle_with"] == "rst" for b in result.backends)
    shop = next(b for b in result.backends if b.port == 8080)
    assert shop.idle_policy.provenance.location.line == 11


def test_without_limits_iis_waits_two_minutes(tmp_path):
    text = HOST.replace('<limits connectionTimeout="00:00:45" />', "").replace('<limits connectionTimeout="00:01:30" />', "")
    result = _sites(tmp_path, text)
    assert {b.idle_policy.timeout_ms for b in result.backends} == {120_000}
    assert "00:02:00" in result.backends[0].idle_policy.describe()


@pytest.mark.parametrize("text, ms", [("00:02:00", 120_000), ("1.00:00:00", 86_400_000), ("00:00:30.5", 30_500),
                                      ("2:5:7", 7_507_000), ("00:61:00", None), ("120", None), ("", None)])
def test_timespans(text, ms):
    assert timespan_ms(text) == ms


def test_unreadable_timeout_is_unknown(tmp_path):
    result = _sites(tmp_path, HOST.replace("00:00:45", "${TIMEOUT}"))
    shop = next(b for b in result.backends if b.port == 8080)
    assert not shop.idle_policy.known and "${TIMEOUT}" in shop.idle_policy.describe()


@pytest.mark.parametrize("text, expected", [
    ('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<configuration>&e;</configuration>',
     "refused as unsafe: applicationHost.config declares a DTD or entities"),
    ("<configuration><system.applicationHost>", "not well-formed XML"),
])
def test_hostile_or_broken_xml_is_a_problem(tmp_path, text, expected):
    result = _sites(tmp_path, text)
    assert result.backends == []
    assert any(expected in problem.message for problem in result.problems)


def test_web_config_is_read_safely_and_links_nothing(tmp_path):
    result = _sites(tmp_path, '<configuration><system.webServer><aspNetCore processPath="dotnet" hostingModel="outofprocess"/>'
                              "</system.webServer></configuration>", "Web.config")
    assert (result.backends, result.problems) == ([], [])


def test_iis_image_runs_defaults_and_notes_kestrel_behind_it(tmp_path):
    write_tree(tmp_path, {"web.config": '<configuration><system.webServer><aspNetCore hostingModel="OutOfProcess"/>'
                                        "</system.webServer></configuration>"})
    where = Location(str(tmp_path / "docker-compose.yml"), 4)
    process = Process("site", where, "mcr.microsoft.com/dotnet/framework/aspnet:4.8", None, None, {}, {},
                      {"/inetpub/wwwroot/web.config": str(tmp_path / "web.config")}, [], str(tmp_path))
    (backend,) = backends_for(process, [str(tmp_path)], 10**6)
    assert (backend.kind, backend.port, backend.idle_policy.timeout_ms) == ("iis", 80, 120_000)
    assert backend.attributes["forwards_to"] == "kestrel"


def test_hc001_says_iis_resets_probe_connections(lint):
    report = lint({
        "iis/applicationHost.config": HOST,
        "nginx.conf": """
            events {}
            http {
                upstream shop {
                    server 10.0.0.5:8080;
                    check interval=3000 rise=2 fall=5 timeout=1000;
                }
                server { listen 80; location / { proxy_pass http://shop; } }
            }
            """,
    })
    hc = [f for f in report.findings if f.rule == "HC001"]
    assert [(f.rule, f.line) for f in hc] == [("HC001", 5)]
    assert hc[0].severity.name == "WARNING" and "iis resets idle connections" in " ".join(hc[0].sources)
    assert ("HC001", "nginx.conf", 5) in found(report)
