"""The Apache httpd reader: KeepAlive/KeepAliveTimeout/Listen through includes and
VirtualHosts, the httpd image's defaults, broken files never crash."""

from __future__ import annotations

from conftest import write_tree
from nglint.findings import Location
from nglint.sources.process import Process, backends_for


def _parse(tmp_path, files, name="conf/httpd.conf"):
    from nglint.sources.apache.reader import ApacheHttpd

    write_tree(tmp_path, files)
    return ApacheHttpd().parse(str(tmp_path / name), [str(tmp_path)], 10**6)


def test_defaults_and_includes(tmp_path):
    parsed = _parse(tmp_path, {
        "conf/httpd.conf": "ServerRoot /usr/local/apache2\nListen 8080\nInclude conf/extra/*.conf\n",
        "conf/extra/httpd-default.conf": "KeepAlive On\nKeepAliveTimeout 15\n",
    })
    (backend,) = parsed.backends
    assert (backend.port, backend.idle_policy.describe()) == (8080, "15s (KeepAliveTimeout 15)")
    assert backend.location.path.endswith("httpd-default.conf") and backend.location.line == 2


def test_keepalive_off_milliseconds_and_vhost(tmp_path):
    (off,) = _parse(tmp_path, {"conf/httpd.conf": "Listen 80\nKeepAlive Off\n"}).backends
    assert not off.idle_policy.keepalive
    backends = _parse(tmp_path, {"conf/httpd.conf": (
        "Listen 80\nListen 8081\nKeepAliveTimeout 500ms\n<VirtualHost *:8081>\n  KeepAliveTimeout 30\n</VirtualHost>\n")}).backends
    assert [(b.port, b.idle_policy.timeout_ms) for b in backends] == [(80, 500), (8081, 30000)]


def test_unreadable_and_looping_includes(tmp_path):
    (backend,) = _parse(tmp_path, {"conf/httpd.conf": "KeepAliveTimeout ${KA}\nInclude conf/httpd.conf\nInclude /etc/passwd\n"}).backends
    assert not backend.idle_policy.known and "cannot be read" in backend.idle_policy.unknown_reason


def test_httpd_image_default(tmp_path):
    where = Location(str(tmp_path / "docker-compose.yml"), 3)
    (backend,) = backends_for(Process("legacy", where, "httpd:2.4", None, None, ports=[80]), [str(tmp_path)], 10**6)
    assert (backend.kind, backend.port, backend.idle_policy.timeout_ms) == ("apache", 80, 5000)
