"""The Kestrel reader: an ASP.NET Core process (an aspnet image, or `dotnet App.dll`) and
`Kestrel:Limits:KeepAliveTimeout` from appsettings.json, appsettings.{Environment}.json and
the environment (`Kestrel__Limits__KeepAliveTimeout`), later sources winning as in
ASP.NET Core's configuration. A value set in C# code is not read: the message says so.
"""

from __future__ import annotations

import posixpath
import re

from nglint.sources import LINE_COMMENT
from nglint.sources.servers import ProcessOnlyReader

_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.\d+)?$")


class Kestrel(ProcessOnlyReader):
    kind = "kestrel"
    comment = LINE_COMMENT
    comment_prefix = "//"
    defaults_module = "nglint.sources.kestrel.defaults"

    def from_process(self, process, tree_roots: list[str], max_file_size: int):
        from nglint.sources.process import image_name
        from nglint.sources.servers import server_backend
        from nglint.tiers.model import Provenance

        name, tag = image_name(process.image)
        argv = process.argv or []
        runs_dotnet = any(posixpath.basename(w) == "dotnet" for w in argv) and any(w.endswith(".dll") for w in argv)
        if not (name.startswith("dotnet/aspnet") or runs_dotnet):
            return None
        version = _major(tag) if name.startswith("dotnet/") else None
        default = self.defaults.get("KeepAliveTimeout")
        timeout, provenance = default.value, Provenance.from_default(
            default, "Kestrel's default KeepAliveTimeout 130s (a value set in C# code is not read)")
        environment = process.env.get("ASPNETCORE_ENVIRONMENT") or process.env.get("DOTNET_ENVIRONMENT") or "Production"
        for file_name in ("appsettings.json", f"appsettings.{environment}.json"):
            found = self._from_json(process, file_name, tree_roots, max_file_size)
            if found is not None:
                timeout, provenance = found
        for key in ("Kestrel__Limits__KeepAliveTimeout", "KESTREL__LIMITS__KEEPALIVETIMEOUT"):
            if key in process.env:
                at = process.env_locations.get(key, process.location)
                timeout, provenance = _timespan(process.env[key], at.path, at.line, f"{key}={process.env[key]}")
        port = _urls_port(process.argv) or _port(process.env) or (self.defaults.get("port", version).value if version else
                                       (process.ports[0] if len(process.ports) == 1 else self.defaults.get("port").value))
        return [server_backend("kestrel", f"Kestrel in {process.name}", port, timeout, provenance,
                               provenance.location or process.location, process, anchor=provenance.key)]

    def _from_json(self, process, file_name, tree_roots, max_file_size):
        import json

        from nglint.sources.files import read_text

        candidates = sorted((inside for inside in process.files if posixpath.basename(inside) == file_name),
                            key=lambda inside: inside.count("/"))
        if not candidates:
            return None
        local = process.files[candidates[0]]
        text = read_text(local, tree_roots, max_file_size, [])
        try:
            data = json.loads(_strip_comments(text)) if text else None
        except (ValueError, RecursionError):
            return None
        value = None
        if isinstance(data, dict):
            limits = (data.get("Kestrel") or {}).get("Limits") if isinstance(data.get("Kestrel"), dict) else None
            value = limits.get("KeepAliveTimeout") if isinstance(limits, dict) else None
        if not isinstance(value, str):
            return None
        line = next((n for n, row in enumerate(text.splitlines(), 1) if '"KeepAliveTimeout"' in row), 1)
        return _timespan(value, local, line, f"Kestrel:Limits:KeepAliveTimeout {value} ({file_name})")


def _strip_comments(text: str) -> str:
    """appsettings.json allows // comments; drop whole-line ones (values never hold them)."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))


def _timespan(value: str, path: str, line: int, detail: str):
    from nglint.tiers.model import Provenance

    match = _TIMESPAN.match(value.strip())
    if not match:
        return None, Provenance.unknown(f"{detail}: not a TimeSpan nglint can read")
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return ((days * 24 + hours) * 3600 + minutes * 60 + seconds) * 1000, Provenance.from_file(path, line, "KeepAliveTimeout", detail)


def _major(tag: str | None) -> tuple[int, ...] | None:
    match = re.match(r"^(\d+)", tag or "")
    return (int(match.group(1)),) if match else None


def _urls_port(argv) -> int | None:
    """The port of `dotnet app.dll --urls http://*:8151` (the command line beats the environment)."""
    from nglint.sources.argv import option

    if not argv:
        return None
    value, _ = option(list(argv), ("--urls",))
    match = re.search(r":(\d+)(?:[;,/]|$)", value or "")
    return int(match.group(1)) if match else None


def _port(env: dict) -> int | None:
    for key in ("ASPNETCORE_HTTP_PORTS", "ASPNETCORE_URLS", "ASPNETCORE_PORT"):
        value = env.get(key, "")
        match = re.search(r"(?:^|:)(\d+)(?:[;,/]|$)", value)
        if match:
            return int(match.group(1))
    return None
