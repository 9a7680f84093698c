"""nginx as a backend (nginx -> nginx): a container serving a frontend or a second proxy.

Its idle timeout towards the proxy in front is its client-side `keepalive_timeout` (server
level, else http level), for each port it listens on. The config comes from the files the
container is given under /etc/nginx; without its own nginx.conf the image's applies (the
nginx.org package's nginx.conf sets `keepalive_timeout 65`); with no config at all, the
image's default server on port 80. `keepalive_timeout 0` disables keep-alive.
"""

from __future__ import annotations


from nglint.sources import LINE_COMMENT
from nglint.sources.servers import ProcessOnlyReader


class NginxBackend(ProcessOnlyReader):
    # nginx files are found and read by nglint's own nginx loader
    kind = "nginx-backend"
    comment = LINE_COMMENT
    comment_prefix = "#"
    defaults_module = "nglint.sources.nginx.defaults"

    def from_process(self, process, tree_roots: list[str], max_file_size: int):
        from nglint.sources.nginx.served import is_nginx_process
        from nglint.sources.servers import server_backend
        from nglint.tiers.model import Provenance

        if not is_nginx_process(process):
            return None
        configs = sorted((inside, local) for inside, local in process.files.items()
                         if inside.startswith("/etc/nginx/") and inside.endswith(".conf"))
        own_main = any(inside == "/etc/nginx/nginx.conf" for inside, _ in configs)
        image_default = self.defaults.get("image.keepalive_timeout")
        if own_main:
            base = self.defaults.get("keepalive_timeout")
            http_level = (base.value, Provenance.from_default(base, "nginx's default keepalive_timeout 75s"))
        else:
            http_level = (image_default.value, Provenance.from_default(image_default, "keepalive_timeout 65 in the image's nginx.conf"))
        servers: list[tuple[list[int], tuple | None]] = []
        for inside, local in configs:
            if not _inside_tree(local, tree_roots):
                continue
            http_value, found = _read(local, max_file_size)
            if http_value is not None:
                http_level = http_value
            servers.extend(found)
        if not servers and not configs:
            servers = [([80], None)]
        backends = []
        for ports, own in servers:
            timeout, provenance = own if own is not None else http_level
            for port in ports:
                backends.append(server_backend("nginx", f"nginx in {process.name}", port, timeout, provenance,
                                               provenance.location or process.location, process,
                                               keepalive=timeout != 0, anchor="keepalive_timeout"))
        return backends


def _inside_tree(path, tree_roots) -> bool:
    from nglint.sources.files import inside_tree

    return inside_tree(path, tree_roots)


def _read(path: str, max_file_size: int):
    """(http-level (ms, provenance) or None, [(listen ports, server-level (ms, provenance) or None)])."""
    from nglint.sources.nginx.parse import parse_nginx_file

    parsed = parse_nginx_file(path, max_file_size)
    if parsed.error:
        return None, []
    top = parsed.statements
    http_blocks = [s.get("block") or [] for s in top if s.get("directive") == "http"]
    # A conf.d fragment has no http block: its statements sit at http level already.
    levels = http_blocks if http_blocks else [top]
    http_value = None
    servers = []
    for statements in levels:
        for statement in statements:
            name = statement.get("directive")
            if name == "keepalive_timeout":
                http_value = _timeout(path, statement)
            elif name == "server":
                block = statement.get("block") or []
                ports = [p for p in (_port(c["args"][0]) for c in block if c.get("directive") == "listen" and c.get("args"))
                         if p is not None]
                own = next((_timeout(path, c) for c in block if c.get("directive") == "keepalive_timeout"), None)
                servers.append((ports or [80], own))
    return http_value, servers


def _timeout(path: str, statement):
    from nglint.tiers.model import Provenance
    from nglint.units import UnitError, parse_nginx_time

    value = (statement.get("args") or [""])[0]
    try:
        ms = parse_nginx_time(value)
    except UnitError:
        return None, Provenance.unknown(f"keepalive_timeout {value} cannot be read")
    return ms, Provenance.from_file(path, statement.get("line", 1), "keepalive_timeout", f"keepalive_timeout {value}")


def _port(listen: str) -> int | None:
    tail = listen.rsplit(":", 1)[-1] if not listen.startswith("unix:") else ""
    return int(tail) if tail.isdigit() else None
