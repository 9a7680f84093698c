"""The Apache httpd reader: KeepAlive, KeepAliveTimeout and Listen in httpd.conf or
apache2.conf and the files it includes (Include/IncludeOptional, globs, bounded, inside
the checked tree). Server-level values apply to every Listen port; a VirtualHost's own
KeepAliveTimeout applies to its port. A container of the httpd image (or php:*-apache)
without a configuration in the tree runs the compiled defaults.
"""

from __future__ import annotations

import os
import re

from nglint.sources import LINE_COMMENT
from nglint.sources.base import FileReader

_NAMES = ("httpd.conf", "apache2.conf")
_DIRECTIVE = re.compile(r"^\s*(</?)?\s*([A-Za-z]+)\b\s*(.*?)\s*>?\s*$")
MAX_INCLUDED = 200


class ApacheHttpd(FileReader):
    kind = "apache"
    defaults_module = "nglint.sources.apache.defaults"
    comment = LINE_COMMENT
    comment_prefix = "#"

    def claims(self, path: str) -> bool:
        return os.path.basename(path) in _NAMES

    def parse(self, path: str, tree_roots: list[str], max_file_size: int):
        from nglint.backends import BackendFile
        from nglint.sources.servers import standalone_allowed

        result = BackendFile(path)
        here = os.path.dirname(os.path.abspath(path))
        if not (standalone_allowed(path, here, tree_roots) or standalone_allowed(path, os.path.dirname(here), tree_roots)):
            return result
        result.backends.extend(self._read(path, None, tree_roots, max_file_size, result.problems))
        return result

    def from_process(self, process, tree_roots: list[str], max_file_size: int):
        from nglint.sources.process import image_name
        from nglint.sources.servers import server_backend
        from nglint.tiers.model import Provenance

        name, tag = image_name(process.image)
        apache_image = name in ("httpd", "bitnami/apache") or (name == "php" and "apache" in (tag or ""))
        runs_apache = any(word in ("httpd", "apache2ctl", "apachectl", "httpd-foreground", "apache2-foreground")
                          for word in (os.path.basename(w) for w in (process.argv or [])))
        if not (apache_image or runs_apache):
            return None
        provided = next((local for inside, local in process.files.items()
                         if inside.endswith(("/conf/httpd.conf", "/apache2/apache2.conf"))), None)
        if provided is not None:
            return self._read(provided, process, tree_roots, max_file_size, [])
        default = self.defaults.get("KeepAliveTimeout")
        provenance = Provenance.from_default(default, f"Apache's default KeepAliveTimeout 5 (image {process.image})")
        ports = process.ports or [self.defaults.get("Listen").value]
        return [server_backend("apache", f"Apache httpd in {process.name}", port, default.value, provenance,
                               process.location, process) for port in ports]

    def _read(self, path, process, tree_roots, max_file_size, problems) -> list:
        from nglint.findings import Location
        from nglint.sources.servers import server_backend
        from nglint.tiers.model import Provenance

        state = {"keepalive": None, "timeout": None, "listen": [], "vhosts": []}
        self._walk(path, os.path.dirname(os.path.abspath(path)), tree_roots, max_file_size, problems, state, set(), None)
        default = self.defaults.get("KeepAliveTimeout")
        timeout_ms, provenance = default.value, Provenance.from_default(default, "Apache's default KeepAliveTimeout 5")
        keepalive = True
        if state["timeout"] is not None:
            timeout_ms, provenance = state["timeout"]
        if state["keepalive"] is not None:
            keepalive, where = state["keepalive"]
            if not keepalive:
                provenance = Provenance.from_file(where[0], where[1], "KeepAlive", "KeepAlive Off")
        ports = state["listen"] or [self.defaults.get("Listen").value]
        label = f"Apache httpd in {process.name}" if process else f"Apache httpd ({os.path.basename(path)})"
        location = provenance.location or Location(path, 1)
        backends = []
        for port in dict.fromkeys(ports):
            own = next((v for v in state["vhosts"] if v[0] == port and v[1] is not None), None)
            ms, prov = (own[1], own[2]) if own else (timeout_ms, provenance)
            backends.append(server_backend("apache", label, port, ms, prov, prov.location or location, process,
                                           keepalive=keepalive, anchor=prov.key))
        return backends

    def _walk(self, path, server_root, tree_roots, max_file_size, problems, state, seen, vhost_port) -> None:
        from nglint.sources.files import read_text
        from nglint.tiers.model import Provenance

        real = os.path.realpath(path)
        if real in seen or len(seen) >= MAX_INCLUDED:
            return
        seen.add(real)
        text = read_text(path, tree_roots, max_file_size, problems)
        if text is None:
            return
        logical = text.replace("\\\n", " ")
        for number, raw in enumerate(logical.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            match = _DIRECTIVE.match(line)
            if not match:
                continue
            closing, name, args = match.group(1) == "</", match.group(2).lower(), match.group(3).strip().strip('"')
            if name == "virtualhost":
                if closing:
                    vhost_port = None
                else:
                    port = re.search(r":(\d+)", args)
                    vhost_port = int(port.group(1)) if port else None
                continue
            if name == "keepalive" and vhost_port is None:
                state["keepalive"] = (args.lower() != "off", (path, number))
            elif name == "keepalivetimeout":
                ms = _timeout_ms(args)
                value = (ms, Provenance.from_file(path, number, "KeepAliveTimeout", f"KeepAliveTimeout {args}")) if ms is not None \
                    else (None, Provenance.unknown(f"KeepAliveTimeout {args} cannot be read ({os.path.basename(path)}:{number})"))
                if vhost_port is None:
                    state["timeout"] = value
                else:
                    state["vhosts"].append((vhost_port, value[0], value[1]))
            elif name == "listen" and vhost_port is None:
                port = re.search(r"(?:^|:)(\d+)(?:\s|$)", args)
                if port:
                    state["listen"].append(int(port.group(1)))
            elif name == "serverroot":
                server_root = args
            elif name in ("include", "includeoptional"):
                for included in _included(args, path, tree_roots, problems, number)[:MAX_INCLUDED]:
                    if os.path.isfile(included):
                        self._walk(included, server_root, tree_roots, max_file_size, problems, state, seen, vhost_port)


def _included(args: str, path: str, tree_roots: list[str], problems: list, number: int) -> list[str]:
    """The files an Include names inside the checked tree, expanded by nglint.boundary so
    that a pattern leaving the tree (`Include ../../etc/*`, a symlinked directory) lists
    nothing outside; a relative one that leaves is reported once, without outside names.
    Absolute includes name the server's own files, which are not in the tree."""
    from nglint.boundary import Boundary
    from nglint.diagnostics import REFUSED_FILE
    from nglint.problems import Problem

    tree = Boundary(tree_roots)
    here = os.path.dirname(os.path.abspath(path))
    found = tree.glob(args if os.path.isabs(args) else os.path.join(here, args))
    if not os.path.isabs(args) and not found.matches and not found.outside:
        found = tree.glob(os.path.join(here, os.path.basename(os.path.dirname(args)), os.path.basename(args)))
    if found.outside and not os.path.isabs(args):
        problems.append(Problem(REFUSED_FILE, path, number, "not read: an Include points outside the checked tree"))
    return found.matches


def _timeout_ms(text: str) -> int | None:
    match = re.fullmatch(r"(\d+)\s*(ms)?", text.strip(), re.IGNORECASE)
    if not match:
        return None
    return int(match.group(1)) if match.group(2) else int(match.group(1)) * 1000
