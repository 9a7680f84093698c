"""Link an upstream `server unix:/path/app.sock` to the server bound to that socket.

A socket path is strong evidence (Puma's `bind "unix://..."` and nginx's `server unix:`
share the file through a volume), but only inside one deployment unit, and there only for
the server nearest the nginx file (nglint.tiers.linkers.nearest): stacks side by side use
the same conventional path (Heroku's `/tmp/nginx.socket`).
"""

from __future__ import annotations

import posixpath

from nglint.tiers.linkers import Resolution
from nglint.tiers.linkers.nearest import StackIndex, nearest_resolution


def socket_path(address: str) -> str | None:
    if not address.startswith("unix:"):
        return None
    return posixpath.normpath("/" + address[len("unix:"):].lstrip("/"))


class UnixSocket:
    name = "unix socket"
    priority = 60

    def prepare(self, backends, project) -> None:
        self._units = project.units
        self._by_socket: dict[tuple[str, str], list] = {}
        for backend in backends:
            socket = (backend.attributes or {}).get("socket")
            if socket:
                unit = backend.unit or self._units.unit_of(backend.location.path)
                self._by_socket.setdefault((unit, socket), []).append(backend)
        self._nginx_files = project.parsed_nginx.keys()
        self._stacks: StackIndex | None = None  # built on first need: sockets rarely collide

    def resolve(self, upstream, server) -> Resolution | None:
        path = socket_path(server.host or "")
        if path is None:
            return None
        candidates = self._by_socket.get((self._units.unit_of(server.directive.path), path))
        if not candidates:
            return None
        if any(b.host for b in candidates):
            # The process that runs the server (a Procfile line, a compose service) and its
            # config file read on its own describe one server: keep the process, which
            # knows its name and environment.
            candidates = [b for b in candidates if b.host]
        if len({b.location.path for b in candidates}) == 1:
            return Resolution(f"unix socket {path}", backends=list(candidates))
        if self._stacks is None:
            self._stacks = StackIndex(self._nginx_files)
        return nearest_resolution(f"unix socket {path}", server.directive.path, candidates, self._stacks)
