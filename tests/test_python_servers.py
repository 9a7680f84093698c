"""gunicorn and uvicorn readers: config files, command lines, environment, worker classes;
odd but valid inputs read right, broken ones become P003, computed values stay unknown."""

from __future__ import annotations

import pytest

from conftest import write_tree
from nglint.findings import Location
from nglint.sources.process import Process, backends_for


def _backends(tmp_path, argv, env=None, files=None):
    write_tree(tmp_path, files or {})
    mapped = {f"/app/{name}": str(tmp_path / name) for name in (files or {})}
    where = Location(str(tmp_path / "docker-compose.yml"), 7)
    process = Process("app", where, "python:3.12", argv, where, env or {}, {k: where for k in (env or {})}, mapped, [], str(tmp_path))
    return backends_for(process, [str(tmp_path)], 1_000_000)


def _policy(backend):
    return backend.idle_policy


@pytest.mark.parametrize("argv, env, expected", [
    (["gunicorn", "-k", "gthread", "--keep-alive", "5", "app:app"], {}, "5s (--keep-alive 5 in the command)"),
    (["gunicorn", "--worker-class=gevent", "--keep-alive=9", "app:app"], {}, "9s (--keep-alive 9 in the command)"),
    (["gunicorn", "-kgthread", "app:app"], {}, "2s (gunicorn's default keepalive 2s)"),
    (["gunicorn", "app:app"], {}, "no keep-alive (the sync worker closes every connection (gunicorn's default sync worker))"),
    (["gunicorn", "app"], {"GUNICORN_CMD_ARGS": "--threads 4 --keep-alive 7"}, "7s (--keep-alive 7 in GUNICORN_CMD_ARGS)"),
    (["gunicorn", "--keep-alive", "3", "-k", "gthread", "app"], {"GUNICORN_CMD_ARGS": "--keep-alive 7"}, "3s (--keep-alive 3 in the command)"),
    (["sh", "-c", "python manage.py migrate && exec gunicorn -k uvicorn.workers.UvicornWorker app"], {}, "2s (gunicorn's default keepalive 2s)"),
    (["python", "-m", "gunicorn", "-k", "gthread", "--keep-alive", "${KA}", "app"], {}, "unknown (--keep-alive ${KA} in the command is not a number nglint can read)"),
    (["gunicorn", "-k", "my.CustomWorker", "app"], {}, "unknown (worker class my.CustomWorker: nglint does not know how it keeps connections)"),
])
def test_gunicorn_command_lines(tmp_path, argv, env, expected):
    (backend,) = _backends(tmp_path, argv, env)
    assert backend.kind == "gunicorn"
    assert _policy(backend).describe() == expected


def test_gunicorn_config_file_layers_under_the_command_line(tmp_path):
    files = {"gunicorn.conf.py": "import os\nbind = ['0.0.0.0:8001', 'unix:/tmp/g.sock']\nworker_class = 'gthread'\nkeepalive = 4\n"}
    backend, on_socket = _backends(tmp_path, ["gunicorn", "app:app"], files=files)
    assert (backend.port, _policy(backend).describe()) == (8001, "4s (keepalive = 4)")
    assert (on_socket.port, on_socket.attributes["socket"], _policy(on_socket).timeout_ms) == (None, "/tmp/g.sock", 4000)
    assert backend.idle_policy.provenance.location == Location(str(tmp_path / "gunicorn.conf.py"), 4)
    backends = _backends(tmp_path, ["gunicorn", "-c", "/app/gunicorn.conf.py", "--keep-alive", "6", "app:app"], files=files)
    assert [_policy(backend).timeout_ms for backend in backends] == [6000, 6000]


@pytest.mark.parametrize("text, expected", [
    ("keepalive = int(os.environ.get('KA', 5))\nworker_class = 'gevent'\n", "keepalive is computed at run time (int(os.environ.get('KA', 5)))"),
    ("if DEBUG:\n    keepalive = 1\nworker_class = 'gevent'\n", "keepalive is set conditionally (line 2)"),
    ("keepalive = 'x'\nworker_class = 'gevent'\n", "keepalive = 'x' is not a number"),
])
def test_gunicorn_computed_values_are_unknown(tmp_path, text, expected):
    from nglint.sources.gunicorn.reader import Gunicorn

    write_tree(tmp_path, {"gunicorn.conf.py": text})
    (backend,) = Gunicorn().parse(str(tmp_path / "gunicorn.conf.py"), [str(tmp_path)], 10**6).backends
    assert not backend.idle_policy.known
    assert expected in backend.idle_policy.unknown_reason


@pytest.mark.parametrize("text", ["keepalive = (\n", "\x00\x01", "def f(:\n", "x = " + "(" * 500 + "1" + ")" * 500 + "\n"])
def test_broken_gunicorn_config_is_a_problem(tmp_path, text):
    from nglint.sources.gunicorn.reader import Gunicorn

    write_tree(tmp_path, {"gunicorn.conf.py": text})
    parsed = Gunicorn().parse(str(tmp_path / "gunicorn.conf.py"), [str(tmp_path)], 10**6)
    assert [p.kind for p in parsed.problems] in (["backend-parse-error"], [])  # deep parentheses parse on newer Pythons
    assert parsed.backends == [] or parsed.problems == []


@pytest.mark.parametrize("argv, env, expected, port", [
    (["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "9000"], {}, "5s (uvicorn's default timeout_keep_alive 5s)", 9000),
    (["uvicorn", "main:app", "--timeout-keep-alive", "75"], {"UVICORN_TIMEOUT_KEEP_ALIVE": "30"}, "75s (--timeout-keep-alive 75 in the command)", 8000),
    (["python", "-m", "uvicorn", "main:app"], {"UVICORN_TIMEOUT_KEEP_ALIVE": "30", "UVICORN_PORT": "8080"}, "30s (UVICORN_TIMEOUT_KEEP_ALIVE=30)", 8080),
])
def test_uvicorn_command_lines(tmp_path, argv, env, expected, port):
    (backend,) = _backends(tmp_path, argv, env)
    assert (backend.kind, backend.port, _policy(backend).describe()) == ("uvicorn", port, expected)


def test_uvicorn_run_in_the_script(tmp_path):
    files = {"main.py": "import uvicorn\nif __name__ == '__main__':\n    uvicorn.run('m:app', host='0.0.0.0', port=8080,\n                timeout_keep_alive=65)\n"}
    (backend,) = _backends(tmp_path, ["python", "main.py"], files=files)
    assert (backend.port, backend.idle_policy.timeout_ms, backend.location.line) == (8080, 65000, 4)
    files = {"main.py": "import uvicorn\nuvicorn.run(app, **settings)\n"}
    (backend,) = _backends(tmp_path, ["python", "main.py"], files=files)
    assert "may be passed in **settings" in backend.idle_policy.unknown_reason


def test_other_processes_are_not_python_servers(tmp_path):
    assert [b.kind for b in _backends(tmp_path, ["node", "server.js"])] == ["node"]
    assert _backends(tmp_path, None) == []


@pytest.mark.parametrize("argv, env, expected", [
    (["waitress-serve", "--listen=0.0.0.0:8081", "app:app"], {}, ("waitress", 8081, "120s (waitress's default idle timeout 120s)")),
    (["waitress-serve", "--channel-timeout=30", "app:app"], {}, ("waitress", 8080, "30s (--channel-timeout 30)")),
    (["hypercorn", "--bind", "0.0.0.0:9000", "app:app"], {}, ("hypercorn", 9000, "5s (hypercorn's default idle timeout 5s)")),
    (["hypercorn", "--keep-alive", "75", "app:app"], {}, ("hypercorn", 8000, "75s (--keep-alive 75)")),
    (["hypercorn", "--keep-alive", "${KA}", "app:app"], {}, ("hypercorn", 8000, "unknown (--keep-alive ${KA}: not a number nglint can read)")),
])
def test_command_line_servers(tmp_path, argv, env, expected):
    (backend,) = _backends(tmp_path, argv, env)
    assert (backend.kind, backend.port, backend.idle_policy.describe()) == expected


def test_processes_from_other_orchestrators_with_odd_values(tmp_path):
    """A Kubernetes container may carry env values filled at run time (None), numbers, or
    ports as strings: every server reader sees strings and answers, never crashes."""
    where = Location(str(tmp_path / "deploy.yaml"), 3)
    for argv in (["gunicorn", "-k", "gthread", "app"], ["uvicorn", "m:app"], ["node", "s.js"], ["puma"],
                 ["java", "-jar", "a.jar"], ["hypercorn", "a:b"], ["waitress-serve", "a:b"]):
        process = Process("c", where, "img:1", argv, where,
                          {"GUNICORN_CMD_ARGS": None, "PORT": 8080, "JAVA_OPTS": None, "PUMA_PERSISTENT_TIMEOUT": None,
                           "UVICORN_TIMEOUT_KEEP_ALIVE": None},
                          {}, {"/srv/pom.xml": str(tmp_path / "missing.xml")}, ["80", 8000], str(tmp_path))
        from nglint.sources import readers
        from nglint.sources.process import _normalised

        # each reader directly (backends_for's guard would hide a failure)
        answers = [r.from_process(_normalised(process, [str(tmp_path)], 10**6), [str(tmp_path)], 10**6) for r in readers() if hasattr(r, "from_process")]
        found = next((a for a in answers if a is not None), [])
        assert bool(found) == (argv[0] != "java"), (argv, found)
        assert backends_for(process, [str(tmp_path)], 10**6) == found


def test_start_script_that_execs_the_server(tmp_path):
    script = ("#!/bin/sh\nset -e\n# migrate first\npython manage.py migrate --noinput\n"
              "if [ -n \"$DEBUG\" ]; then\n  echo debug\nfi\nexec gunicorn -k gthread --keep-alive 4 \"$@\"\n")
    (backend,) = _backends(tmp_path, ["./docker-entrypoint.sh", "-b", "0.0.0.0:8001", "app:app"], files={"start.sh": script, "docker-entrypoint.sh": script})
    assert (backend.kind, backend.port, backend.idle_policy.timeout_ms) == ("gunicorn", 8001, 4000)
    (backend,) = _backends(tmp_path, ["/app/start.sh"], files={"start.sh": script})
    assert backend.idle_policy.timeout_ms == 4000


def test_start_script_outside_the_tree_is_never_read(tmp_path):
    outside = tmp_path / "outside.sh"
    outside.write_text("exec gunicorn -k gthread --keep-alive 9 app\n")
    where = Location(str(tmp_path / "tree" / "c.yml"), 1)
    (tmp_path / "tree").mkdir()
    process = Process("app", where, None, ["/start.sh"], where, files={"/start.sh": str(outside)})
    assert backends_for(process, [str(tmp_path / "tree")], 10**6) == []
