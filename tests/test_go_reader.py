"""The Go net/http reader: http.Server literals, ListenAndServe, frameworks' Run, durations."""

from __future__ import annotations

import pytest

from conftest import write_tree
from nglint.findings import Location
from nglint.sources.process import Process, backends_for


def _backends(tmp_path, source, ports=None):
    write_tree(tmp_path, {"main.go": source, "main_test.go": "package main\nvar s = &http.Server{IdleTimeout: 1}\n"})
    where = Location(str(tmp_path / "docker-compose.yml"), 2)
    files = {"/src/main.go": str(tmp_path / "main.go"), "/src/main_test.go": str(tmp_path / "main_test.go")}
    return backends_for(Process("api", where, "alpine:3", ["/app/server"], where, files=files, ports=ports or []), [str(tmp_path)], 10**6)


@pytest.mark.parametrize("literal, expected", [
    ('Addr: ":8080", IdleTimeout: 120 * time.Second, ReadTimeout: 5 * time.Second', (8080, "120s (IdleTimeout: 120 * time.Second)")),
    ('Addr: ":8080", ReadTimeout: 10 * time.Second', (8080, "10s (ReadTimeout: 10 * time.Second (IdleTimeout unset))")),
    ('Addr: ":8081", IdleTimeout: 2*time.Minute + 30*time.Second', (8081, "150s (IdleTimeout: 2*time.Minute + 30*time.Second)")),
    ('Addr: ":8080"', (8080, "never (http.Server: no IdleTimeout or ReadTimeout, never closes idle connections)")),
    ('Addr: ":8080", IdleTimeout: cfg.Idle', (8080, None)),
])
def test_server_literal(tmp_path, literal, expected):
    source = f'package main\nimport ("net/http"; "time")\nfunc main() {{\n  s := &http.Server{{{literal}}}\n  s.ListenAndServe()\n}}\n'
    (backend,) = _backends(tmp_path, source)
    port, described = expected
    assert backend.port == port
    if described is None:
        assert "is computed at run time" in backend.idle_policy.unknown_reason
    else:
        assert backend.idle_policy.describe() == described


def test_listen_and_serve_and_gin_run(tmp_path):
    (backend,) = _backends(tmp_path, 'package main\nfunc main() { http.ListenAndServe(":9000", nil) }\n')
    assert (backend.port, backend.idle_policy.infinite) == (9000, True)
    (backend,) = _backends(tmp_path, 'package main\nfunc main() { r := gin.Default(); r.Run() }\n')
    assert backend.port == 8080


def test_broken_go_never_crashes(tmp_path):
    assert _backends(tmp_path, "package main\nfunc main( {{{ http.Server{IdleTimeout: \n") is not None
