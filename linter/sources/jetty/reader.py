"""The Jetty reader: `jetty.http.idleTimeout` and `jetty.http.port` in a jetty base's
start.ini and start.d/*.ini (later files win, as Jetty reads them), or a `jetty` image's
defaults. A value in ${...} form is unknown."""

from __future__ import annotations

import os
import re

from nglint.sources import LINE_COMMENT
from nglint.sources.base import FileReader

_KEY = re.compile(r"^\s*(jetty\.http\.(?:idleTimeout|port))\s*=\s*(\S*)\s*$")


class Jetty(FileReader):
    kind = "jetty"
    defaults_module = "nglint.sources.jetty.defaults"
    comment = LINE_COMMENT
    comment_prefix = "#"

    def claims(self, path: str) -> bool:
        name = os.path.basename(path)
        return name == "start.ini" or (name.endswith(".ini") and os.path.basename(os.path.dirname(path)) == "start.d")

    def parse(self, path: str, tree_roots: list[str], max_file_size: int):
        """One backend per jetty base: reported from start.ini, or the first start.d file."""
        from nglint.backends import BackendFile
        from nglint.sources.servers import standalone_allowed

        result = BackendFile(path)
        base = os.path.dirname(os.path.abspath(path))
        if os.path.basename(base) == "start.d":
            base = os.path.dirname(base)
            if os.path.isfile(os.path.join(base, "start.ini")):
                return result
            ini_files = sorted(_listdir(os.path.join(base, "start.d")))
            if ini_files and ini_files[0] != os.path.basename(path):
                return result
        if not standalone_allowed(path, base, tree_roots):
            return result
        files = [os.path.join(base, "start.ini")] + [os.path.join(base, "start.d", n) for n in sorted(_listdir(os.path.join(base, "start.d")))]
        result.backends.append(self._backend(files, None, tree_roots, max_file_size, result.problems, path))
        return result

    def from_process(self, process, tree_roots: list[str], max_file_size: int):
        from nglint.sources.process import image_name

        name, _tag = image_name(process.image)
        if name not in ("jetty", "bitnami/jetty"):
            return None
        files = sorted((inside, local) for inside, local in process.files.items()
                       if inside.endswith("/start.ini") or ("/start.d/" in inside and inside.endswith(".ini")))
        files.sort(key=lambda item: (not item[0].endswith("/start.ini"), item[0]))
        return [self._backend([local for _, local in files], process, tree_roots, max_file_size, [], process.location.path)]

    def _backend(self, files, process, tree_roots, max_file_size, problems, path):
        from nglint.boundary import exists
        from nglint.findings import Location
        from nglint.sources.files import read_text
        from nglint.sources.servers import server_backend
        from nglint.tiers.model import Provenance

        default = self.defaults.get("jetty.http.idleTimeout")
        timeout, provenance = default.value, Provenance.from_default(default, "Jetty's default jetty.http.idleTimeout 30000")
        port = self.defaults.get("jetty.http.port").value
        for local in files:
            if not exists(local):
                continue  # start.ini is optional; anything else by that name (a FIFO) is refused by read_text
            text = read_text(local, tree_roots, max_file_size, problems)
            for number, line in enumerate((text or "").splitlines(), 1):
                match = _KEY.match(line)
                if not match:
                    continue
                key, value = match.groups()
                if key.endswith("port"):
                    port = int(value) if value.isdigit() else None
                elif value.isdigit():
                    timeout, provenance = int(value), Provenance.from_file(local, number, key, f"{key}={value}")
                else:
                    timeout, provenance = None, Provenance.unknown(f"{key}={value} cannot be read ({os.path.basename(local)}:{number})")
        label = f"Jetty in {process.name}" if process else "Jetty"
        where = provenance.location or (process.location if process else Location(path, 1))
        return server_backend("jetty", label, port, timeout, provenance, where, process, anchor=provenance.key)


def _listdir(directory: str) -> list[str]:
    try:
        return [n for n in os.listdir(directory) if n.endswith(".ini")]
    except OSError:
        return []
