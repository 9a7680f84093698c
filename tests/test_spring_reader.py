"""The Spring Boot reader: embedded server from the build file, properties and YAML with
profiles, environment and command-line overrides, Duration formats."""

from __future__ import annotations

import pytest

from conftest import write_tree
from nglint.findings import Location
from nglint.sources.process import Process, backends_for

POM = "<project><dependencies><dependency><artifactId>spring-boot-starter-{starter}</artifactId></dependency></dependencies></project>\n"


def _backend(tmp_path, files, argv=None, env=None, starter="web"):
    files = {"pom.xml": POM.format(starter=starter), **files}
    write_tree(tmp_path, files)
    mapped = {f"/build/{name}": str(tmp_path / name) for name in files}
    where = Location(str(tmp_path / "docker-compose.yml"), 9)
    process = Process("api", where, "eclipse-temurin:21", argv or ["java", "-jar", "app.jar"], where, env or {},
                      {k: where for k in (env or {})}, mapped, [], str(tmp_path))
    (backend,) = backends_for(process, [str(tmp_path)], 1_000_000)
    return backend


RES = "src/main/resources/"


@pytest.mark.parametrize("files, env, argv, expected", [
    ({}, {}, None, "60s (embedded Tomcat: server.tomcat.connection-timeout unset, Tomcat's Connector default)"),
    ({RES + "application.properties": "server.port=8081\nserver.tomcat.connection-timeout=20s\n"}, {}, None,
     "20s (server.tomcat.connection-timeout=20s (application.properties))"),
    ({RES + "application.properties": "server.tomcat.connection-timeout=20000\nserver.tomcat.keep-alive-timeout=PT45S\n"}, {}, None,
     "45s (server.tomcat.keep-alive-timeout=PT45S (application.properties))"),
    ({RES + "application.properties": "server.tomcat.connection-timeout=20s\n"}, {"SERVER_TOMCAT_CONNECTIONTIMEOUT": "30s"}, None,
     "30s (server.tomcat.connection-timeout=30s (environment variable SERVER_TOMCAT_CONNECTIONTIMEOUT))"),
    ({}, {"SERVER_TOMCAT_KEEPALIVETIMEOUT": "15000"}, ["java", "-Dserver.tomcat.keep-alive-timeout=25s", "-jar", "app.jar"],
     "25s (server.tomcat.keep-alive-timeout=25s (-D system property))"),
    ({}, {}, ["java", "-jar", "app.jar", "--server.tomcat.keep-alive-timeout=-1"],
     "never (server.tomcat.keep-alive-timeout=-1 (command-line argument))"),
])
def test_tomcat_sources_by_precedence(tmp_path, files, env, argv, expected):
    assert _backend(tmp_path, files, argv, env).idle_policy.describe() == expected


def test_yaml_profiles(tmp_path):
    yml = (
        "server:\n  port: 9090\n  tomcat:\n    connection-timeout: 40s\n"
        "---\nspring:\n  config:\n    activate:\n      on-profile: prod\nserver:\n  tomcat:\n    connection-timeout: 10s\n"
    )
    plain = _backend(tmp_path, {RES + "application.yml": yml})
    assert (plain.port, plain.idle_policy.timeout_ms, plain.location.line) == (9090, 40000, 4)
    prod = _backend(tmp_path, {RES + "application.yml": yml}, env={"SPRING_PROFILES_ACTIVE": "prod"})
    assert (prod.idle_policy.timeout_ms, prod.location.line) == (10000, 12)
    profile_file = _backend(tmp_path, {RES + "application-docker.properties": "server.tomcat.connection-timeout=5s\n"},
                            argv=["java", "-Dspring.profiles.active=docker", "-jar", "app.jar"])
    assert profile_file.idle_policy.timeout_ms == 5000


@pytest.mark.parametrize("starter, expected", [
    ("jetty", "30s (embedded Jetty: server.jetty.connection-idle-timeout unset, ServerConnector idleTimeout)"),
    ("webflux", "never (Reactor Netty: no idle timeout unless server.netty.idle-timeout is set)"),
    ("undertow", "unknown (Undertow's idle timeout default is not in nglint's defaults table)"),
])
def test_embedded_server_from_the_starter(tmp_path, starter, expected):
    assert _backend(tmp_path, {}, starter=starter).idle_policy.describe() == expected


def test_unreadable_duration_and_broken_yaml(tmp_path):
    backend = _backend(tmp_path, {RES + "application.properties": "server.tomcat.connection-timeout=${TIMEOUT}\n"})
    assert "is not a duration nglint can read" in backend.idle_policy.unknown_reason
    backend = _backend(tmp_path, {RES + "application.properties": "", RES + "application.yml": "server: [\n"})
    assert backend.idle_policy.timeout_ms == 60000


def test_not_spring(tmp_path):
    write_tree(tmp_path, {"pom.xml": "<project>quarkus</project>"})
    where = Location(str(tmp_path / "x"), 1)
    process = Process("a", where, "eclipse-temurin", ["java", "-jar", "a.jar"], where, files={"/pom.xml": str(tmp_path / "pom.xml")})
    assert backends_for(process, [str(tmp_path)], 10**6) == []
