"""The Go reader: a process whose image was built from Go sources in the tree (.go files
among its files, from a build stage or a mount), read with tree-sitter's Go grammar.

`&http.Server{IdleTimeout: 120 * time.Second, ReadTimeout: ...}` sets the idle timeout
(IdleTimeout, else ReadTimeout, else none); `http.ListenAndServe(":8080", h)`, gin/echo
`Run(":8080")`/`Start(":8080")` serve with no timeouts. Several servers with different
values in one program are each a backend when their addresses differ; values computed at
run time are unknown with the expression quoted. It is asked last: a Go-built image that
runs another known server is that server's business.
"""

from __future__ import annotations

import os
import re

from nglint.sources import LINE_COMMENT
from nglint.sources.servers import ProcessOnlyReader

MAX_GO_FILES = 60
_UNITS = {"Nanosecond": 1e-6, "Microsecond": 1e-3, "Millisecond": 1, "Second": 1000, "Minute": 60_000, "Hour": 3_600_000}


class GoHttp(ProcessOnlyReader):
    kind = "go"
    comment = LINE_COMMENT
    comment_prefix = "//"
    defaults_module = "nglint.sources.gohttp.defaults"

    def from_process(self, process, tree_roots: list[str], max_file_size: int):
        from nglint.sources.files import read_text
        from nglint.sources.servers import server_backend
        from nglint.tiers.model import Provenance

        sources = sorted({local for inside, local in process.files.items()
                          if inside.endswith(".go") and not inside.endswith("_test.go") and "/vendor/" not in inside})
        servers = []
        for local in sources[:MAX_GO_FILES]:
            text = read_text(local, tree_roots, max_file_size, [])
            if text:
                servers.extend(read_go(local, text))
        if not servers:
            return None
        default = self.defaults.get("IdleTimeout")
        backends = []
        for server in servers:
            port = server.port or (process.ports[0] if len(process.ports) == 1 else None)
            if server.idle is None:
                provenance = Provenance.from_default(default, f"{server.how}: no IdleTimeout or ReadTimeout, never closes idle connections")
                timeout = None
                location = server.location
            else:
                timeout, provenance = server.idle
                location = provenance.location or server.location
            backends.append(server_backend("go", f"Go net/http in {process.name}", port, timeout, provenance, location,
                                           process, anchor=provenance.key))
        unique = {(b.port, b.idle_timeout_ms, b.timeout_known): b for b in backends}
        return list(unique.values())


class _Server:
    def __init__(self, how: str, location, port: int | None, idle) -> None:
        self.how, self.location, self.port, self.idle = how, location, port, idle


def read_go(path: str, text: str) -> list[_Server]:
    import tree_sitter_go as grammar
    from tree_sitter import Language, Parser

    from nglint.findings import Location

    tree = Parser(Language(grammar.language())).parse(text.encode("utf-8", errors="replace"))
    found: list[_Server] = []
    stack = [tree.root_node]
    seen = 0
    while stack and seen < 1_000_000:
        node = stack.pop()
        seen += 1
        if node.type == "composite_literal":
            kind = node.child_by_field_name("type")
            if kind is not None and kind.text in (b"http.Server", b"&http.Server"):
                found.append(_server_literal(path, node))
        elif node.type == "call_expression":
            function = node.child_by_field_name("function")
            name = function.text.decode(errors="replace") if function is not None else ""
            if name in ("http.ListenAndServe", "http.ListenAndServeTLS") or re.fullmatch(r"\w+\.(Run|Start)", name):
                arguments = node.child_by_field_name("arguments")
                first = arguments.named_children[0] if arguments is not None and arguments.named_children else None
                port = _port(first.text.decode(errors="replace")) if first is not None else None
                if name.startswith("http.") or (first is not None and port is not None) or name.endswith(".Run"):
                    if name.endswith(".Run") and first is None:
                        port = 8080
                    if port is not None or name.startswith("http."):
                        found.append(_Server(f"{name}()", Location(path, node.start_point[0] + 1), port, None))
        stack.extend(reversed(node.named_children))
    return found


def _server_literal(path: str, node) -> _Server:
    from nglint.findings import Location
    from nglint.tiers.model import Provenance

    values = {}
    body = node.child_by_field_name("body")
    for element in body.named_children if body is not None else []:
        if element.type != "keyed_element" or len(element.named_children) < 2:
            continue
        key_node, value_node = (_unwrap(child) for child in element.named_children[:2])
        values[key_node.text.decode(errors="replace")] = (value_node, element.start_point[0] + 1)
    port = None
    if "Addr" in values:
        port = _port(values["Addr"][0].text.decode(errors="replace"))
    idle = None
    for key in ("IdleTimeout", "ReadTimeout"):
        if key not in values:
            continue
        value_node, line = values[key]
        source = " ".join(value_node.text.decode(errors="replace").split())
        ms = _duration(value_node)
        if ms is None:
            idle = (None, Provenance.unknown(f"{key}: {source} is computed at run time ({os.path.basename(path)}:{line})"))
        elif ms <= 0:
            idle = None if key == "ReadTimeout" else (None, Provenance.from_file(path, line, key, f"{key}: {source} (no timeout)"))
            if key == "IdleTimeout" and ms == 0:
                continue  # zero IdleTimeout: ReadTimeout decides
        else:
            detail = f"{key}: {source}" + (" (IdleTimeout unset)" if key == "ReadTimeout" else "")
            idle = (ms, Provenance.from_file(path, line, key, detail))
        break
    return _Server("http.Server", Location(path, node.start_point[0] + 1), port, idle)


def _unwrap(node):
    """A keyed element's key and value sit in `literal_element` wrappers."""
    while node.type == "literal_element" and node.named_children:
        node = node.named_children[0]
    return node


def _duration(node) -> int | None:
    """`120 * time.Second`, `time.Minute`, `2*time.Minute + 30*time.Second`, `0`."""
    kind = node.type
    text = node.text.decode(errors="replace").strip()
    if kind == "int_literal":
        try:
            return int(int(text.replace("_", ""), 0) / 1_000_000)  # a bare number is nanoseconds
        except ValueError:
            return None
    if kind == "selector_expression" and text.startswith("time.") and text[5:] in _UNITS:
        return int(_UNITS[text[5:]])
    if kind == "parenthesized_expression" and node.named_children:
        return _duration(node.named_children[0])
    if kind == "binary_expression":
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        operator = node.child_by_field_name("operator")
        if left is None or right is None or operator is None:
            return None
        op = operator.text.decode()
        if op == "*":
            a = _number(left)
            b = _duration(right) if a is not None else None
            if a is None:
                a, b = _number(right), _duration(left)
            return int(a * b) if a is not None and b is not None else None
        if op in ("+", "-"):
            a, b = _duration(left), _duration(right)
            return (a + b if op == "+" else a - b) if a is not None and b is not None else None
    return None


def _number(node) -> float | None:
    if node.type in ("int_literal", "float_literal"):
        try:
            return float(node.text.decode().replace("_", ""))
        except ValueError:
            return None
    if node.type == "call_expression":  # time.Duration(30)
        arguments = node.child_by_field_name("arguments")
        if arguments is not None and len(arguments.named_children) == 1:
            return _number(arguments.named_children[0])
    return None


def _port(text: str) -> int | None:
    match = re.fullmatch(r'"[^"]*:(\d+)"', text.strip())
    return int(match.group(1)) if match else None
