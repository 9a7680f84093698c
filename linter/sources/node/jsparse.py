"""What a Node.js entry file says about its HTTP server, read with tree-sitter.

Found: `x.keepAliveTimeout = N` assignments, `keepAliveTimeout: N` in the options of a
call (`http.createServer({...})`, `Fastify({...})`, `new FastifyAdapter({...})`), whether
Fastify is imported, and the port given to `.listen(...)`. A value is evaluated only when
it is a number, a constant of the same file or arithmetic on those; anything else
(`process.env.KA`, a function call) is unknown with the expression quoted. The tree is
walked with an explicit stack: a deeply nested file cannot exhaust Python's recursion.
"""

from __future__ import annotations

from nglint.records import field, record

MAX_NODES = 2_000_000


@record
class JsValue:
    value: int | None
    line: int
    text: str
    known: bool = True
    reason: str = ""


@record
class JsFacts:
    keepalive: list[JsValue] = field(default_factory=list)  # in source order
    fastify: bool = False
    fastify_line: int = 1
    port: JsValue | None = None
    port_env: str | None = None  # `process.env.PORT || 3000`: the variable named
    imports: list[str] = field(default_factory=list)  # relative modules it requires or imports
    error: tuple[str, int] | None = None


def language_for(path: str):
    lower = path.lower()
    if lower.endswith(".tsx"):
        import tree_sitter_typescript as grammar

        return grammar.language_tsx()
    if lower.endswith((".ts", ".mts", ".cts")):
        import tree_sitter_typescript as grammar

        return grammar.language_typescript()
    import tree_sitter_javascript as grammar

    return grammar.language()


def read_js(path: str, text: str) -> JsFacts:
    from tree_sitter import Language, Parser

    facts = JsFacts()
    source = text.encode("utf-8", errors="replace")
    try:
        tree = Parser(Language(language_for(path))).parse(source)
    except (ValueError, RuntimeError) as exc:
        facts.error = (f"cannot parse: {exc}", 1)
        return facts
    root = tree.root_node
    constants: dict[str, object] = {}
    stack = [root]
    seen = 0
    pending_pairs = []
    while stack:
        node = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            facts.error = (f"refused: more than {MAX_NODES} syntax nodes", 1)
            break
        kind = node.type
        if kind == "variable_declarator":
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if name is not None and value is not None and name.type == "identifier":
                constants[_text(name)] = value
        elif kind == "assignment_expression":
            left = node.child_by_field_name("left")
            if left is not None and left.type == "member_expression" and _property(left) == "keepAliveTimeout":
                pending_pairs.append(node.child_by_field_name("right"))
        elif kind == "pair":
            key = node.child_by_field_name("key")
            if key is not None and _text(key).strip("'\"") == "keepAliveTimeout":
                pending_pairs.append(node.child_by_field_name("value"))
        elif kind == "string" and node.parent is not None:
            module = _text(node).strip("'\"`")
            if module in ("fastify", "@nestjs/platform-fastify") and _in_import(node):
                facts.fastify, facts.fastify_line = True, node.start_point[0] + 1
            elif module.startswith(".") and len(facts.imports) < 50 and _in_import(node):
                facts.imports.append(module)
        elif kind == "call_expression":
            function = node.child_by_field_name("function")
            if function is not None and function.type == "member_expression" and _property(function) == "listen":
                arguments = node.child_by_field_name("arguments")
                first = arguments.named_children[0] if arguments is not None and arguments.named_children else None
                if first is not None and first.type == "object":
                    first = _pair_value(first, "port")  # Fastify 3+, net.Server: listen({ port, host })
                if first is not None and facts.port is None:
                    facts.port, facts.port_env = _port(first, constants)
        stack.extend(reversed(node.children))
    for value_node in sorted((n for n in pending_pairs if n is not None), key=lambda n: n.start_byte):
        facts.keepalive.append(evaluate(value_node, constants))
    return facts


def _in_import(node) -> bool:
    current = node
    for _ in range(4):
        current = current.parent
        if current is None:
            return False
        if current.type in ("import_statement", "import_clause", "export_statement"):
            return True
        if current.type == "call_expression":
            function = current.child_by_field_name("function")
            return function is not None and _text(function) in ("require", "import")
    return False


def _text(node) -> str:
    return node.text.decode("utf-8", errors="replace")


def _property(member) -> str | None:
    prop = member.child_by_field_name("property")
    return _text(prop) if prop is not None else None


def _snippet(node) -> str:
    text = " ".join(_text(node).split())
    return text if len(text) <= 60 else text[:57] + "..."


def evaluate(node, constants: dict, depth: int = 0) -> JsValue:
    """A number from a literal, a same-file constant, or arithmetic on those."""
    line = node.start_point[0] + 1
    unknown = JsValue(None, line, _snippet(node), False, f"computed at run time ({_snippet(node)})")
    if depth > 20:
        return unknown
    kind = node.type
    if kind == "number":
        text = _text(node).replace("_", "")
        try:
            number = float(int(text, 0)) if text.lower().startswith(("0x", "0o", "0b")) else float(text)
        except ValueError:
            return unknown
        return JsValue(int(number), line, _text(node))
    if kind == "parenthesized_expression" and node.named_children:
        inner = evaluate(node.named_children[0], constants, depth + 1)
        return JsValue(inner.value, line, _snippet(node), inner.known, inner.reason)
    if kind in ("as_expression", "satisfies_expression", "non_null_expression") and node.named_children:
        return evaluate(node.named_children[0], constants, depth + 1)
    if kind == "identifier" and _text(node) in constants:
        inner = evaluate(constants[_text(node)], constants, depth + 1)
        return JsValue(inner.value, line, _text(node), inner.known, inner.reason)
    if kind == "binary_expression":
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        operator = node.child_by_field_name("operator")
        if left is None or right is None or operator is None:
            return unknown
        a, b = evaluate(left, constants, depth + 1), evaluate(right, constants, depth + 1)
        if not (a.known and b.known):
            return unknown
        op = _text(operator)
        results = {"*": lambda: a.value * b.value, "+": lambda: a.value + b.value, "-": lambda: a.value - b.value,
                   "/": lambda: a.value // b.value if b.value else None}
        if op not in results or results[op]() is None:
            return unknown
        return JsValue(int(results[op]()), line, _snippet(node))
    return unknown


def _pair_value(obj, key: str):
    """The value node of `key: value` in an object literal, or None."""
    for pair in obj.named_children:
        if pair.type == "pair":
            name = pair.child_by_field_name("key")
            if name is not None and _text(name).strip("'\"") == key:
                return pair.child_by_field_name("value")
        elif pair.type == "shorthand_property_identifier" and _text(pair) == key:
            return pair
    return None


def _port(node, constants) -> tuple[JsValue | None, str | None]:
    """`3000`, `PORT` (a constant), `process.env.PORT || 3000`, `process.env.PORT ?? 3000`."""
    value = evaluate(node, constants)
    if value.known:
        return value, None
    if node.type == "identifier" and _text(node) in constants:
        return _port(constants[_text(node)], constants)
    if node.type == "binary_expression":
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        env = _env_name(left) if left is not None else None
        if env and right is not None:
            fallback = evaluate(right, constants)
            return (fallback if fallback.known else None), env
    env = _env_name(node)
    return None, env


def _env_name(node) -> str | None:
    while node is not None and node.type in ("call_expression", "parenthesized_expression"):
        # Number(process.env.PORT), parseInt(process.env.PORT, 10)
        arguments = node.child_by_field_name("arguments") if node.type == "call_expression" else None
        node = arguments.named_children[0] if arguments is not None and arguments.named_children else (
            node.named_children[0] if node.type == "parenthesized_expression" and node.named_children else None)
    if node is None or node.type != "member_expression":
        return None
    obj = node.child_by_field_name("object")
    if obj is not None and _text(obj) == "process.env":
        return _property(node)
    return None
