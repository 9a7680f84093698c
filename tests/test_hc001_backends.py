"""HC001: the backend kind behind a TCP health check decides how bad its idle probes are,
from the close-style table (nglint.sources.closing), whose values tests/e2e checks against
real Node.js and gunicorn."""

import pytest

from conftest import found, told

NGINX = ("events {}\nhttp {\n    upstream app {\n        server 127.0.0.1:8000;\n"
         "        check interval=3000 rise=2 fall=5 timeout=1000;\n    }\n"
         "    server {\n        listen 80;\n        location / {\n            proxy_pass http://app;\n        }\n    }\n}\n")
NODE = "const http = require('http');\nhttp.createServer((q, r) => r.end('ok')).listen(8000, '127.0.0.1');\n"
TOMCAT = '<Server><Service>\n<Connector port="8000" connectionTimeout="20000"/>\n</Service></Server>\n'


def gunicorn(extra: str = "") -> dict:
    return {"app/gunicorn.conf.py": f'bind = "127.0.0.1:8000"\n{extra}',
            "app/Procfile": "web: gunicorn -c gunicorn.conf.py app:app\n"}


def hc001(report):
    (finding,) = [f for f in report.findings if f.rule == "HC001"]
    return finding


def test_gunicorn_sync_worker_makes_every_probe_cost_a_worker(lint):
    finding = hc001(lint({"nginx.conf": NGINX, **gunicorn()}, select=["HC"]))
    assert finding.severity.value == "warning"
    assert "gunicorn blocks a worker on a connection that sends nothing" in told(finding)
    assert "https://docs.gunicorn.org/en/stable/settings.html#timeout" in told(finding)
    assert finding.data["backend_kinds"] == ["gunicorn"]


@pytest.mark.parametrize("extra", ["threads = 4\n", 'worker_class = "gthread"\n'])
def test_gunicorn_gthread_closes_probes_cleanly_info_only(lint, extra):
    finding = hc001(lint({"nginx.conf": NGINX, **gunicorn(extra)}, select=["HC"]))
    assert finding.severity.value == "info" and "closes idle connections cleanly" in told(finding)


def test_an_unknown_worker_class_is_said_not_guessed(lint):
    finding = hc001(lint({"nginx.conf": NGINX, **gunicorn('worker_class = "gevent"\n')}, select=["HC"]))
    assert finding.severity.value == "warning"
    assert "nglint does not know how gunicorn ends an idle connection" in told(finding)


def test_node_closes_with_fin_after_a_408_info_only(lint):
    node = hc001(lint({"nginx.conf": NGINX, "app/server.js": NODE, "app/Procfile": "web: node server.js\n"}, select=["HC"]))
    assert node.severity.value == "info" and "408" in told(node)


def test_tomcat_closes_with_fin_info_only(lint):
    tomcat = hc001(lint({"nginx.conf": NGINX.replace("127.0.0.1:8000", "app:8000"), "tomcat/conf/server.xml": TOMCAT},
                        select=["HC"]))
    assert tomcat.severity.value == "info" and "connectionTimeout" in told(tomcat), told(tomcat)


def test_iis_resets_every_probe(lint):
    """IIS (kind `iis`, read by the IIS reader, or declared) resets: HTTP.sys's documented
    IdleConnectionTimeout/HeaderWaitTimeout end a connection with a reset."""
    declared = ('[[tool.nglint.backend]]\nupstream = "app"\nkind = "iis"\nidle-timeout = "120s"\n')
    report = lint({"nginx.conf": NGINX, ".nglint.toml": declared.replace("[[tool.nglint.backend]]", "[[backend]]")},
                  select=["HC"])
    finding = hc001(report)
    assert finding.severity.value == "warning" and "recv() failed (104" in told(finding)
    assert "ne-http-http_service_config_timeout_key" in told(finding)
