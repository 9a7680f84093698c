"""The uWSGI reader: uwsgi.ini (YAML, JSON) on its own, or a process that runs `uwsgi`.

What a listener means for nginx's pool depends on how it speaks (see defaults.py):
`--http` (the HTTP router) closes after each response unless `--http-keepalive` is set,
so nginx never reuses its connections and there is no race; with it the idle timer is
`--http-keepalive N` seconds, or the router's `--http-timeout` (60s) when given without a
number. An `--http11-socket` keeps connections for `--socket-timeout` (4s). A plain
`--http-socket` and the uwsgi protocol (`--socket`, `uwsgi_pass`) carry one request per
connection. `--so-keepalive` turns on TCP keep-alive probes, which do not change when
uWSGI closes an idle HTTP connection; it is kept as an attribute.
"""

from __future__ import annotations

import os
import posixpath
import re

from nglint.sources import LINE_COMMENT
from nglint.sources.base import FileReader

_ROUTERS = ("http", "https")
_HTTP_SOCKETS = ("http-socket", "https-socket")
_HTTP11 = ("http11-socket",)
_UWSGI_SOCKETS = ("socket", "uwsgi-socket", "suwsgi-socket", "ssl-socket")
_INI_SECTION = re.compile(rb"^[ \t]*\[uwsgi\][ \t]*\r?$", re.MULTILINE)


class Uwsgi(FileReader):
    kind = "uwsgi"
    defaults_module = "nglint.sources.uwsgi.defaults"
    comment = LINE_COMMENT
    comment_prefix = "#"

    def claims(self, path: str) -> bool:
        from nglint.sources.uwsgi.options import config_name

        if config_name(path):
            return True
        if not path.lower().endswith(".ini"):
            return False
        from nglint.boundary import sniff

        head = sniff(path, 4096)
        return bool(head and _INI_SECTION.search(head))

    def parse(self, path: str, tree_roots: list[str], max_file_size: int):
        from nglint.backends import BackendFile
        from nglint.findings import Location
        from nglint.sources.servers import standalone_allowed
        from nglint.sources.uwsgi.options import read_config

        result = BackendFile(path)
        if not standalone_allowed(path, os.path.dirname(os.path.abspath(path)), tree_roots):
            return result
        options = read_config(path, "uwsgi", {}, tree_roots, max_file_size, result.problems)
        result.backends.extend(self.backends(options, f"uWSGI ({os.path.basename(path)})", None, Location(path, 1)))
        return result

    def from_process(self, process, tree_roots: list[str], max_file_size: int):
        from nglint.sources.argv import program_args
        from nglint.sources.uwsgi.options import command_options, env_options

        args = program_args(process.argv, {"uwsgi", "uwsgi-core", "uwsgi_python3", "uwsgi_python"}, {"uwsgi"})
        if args is None:
            return None
        where = process.argv_location or process.location
        options = []
        for option in env_options(process.env, process.env_locations, process.location):
            if option.key in ("ini", "yaml", "json"):
                options.extend(command_options([f"--{option.key}={option.value}"], option.location, process.env, process,
                                               tree_roots, max_file_size, []))
            else:
                options.append(option)
        options.extend(command_options(args, where, process.env, process, tree_roots, max_file_size, []))
        return self.backends(options, f"uWSGI in {process.name}", process, where)

    def backends(self, options, label: str, process, where) -> list:
        """One Backend per listener the options declare."""
        from nglint.sources.servers import port_of_bind, server_backend
        from nglint.tiers.model import Provenance

        last = {}
        for option in options:
            last[option.key] = option
        protocol = (last.get("protocol") or last.get("socket-protocol"))
        headers = [o.value for o in options if o.key == "add-header"]
        so_keepalive = "so-keepalive" in last and last["so-keepalive"].value.lower() not in ("false", "0", "no", "off")
        found = []
        for option in options:
            kind = option.key
            if kind in _UWSGI_SOCKETS and protocol is not None and protocol.value.lower() in ("http", "http11"):
                kind = "http-socket" if protocol.value.lower() == "http" else "http11-socket"
            if kind not in _ROUTERS + _HTTP_SOCKETS + _HTTP11 + _UWSGI_SOCKETS:
                continue
            address = option.value.split(",", 1)[0].strip()
            if address in ("true", ""):
                continue
            attributes = {"listener": kind, "so_keepalive": so_keepalive}
            socket = _socket_path(address)
            if socket:
                attributes["socket"] = socket
            if any("keep-alive" in h.lower() and h.lower().startswith("connection") for h in headers):
                attributes["connection_header"] = "Keep-Alive"
            port = None if socket else port_of_bind(address)
            at = option.location
            where_label = f"{label}, {kind} {address}"
            if kind in _ROUTERS:
                timeout, provenance, keepalive = self._router_policy(last)
            elif kind in _HTTP11:
                timeout, provenance = self._seconds(last, "socket-timeout", "an http11-socket waits for the next request")
                keepalive = True
            elif kind in _HTTP_SOCKETS:
                note = " (its Connection: Keep-Alive header does not keep it open)" if "connection_header" in attributes else ""
                timeout, keepalive = None, False
                written = option.key if option.key == kind else f"{option.key} {address} (protocol={protocol.value})"
                written = f"{kind} {address}" if option.key == kind else written
                provenance = Provenance.from_file(at.path, at.line, option.key, f"{written}: one request per connection{note}")
            else:
                timeout, keepalive = None, False
                provenance = Provenance.from_file(at.path, at.line, kind, f"{kind} {address}: the uwsgi protocol, one request per connection")
            backend = server_backend("uwsgi", where_label, port, timeout, provenance, provenance.location or at, process,
                                     keepalive=keepalive, anchor=provenance.key, attributes=attributes)
            if kind in _UWSGI_SOCKETS:
                from nglint.records import replace

                backend = replace(backend, protocol="uwsgi")
            found.append(backend)
        return found

    def _router_policy(self, last: dict):
        """The HTTP router's idle policy: (timeout ms, provenance, keeps alive)."""
        from nglint.tiers.model import Provenance

        option = last.get("http-keepalive")
        if option is None:
            default = self.defaults.get("http-keepalive")
            return None, Provenance.from_default(default, "uWSGI's HTTP router closes after each response (http-keepalive is off by default)"), False
        at = option.location
        seconds = _atoi(option.value)
        if seconds is None:
            return None, Provenance.unknown(f"http-keepalive {option.value} is not a number nglint can read"), True
        if seconds == 0:
            shown = option.value.strip() or "(no value)"
            why = "0" if shown.isdigit() else f"{shown}, which uWSGI reads as the number 0"
            return None, Provenance.from_file(at.path, at.line, "http-keepalive",
                                              f"http-keepalive {why}: closes after each response"), False
        if seconds == 1:
            timeout, provenance = self._seconds(last, "http-timeout", "the idle timer of http-keepalive without a number")
            return timeout, provenance, True
        return seconds * 1000, Provenance.from_file(at.path, at.line, "http-keepalive", f"http-keepalive {seconds}"), True

    def _seconds(self, last: dict, key: str, why: str):
        from nglint.tiers.model import Provenance

        option = last.get(key)
        if option is None:
            default = self.defaults.get(key)
            return default.value, Provenance.from_default(default, f"uWSGI's default {key} {default.value // 1000}s ({why})")
        value = option.value.strip()
        if not value.isdigit():
            return None, Provenance.unknown(f"{key} {value} is not a number nglint can read")
        at = option.location
        return int(value) * 1000, Provenance.from_file(at.path, at.line, key, f"{key} {value}")


def _atoi(text: str) -> int | None:
    """An int option as uWSGI reads it (C atoi: leading digits, else 0); None for a
    placeholder nglint could not fill or a negative number (uWSGI refuses to start)."""
    if "$(" in text or "${" in text or "%(" in text:
        return None
    match = re.match(r"\s*([+-]?\d+)", text)
    if match is None:
        return 0
    value = int(match.group(1))
    return value if value >= 0 else None


def _socket_path(address: str) -> str | None:
    """The file of a unix socket address (`/run/app.sock`, `unix:/run/app.sock`), else None."""
    if address.startswith("unix:"):
        address = address[5:]
    if address.startswith("/") or address.startswith("./") or address.endswith(".sock"):
        return posixpath.normpath("/" + address.lstrip("./")) if not address.startswith("/") else posixpath.normpath(address)
    return None
