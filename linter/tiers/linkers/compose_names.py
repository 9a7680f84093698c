"""Link an upstream `server app:8000` to the compose service named `app`.

A host name is strong evidence where a port is weak: clustered `tomcat1`..`tomcat3` all
listen on 8080, and only their names tell them apart. The service is looked up in the
nginx config's own compose project: the project whose nginx service mounts or copies the
config file, else the nearest compose project above the file. Service names,
`container_name`, `hostname` and network aliases all name a service. `localhost:PORT`
from an nginx on the host network (or outside compose) means a port some service
publishes. A name that is a service of the project but runs nothing nglint can read is a
link gap, never handed on to the port linker, which could pick another service.
"""

from __future__ import annotations

import os

from nglint.sources.nginx.served import nginx_services
from nglint.tiers.linkers import Resolution

_LOCAL = {"localhost", "127.0.0.1", "::1", "[::1]", "host.docker.internal"}


class ComposeNames:
    name = "compose service"
    priority = 50

    def prepare(self, backends, project) -> None:
        self._units = project.units
        self._by_name: dict[tuple[str, str], list] = {}
        self._published: dict[tuple[str, int], list] = {}
        self._services: set[tuple[str, str]] = set()
        for parsed in project.backend_files:
            for service in parsed.processes:
                if getattr(service, "names", None):
                    for name in service.names:
                        self._services.add((service.process.unit, name))
        for backend in backends:
            names = backend.attributes.get("names") if backend.attributes else None
            if not names or backend.unit is None or not backend.nginx_links_to:
                continue
            for name in names:
                self._by_name.setdefault((backend.unit, name), []).append(backend)
            for host_port, container_port in backend.attributes.get("published", {}).items():
                if container_port == backend.port:
                    self._published.setdefault((backend.unit, host_port), []).append(backend)
            if backend.attributes.get("network_mode") == "host" and backend.port is not None:
                self._published.setdefault((backend.unit, backend.port), []).append(backend)
        self._nginx = nginx_services(project)

    def _nginx_unit(self, path: str) -> tuple[str, object | None]:
        services = [s for s in self._nginx.get(os.path.abspath(path), []) if hasattr(s, "names")]
        service = services[0] if services else None
        if service is not None:
            return service.process.unit, service
        return self._units.unit_of(path), None

    def resolve(self, upstream, server) -> Resolution | None:
        host = (server.host or "").lower()
        if not host or server.port is None:
            return None
        unit, nginx = self._nginx_unit(server.directive.path)
        if host in _LOCAL:
            if nginx is not None and nginx.network_mode != "host":
                return None  # localhost inside the nginx container is the container itself
            found = self._published.get((unit, server.port))
            if not found:
                return None
            return Resolution(f"port {server.port} published by compose service {found[0].attributes['service']}", backends=list(found))
        if (unit, host) not in self._services:
            return None
        candidates = self._by_name.get((unit, host), [])
        chosen = [b for b in candidates if b.port == server.port] or [b for b in candidates if b.port is None]
        via = f"compose service {candidates[0].attributes['service'] if candidates else host}"
        return Resolution(via, backends=chosen)
