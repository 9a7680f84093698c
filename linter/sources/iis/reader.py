"""The IIS reader: sites of an applicationHost.config, each http/https binding a backend
whose idle timeout is the site's `<limits connectionTimeout>`, else siteDefaults', else
IIS's 2 minutes. IIS (HTTP.sys) resets an idle connection when that timer runs out, so
the backends say so (`closes_idle_with: rst`): the health-check rule makes every TCP probe
of such a backend a `recv() failed (104)` line.

`web.config` cannot set these limits (system.applicationHost is AppHostOnly); it tells
how an ASP.NET Core app runs behind IIS (`<aspNetCore hostingModel>`): out of process,
IIS forwards to Kestrel, yet nginx's connection still ends at IIS, so IIS's limits are
the ones nginx meets. A Windows IIS image (`mcr.microsoft.com/windows/servercore/iis`,
`dotnet/framework/aspnet`) runs IIS with its defaults unless the tree gives it an
applicationHost.config. XML is read with lxml, no DTD, no entities, no network.
"""

from __future__ import annotations

import os
import re

from nglint.sources import XML_COMMENT
from nglint.sources.base import FileReader

_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?$")
_IIS_IMAGES = ("windows/servercore/iis", "dotnet/framework/aspnet", "iis")


class Iis(FileReader):
    kind = "iis"
    defaults_module = "nglint.sources.iis.defaults"
    comment = XML_COMMENT
    comment_prefix = ""

    def claims(self, path: str) -> bool:
        return os.path.basename(path).lower() in ("applicationhost.config", "web.config")

    def parse(self, path: str, tree_roots: list[str], max_file_size: int):
        from nglint.backends import BackendFile

        result = BackendFile(path)
        if os.path.basename(path).lower() != "applicationhost.config":
            self._web_config(path, tree_roots, max_file_size, result)
            return result  # no site, no binding: nothing to link
        # Bindings name their ports: like a server.xml's Connectors, sites link by them on their own.
        result.backends.extend(self.read_sites(path, None, tree_roots, max_file_size, result.problems))
        return result

    def from_process(self, process, tree_roots: list[str], max_file_size: int):
        from nglint.sources.process import image_name
        from nglint.sources.servers import server_backend
        from nglint.tiers.model import Provenance

        name, _tag = image_name(process.image)
        if not any(name == image or name.endswith("/" + image) for image in _IIS_IMAGES):
            return None
        provided = next((local for inside, local in process.files.items()
                         if inside.lower().replace("\\", "/").endswith("/inetsrv/config/applicationhost.config")), None)
        if provided is not None:
            return self.read_sites(provided, process, tree_roots, max_file_size, [])
        default = self.defaults.get("connectionTimeout")
        provenance = Provenance.from_default(default, f"IIS's default connectionTimeout 00:02:00 (image {process.image})")
        ports = process.ports or [self.defaults.get("port").value]
        hosting = self._hosting_model(process, tree_roots, max_file_size)
        return [server_backend("iis", f"IIS in {process.name}", port, default.value, provenance, process.location, process,
                               attributes=_attributes("Default Web Site", hosting)) for port in ports]

    def read_sites(self, path, process, tree_roots, max_file_size, problems) -> list:
        """One backend per http/https binding of every site."""
        from nglint.backends import BackendFile
        from nglint.findings import Location
        from nglint.sources.files import inside_tree
        from nglint.sources.servers import server_backend
        from nglint.tiers.model import Provenance
        from nglint.sources.tomcat.server_xml import read_xml

        holder = BackendFile(path)
        if not inside_tree(path, tree_roots):
            problems.append(_problem(path, 1, "not read: applicationHost.config lies outside the checked tree"))
            return []
        parsed = read_xml(path, max_file_size, holder, "applicationHost.config")
        problems.extend(holder.problems)
        if parsed is None:
            return []
        root, _lines = parsed
        sites = root.find("system.applicationHost/sites")
        if sites is None:
            return []
        default = self.defaults.get("connectionTimeout")
        fallback = (default.value, Provenance.from_default(default, "IIS's default connectionTimeout 00:02:00"))
        site_defaults = sites.find("siteDefaults/limits")
        if site_defaults is not None and site_defaults.get("connectionTimeout") is not None:
            fallback = _timeout(site_defaults, path, "siteDefaults")
        label_owner = f" in {process.name}" if process is not None else f" ({os.path.basename(path)})"
        backends = []
        for site in sites.findall("site"):
            name = site.get("name") or site.get("id") or "site"
            limits = site.find("limits")
            timeout_ms, provenance = _timeout(limits, path, f"site {name!r}") \
                if limits is not None and limits.get("connectionTimeout") is not None else fallback
            for binding in site.findall("bindings/binding"):
                protocol = (binding.get("protocol") or "").lower()
                if protocol not in ("http", "https"):
                    continue
                port = _binding_port(binding.get("bindingInformation") or "")
                where = Location(path, binding.sourceline or 1)
                backends.append(server_backend("iis", f"IIS site {name!r}{label_owner}", port, timeout_ms, provenance,
                                               provenance.location or where, process, anchor=provenance.key,
                                               attributes=_attributes(name, None)))
        return backends

    def _web_config(self, path, tree_roots, max_file_size, result) -> str | None:
        """The aspNetCore hosting model a web.config declares (checked for safety and
        well-formedness like any XML nglint reads), or None."""
        from nglint.sources.tomcat.server_xml import read_xml

        parsed = read_xml(path, max_file_size, result, "web.config")
        if parsed is None:
            return None
        element = parsed[0].find("system.webServer/aspNetCore")
        if element is None:
            element = parsed[0].find(".//aspNetCore")
        if element is None:
            return None
        return (element.get("hostingModel") or "inprocess").lower()

    def _hosting_model(self, process, tree_roots, max_file_size) -> str | None:
        from nglint.backends import BackendFile

        local = next((local for inside, local in process.files.items() if inside.lower().endswith("/web.config")), None)
        return self._web_config(local, tree_roots, max_file_size, BackendFile(local)) if local else None


def _attributes(site: str, hosting: str | None) -> dict:
    attributes = {"site": site, "closes_idle_with": "rst"}
    if hosting:
        attributes["aspnetcore_hosting"] = hosting
        if hosting == "outofprocess":
            attributes["forwards_to"] = "kestrel"
    return attributes


def _timeout(limits, path: str, owner: str):
    from nglint.tiers.model import Provenance

    text = limits.get("connectionTimeout") or ""
    ms = timespan_ms(text)
    line = limits.sourceline or 1
    if ms is None:
        return None, Provenance.unknown(f"connectionTimeout=\"{text}\" of {owner} is not a timespan nglint can read")
    return ms, Provenance.from_file(path, line, "connectionTimeout", f"connectionTimeout=\"{text}\" ({owner} limits)")


def timespan_ms(text: str) -> int | None:
    """Milliseconds of a .NET TimeSpan as IIS writes it: `00:02:00`, `1.00:00:00`, `00:00:30.5`."""
    match = _TIMESPAN.match(text.strip())
    if not match:
        return None
    days, hours, minutes, seconds, fraction = match.groups()
    if int(minutes) > 59 or int(seconds) > 59:
        return None
    total = ((int(days or 0) * 24 + int(hours)) * 60 + int(minutes)) * 60 + int(seconds)
    return total * 1000 + (int((fraction or "0").ljust(7, "0")[:3]) if fraction else 0)


def _binding_port(information: str) -> int | None:
    """The port of `*:8080:` or `10.0.0.5:443:shop.example.com`; None when unreadable."""
    parts = information.split(":")
    if len(parts) >= 2 and parts[-2].isdigit():
        return int(parts[-2])
    return None


def _problem(path: str, line: int, message: str):
    from nglint.problems import Problem
    from nglint.diagnostics import BACKEND_PARSE_ERROR

    return Problem(BACKEND_PARSE_ERROR, path, line, message)
