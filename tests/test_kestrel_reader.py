"""The Kestrel reader: appsettings.json per environment, environment variables, image ports."""

from __future__ import annotations

from conftest import write_tree
from nglint.findings import Location
from nglint.sources.process import Process, backends_for

SETTINGS = '{\n  // comment\n  "Kestrel": {\n    "Limits": {\n      "KeepAliveTimeout": "00:00:45"\n    }\n  }\n}\n'


def _backend(tmp_path, image, argv=None, env=None, files=None):
    write_tree(tmp_path, files or {})
    where = Location(str(tmp_path / "docker-compose.yml"), 2)
    process = Process("api", where, image, argv, where, env or {}, {}, {f"/app/{k}": str(tmp_path / k) for k in (files or {})}, [], str(tmp_path))
    (backend,) = backends_for(process, [str(tmp_path)], 10**6)
    return backend


def test_defaults_by_image(tmp_path):
    backend = _backend(tmp_path, "mcr.microsoft.com/dotnet/aspnet:8.0")
    assert (backend.port, backend.idle_policy.timeout_ms) == (8080, 130000)
    assert "a value set in C# code is not read" in backend.idle_policy.provenance.detail
    assert _backend(tmp_path, "mcr.microsoft.com/dotnet/aspnet:6.0").port == 80


def test_appsettings_environment_and_env_var(tmp_path):
    files = {"appsettings.json": SETTINGS, "appsettings.Staging.json": SETTINGS.replace("00:00:45", "00:00:20")}
    backend = _backend(tmp_path, "mcr.microsoft.com/dotnet/aspnet:8.0", files=files)
    assert (backend.idle_policy.timeout_ms, backend.location.line) == (45000, 5)
    staged = _backend(tmp_path, "mcr.microsoft.com/dotnet/aspnet:8.0", env={"ASPNETCORE_ENVIRONMENT": "Staging"}, files=files)
    assert staged.idle_policy.timeout_ms == 20000
    env = _backend(tmp_path, "x", argv=["dotnet", "Api.dll"], env={"Kestrel__Limits__KeepAliveTimeout": "1.00:00:00",
                                                                   "ASPNETCORE_URLS": "http://+:5000"}, files=files)
    assert (env.idle_policy.timeout_ms, env.port) == (86_400_000, 5000)
    bad = _backend(tmp_path, "x", argv=["dotnet", "Api.dll"], env={"Kestrel__Limits__KeepAliveTimeout": "2 minutes"})
    assert "not a TimeSpan" in bad.idle_policy.unknown_reason
