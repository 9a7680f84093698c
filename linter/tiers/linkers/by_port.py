"""Link an upstream `server host:PORT` to the backend listening on PORT.

The host is not compared (container names rarely appear in a server's own config), so
the port is all the evidence, and it is weak: only backends of the nginx file's own
deployment unit (nglint.tiers.units) are candidates, and among them only the nearest one
in a directory holding one stack (nglint.tiers.linkers.nearest). What the guards refuse is
reported as ambiguous, never guessed.
"""

from __future__ import annotations

from nglint.tiers.linkers import Resolution
from nglint.tiers.linkers.nearest import StackIndex, nearest_resolution


class ByPort:
    name = "port"
    priority = 100

    def prepare(self, backends, project) -> None:
        self._units = project.units
        self._by_unit_port: dict[tuple[str, int], list] = {}
        for backend in backends:
            if backend.nginx_links_to and backend.port is not None:
                # A backend that knows its unit (a compose service) keeps it: its location
                # may be a file elsewhere (the Dockerfile of a build context).
                key = (backend.unit or self._units.unit_of(backend.location.path), backend.port)
                self._by_unit_port.setdefault(key, []).append(backend)
        self._nginx_files = project.parsed_nginx.keys()
        self._stacks: StackIndex | None = None  # built on first need: most ports meet no backend
        # Units whose services are reached by name (compose projects): there a host name
        # that no service answers to is resolved by some other DNS (a Kubernetes Service,
        # another network), and a port shared with a service is no evidence.
        self._named_units = {service.process.unit for parsed in project.backend_files
                             for service in parsed.processes if getattr(service, "names", None)}

    def resolve(self, upstream, server) -> Resolution | None:
        if server.port is None:
            return None
        unit = self._units.unit_of(server.directive.path)
        if unit in self._named_units and _is_name(server.host):
            return None
        candidates = self._by_unit_port.get((unit, server.port))
        if not candidates:
            return None
        if self._stacks is None:
            self._stacks = StackIndex(self._nginx_files)
        return nearest_resolution(f"port {server.port}", server.directive.path, candidates, self._stacks)


def _is_name(host: str | None) -> bool:
    """A DNS name (`iris-svc`), not an address (`10.0.0.5`, `[::1]`) or the local host."""
    import ipaddress

    if not host or host.lower() in ("localhost", "host.docker.internal") or host.startswith("unix:"):
        return False
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return True
    return False
