"""The Puma reader: config/puma.rb on its own, or a process running puma or `rails server`.

config/puma.rb is Ruby: it is read with tree-sitter's Ruby grammar, and only what can be
known without running it is used: literals, `ENV.fetch("X") { default }` (the process's
environment, else the default), `Integer(...)`, and the app root idiom
`File.expand_path("..", __dir__)` when the file's path inside the container is known.
The Puma version (whose default changed in 7.0) comes from Gemfile.lock; when unknown,
the smaller default (20s) is assumed and the message says so.
"""

from __future__ import annotations

import os
import posixpath
import re

from nglint.sources import LINE_COMMENT

_LOCK_VERSION = re.compile(r"^    puma \((\d+)\.(\d+)(?:\.(\d+))?", re.M)


class Puma:
    kind = "puma"
    comment = LINE_COMMENT
    comment_prefix = "#"

    def claims(self, path: str) -> bool:
        return path.replace(os.sep, "/").endswith("config/puma.rb")

    def feeds(self, path: str) -> bool:
        return os.path.basename(path) == "Gemfile.lock"

    def affected_by(self, path: str, loaded: list[str], tree_roots: list[str]) -> list[str]:
        if not self.feeds(path):
            return []
        root = os.path.dirname(os.path.abspath(path))
        return [p for p in loaded if self.claims(p) and os.path.abspath(p).startswith(root + os.sep)]

    @property
    def defaults(self):
        from nglint.sources.puma.defaults import DEFAULTS

        return DEFAULTS

    def parse(self, path: str, tree_roots: list[str], max_file_size: int):
        from nglint.backends import BackendFile
        from nglint.sources.servers import standalone_allowed

        result = BackendFile(path)
        app_root = os.path.dirname(os.path.dirname(os.path.abspath(path)))
        allowed = standalone_allowed(path, app_root, tree_roots)
        if not allowed and not (_binds_socket(path, tree_roots, max_file_size)
                                and standalone_allowed(path, app_root, tree_roots, by_socket=True)):
            return result
        lock = os.path.join(app_root, "Gemfile.lock")
        backends = self._backends(path, None, {}, {}, _version(lock, tree_roots, max_file_size),
                                  None, tree_roots, max_file_size, result.problems)
        if not allowed:
            # A socket path is evidence a default port is not: nginx's `server unix:` must
            # name the same file (and the unix-socket linker stays inside the unit).
            backends = [b for b in backends if (b.attributes or {}).get("socket")]
        result.backends.extend(backends)
        return result

    def from_process(self, process, tree_roots: list[str], max_file_size: int):
        from nglint.sources.argv import option, program_args
        from nglint.sources.servers import given_file

        args = program_args(process.argv, {"puma"})
        if args is None:
            rails = program_args(process.argv, {"rails"})
            if rails is None or not rails or rails[0] not in ("server", "s"):
                return None
            args = rails[1:]
        config, _ = option(args, ("-C", "--config"))
        inside = config if config and config.startswith("/") else None
        local = given_file(process, config) if config else given_file(process, "config/puma.rb")
        if local is not None and inside is None:
            inside = next((k for k, v in process.files.items() if v == local), None)
        lock = given_file(process, "Gemfile.lock")
        version = _version(lock, tree_roots, max_file_size) if lock else None
        port_arg, _ = option(args, ("-p", "--port"))
        problems: list = []
        if local is None:
            return self._backends(None, process, process.env, {}, version, None, tree_roots, max_file_size, problems,
                                  port_arg)
        return self._backends(local, process, process.env, process.env_locations, version, inside, tree_roots,
                              max_file_size, problems, port_arg)

    def _backends(self, path, process, env, env_locations, version, inside, tree_roots, max_file_size, problems,
                  port_arg=None):
        from nglint.findings import Location
        from nglint.sources.files import read_text
        from nglint.sources.servers import server_backend
        from nglint.tiers.model import Provenance

        facts = _Facts()
        if path is not None:
            text = read_text(path, tree_roots, max_file_size, problems)
            if text is not None:
                facts = read_puma_rb(text, env, inside)
        entry = self.defaults.get("persistent_timeout", version) if version else self.defaults.get("persistent_timeout", (6,))
        if version:
            shown = ".".join(map(str, version))
            timeout, provenance = entry.value, Provenance.from_default(entry, f"Puma {shown} default persistent_timeout {entry.value // 1000}s (Gemfile.lock)")
        else:
            timeout, provenance = entry.value, Provenance.from_default(
                entry, f"Puma default persistent_timeout {entry.value // 1000}s, the smaller default, as the Puma version is unknown")
        env_value = env.get("PUMA_PERSISTENT_TIMEOUT")
        if env_value and version and version >= (7,) and env_value.isdigit():
            at = env_locations.get("PUMA_PERSISTENT_TIMEOUT") or (process.location if process else Location(path, 1))
            timeout, provenance = int(env_value) * 1000, Provenance.from_file(at.path, at.line, "PUMA_PERSISTENT_TIMEOUT", f"PUMA_PERSISTENT_TIMEOUT={env_value}")
        if facts.timeout is not None:
            value, line, text = facts.timeout
            if isinstance(value, int):
                timeout, provenance = value * 1000, Provenance.from_file(path, line, "persistent_timeout", f"persistent_timeout {text}")
            else:
                timeout, provenance = None, Provenance.unknown(f"persistent_timeout {text} is computed at run time ({os.path.basename(path)}:{line})")
        where = provenance.location or (process.location if process else Location(path, 1))
        label = f"Puma in {process.name}" if process else f"Puma ({os.path.basename(path)})"
        ports = list(facts.ports)
        if port_arg and port_arg.isdigit():
            ports = [int(port_arg)]
        sockets = list(facts.sockets)
        if not ports and not sockets:
            ports = [self.defaults.get("port").value]
        backends = [server_backend("puma", label, port, timeout, provenance, where, process, anchor=provenance.key)
                    for port in dict.fromkeys(ports)]
        backends += [server_backend("puma", f"{label} on {socket}", None, timeout, provenance, where, process,
                                    anchor=provenance.key, attributes={"socket": socket})
                     for socket in dict.fromkeys(sockets)]
        return backends


def _binds_socket(path: str, tree_roots, max_file_size) -> bool:
    """Cheap pre-check before parsing a puma.rb that may not offer TCP backends on its own."""
    from nglint.sources.files import read_text

    text = read_text(path, tree_roots, max_file_size, [])
    return bool(text) and "unix://" in text


def _version(lock: str | None, tree_roots, max_file_size):
    from nglint.sources.files import read_text

    if not lock or not os.path.isfile(lock):
        return None
    text = read_text(lock, tree_roots, max_file_size, [])
    match = _LOCK_VERSION.search(text or "")
    return tuple(int(part) for part in match.groups() if part is not None) if match else None


class _Facts:
    def __init__(self) -> None:
        self.timeout: tuple | None = None  # (int seconds or None, line, source text)
        self.ports: list[int] = []
        self.sockets: list[str] = []


def read_puma_rb(text: str, env: dict, inside: str | None) -> _Facts:
    """persistent_timeout, port and bind calls of a puma.rb, evaluated where they are static."""
    import tree_sitter_ruby as grammar
    from tree_sitter import Language, Parser

    facts = _Facts()
    tree = Parser(Language(grammar.language())).parse(text.encode("utf-8", errors="replace"))
    scope = _Scope(env, inside)
    for node in tree.root_node.named_children:
        if node.type == "assignment":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is not None and right is not None and left.type == "identifier":
                scope.names[left.text.decode()] = right
            continue
        call = node
        if node.type in ("if_modifier", "unless_modifier"):
            continue  # conditional: its branch is unknown
        if call.type != "call" or call.child_by_field_name("receiver") is not None:
            continue
        method = call.child_by_field_name("method")
        arguments = call.child_by_field_name("arguments")
        if method is None or arguments is None or not arguments.named_children:
            continue
        name, first = method.text.decode(), arguments.named_children[0]
        value = scope.evaluate(first)
        source = " ".join(first.text.decode(errors="replace").split())[:60]
        if name == "persistent_timeout":
            facts.timeout = (value if isinstance(value, int) else None, call.start_point[0] + 1, source)
        elif name == "port" and isinstance(value, int):
            facts.ports.append(value)
        elif name == "bind" and isinstance(value, str):
            if value.startswith("unix://"):
                facts.sockets.append(posixpath.normpath("/" + value[len("unix://"):].lstrip("/")))
            else:
                match = re.search(r":(\d+)(?:\?|$)", value)
                if match:
                    facts.ports.append(int(match.group(1)))
    return facts


class _Scope:
    """Static evaluation of the few expressions puma.rb files use for ports and timeouts."""

    def __init__(self, env: dict, inside: str | None) -> None:
        self.env = env
        self.inside = inside
        self.names: dict = {}
        self.depth = 0

    def evaluate(self, node):
        self.depth += 1
        try:
            if self.depth > 20:
                return None
            return self._evaluate(node)
        finally:
            self.depth -= 1

    def _evaluate(self, node):
        kind = node.type
        if kind == "integer":
            try:
                return int(node.text.decode().replace("_", ""))
            except ValueError:
                return None
        if kind == "string":
            parts = []
            for child in node.named_children:
                if child.type == "string_content":
                    parts.append(child.text.decode(errors="replace"))
                elif child.type == "interpolation" and child.named_children:
                    value = self.evaluate(child.named_children[0])
                    if value is None:
                        return None
                    parts.append(str(value))
                else:
                    return None
            return "".join(parts)
        if kind == "identifier":
            name = node.text.decode()
            if name == "__dir__":
                return posixpath.dirname(self.inside) if self.inside else None
            target = self.names.get(name)
            return self.evaluate(target) if target is not None else None
        if kind == "block_body" and node.named_children:
            return self.evaluate(node.named_children[-1])
        if kind == "call":
            return self._call(node)
        if kind == "binary" and node.child_by_field_name("operator") is not None and node.child_by_field_name("operator").text == b"||":
            left = self.evaluate(node.child_by_field_name("left"))
            return left if left is not None else self.evaluate(node.child_by_field_name("right"))
        if kind == "element_reference":  # ENV["X"]
            obj = node.child_by_field_name("object")
            if obj is not None and obj.text == b"ENV" and len(node.named_children) > 1:
                key = self.evaluate(node.named_children[1])
                return _typed(self.env.get(key)) if isinstance(key, str) else None
        return None

    def _call(self, node):
        receiver = node.child_by_field_name("receiver")
        method = node.child_by_field_name("method")
        arguments = node.child_by_field_name("arguments")
        args = arguments.named_children if arguments is not None else []
        name = method.text.decode() if method is not None else ""
        if receiver is None and name == "Integer" and args:
            value = self.evaluate(args[0])
            return int(value) if isinstance(value, (int, str)) and str(value).isdigit() else None
        if receiver is not None and receiver.text == b"ENV" and name == "fetch" and args:
            key = self.evaluate(args[0])
            if isinstance(key, str) and key in self.env:
                return _typed(self.env[key])
            if len(args) > 1:
                return self.evaluate(args[1])
            block = node.child_by_field_name("block")
            if block is not None:
                body = next((c for c in block.named_children if c.type == "block_body"), None)
                return self.evaluate(body) if body is not None else None
            return None
        if receiver is not None and receiver.text == b"File" and name == "expand_path" and len(args) == 2:
            relative, base = self.evaluate(args[0]), self.evaluate(args[1])
            if isinstance(relative, str) and isinstance(base, str):
                return posixpath.normpath(posixpath.join(base, relative))
        return None


def _typed(value):
    if value is None:
        return None
    return int(value) if value.isdigit() else value
