"""systemd units: ExecStart= becomes a process the server readers describe; Environment=,
EnvironmentFile= (inside the tree only), WorkingDirectory= and continuations as systemd
reads them; units that run no known server, or are not service units, add nothing."""

from __future__ import annotations

import pytest

from conftest import found, write_tree
from nglint.sources.systemd.reader import SystemdUnit

UNIT = """
    [Unit]
    Description=app

    [Service]
    WorkingDirectory=/srv/app
    Environment="KA=7" PORT=9000
    EnvironmentFile=-/etc/app/app.env
    ExecStart=
    ExecStart=-/srv/app/venv/bin/gunicorn -k gthread \\
        --keep-alive ${KA} --bind 127.0.0.1:$PORT app:app

    [Install]
    WantedBy=multi-user.target
    """


def _parse(tmp_path, files, name="deploy/app.service"):
    write_tree(tmp_path, files)
    reader = SystemdUnit()
    path = str(tmp_path / name)
    assert reader.claims(path)
    return reader.parse(path, [str(tmp_path)], 10**6)


def test_exec_start_runs_a_server_with_the_units_environment(tmp_path):
    result = _parse(tmp_path, {"deploy/app.service": UNIT})
    (process,) = result.processes
    assert process.argv[0] == "/srv/app/venv/bin/gunicorn" and "7" in process.argv
    (backend,) = result.backends
    assert (backend.kind, backend.port, backend.idle_policy.timeout_ms) == ("gunicorn", 9000, 7000)
    assert backend.location.line == 9  # the ExecStart= that runs it (the empty one above resets)


def test_environment_file_inside_the_tree_and_the_apps_config_file(tmp_path):
    unit = UNIT.replace("Environment=\"KA=7\" PORT=9000\n", "").replace("--keep-alive ${KA} ", "-c gunicorn.conf.py ")
    result = _parse(tmp_path, {
        "deploy/app.service": unit,
        "deploy/app.env": "PORT=9100\n",
        "gunicorn.conf.py": "keepalive = 12\n",
    })
    (backend,) = result.backends
    assert (backend.port, backend.idle_policy.describe()) == (9100, "12s (keepalive = 12)")


def test_environment_file_outside_the_tree_is_never_read(tmp_path):
    outside = tmp_path / "outside"
    write_tree(outside, {"app.env": "PORT=9200\n"})
    unit = UNIT.replace("-/etc/app/app.env", str(outside / "app.env"))
    write_tree(tmp_path / "tree", {"app.service": unit})
    result = SystemdUnit().parse(str(tmp_path / "tree" / "app.service"), [str(tmp_path / "tree")], 10**6)
    (backend,) = result.backends
    assert backend.port == 9000


@pytest.mark.parametrize("text", [
    "[Unit]\nDescription=x\n[Service]\nExecStart=/usr/bin/backup.sh\n",
    "[Service]\nType=oneshot\n",
    "[Service]\nExecStart=/usr/bin/gunicorn 'unbalanced\n",
    "[Service]\nExecStart=\\\n",
])
def test_units_without_a_known_server_add_nothing_and_never_crash(tmp_path, text):
    result = _parse(tmp_path, {"x.service": text}, "x.service")
    assert result.backends == []
    assert all(problem.kind == "backend-parse-error" for problem in result.problems)


def test_only_service_units_are_claimed(tmp_path):
    write_tree(tmp_path, {"a.service": "[Unit]\nDescription=not a service section\n", "b.timer": "[Timer]\n"})
    assert not SystemdUnit().claims(str(tmp_path / "a.service"))
    assert not SystemdUnit().claims(str(tmp_path / "b.timer"))


def test_host_nginx_links_to_the_unit_by_port(lint):
    report = lint({
        "deploy/app.service": UNIT,
        "nginx/nginx.conf": """
            events {}
            http {
                upstream app { server 127.0.0.1:9000; keepalive 8; }
                server {
                    listen 80;
                    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; }
                }
            }
            """,
    })
    assert found(report) == [("KA001", "nginx/nginx.conf", 3)]
    assert report.findings[0].related[0].location.path.endswith("app.service")
