"""Link an upstream `server unix:/path/app.sock` to the server bound to that socket.

A socket path is strong evidence (Puma's `bind "unix://..."` and nginx's `server unix:`
share the file through a volume), but only inside one deployment unit: two stacks may use
the same conventional path. Several servers on one path in one unit are ambiguous.
"""

from __future__ import annotations

import posixpath

from nglint.tiers.linkers import Resolution
from nglint.tiers.units import UnitIndex


def socket_path(address: str) -> str | None:
    if not address.startswith("unix:"):
        return None
    return posixpath.normpath("/" + address[len("unix:"):].lstrip("/"))


class UnixSocket:
    name = "unix socket"
    priority = 60

    def prepare(self, backends, project) -> None:
        self._units = UnitIndex(project.tree_roots)
        self._by_socket: dict[tuple[str, str], list] = {}
        for backend in backends:
            socket = (backend.attributes or {}).get("socket")
            if socket:
                unit = backend.unit or self._units.unit_of(backend.location.path)
                self._by_socket.setdefault((unit, socket), []).append(backend)

    def resolve(self, upstream, server) -> Resolution | None:
        path = socket_path(server.host or "")
        if path is None:
            return None
        candidates = self._by_socket.get((self._units.unit_of(server.directive.path), path))
        if not candidates:
            return None
        if len({b.location.path for b in candidates}) == 1 or len({(b.host, b.label) for b in candidates}) == 1:
            return Resolution(f"unix socket {path}", backends=list(candidates))
        return Resolution(f"unix socket {path}", ambiguous=list(candidates))
