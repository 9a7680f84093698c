"""Spring STOMP configuration in Kotlin source: the same calls as in Java, Kotlin's syntax.

A Kotlin `WebSocketMessageBrokerConfigurer` makes the calls the Java reader follows
(`registry.addEndpoint("/ws").withSockJS()`, `enableSimpleBroker(...)
.setHeartbeatValue(longArrayOf(10000, 10000)).setTaskScheduler(...)`), so what they
mean is the Java reader's (`nglint.sources.spring.stomp.read_chain`, `endpoints_of`);
this module only knows how Kotlin writes them, read with tree-sitter's Kotlin grammar
(the `tree-sitter-kotlin` wheel, imported only when a `.kt` file is read):

- a call is a `call_expression` whose callee is an identifier or a
  `navigation_expression` (`receiver.name`), its arguments `value_arguments`;
- numbers are `number_literal`s (`10_000L`), `+ - *`, parentheses, `.toLong()` and
  `val`/`const val` properties of the same file; a name declared twice is not evaluated;
- `longArrayOf(a, b)` (or `arrayOf`) is the heartbeat pair; a string template with `$`
  is computed at run time.

Spring Boot has no application property for STOMP heart-beats: they are set only in code.
"""

from __future__ import annotations

from nglint.sources.spring.stomp import JavaFacts, read_chain, syntax_error, walk

_ARRAY_BUILDERS = ("longArrayOf", "arrayOf")
_CONVERSIONS = ("toLong", "toInt")


def read_kotlin(text: str) -> JavaFacts:
    import tree_sitter_kotlin as grammar
    from tree_sitter import Language, Parser

    facts = JavaFacts()
    root = Parser(Language(grammar.language())).parse(text.encode("utf-8", errors="replace")).root_node
    facts.error = syntax_error(root)
    calls, constants = [], {}
    repeated: set[str] = set()
    for node in walk(root):
        if node.type == "call_expression":
            calls.append(node)
        elif node.type == "property_declaration":
            _constant(node, constants, repeated)
    for name in repeated:
        constants.pop(name, None)
    values = _KotlinValues(constants)
    for node in calls:
        if _is_receiver(node):
            continue  # inside a longer chain: read with it
        read_chain(_chain(node), values, facts)
    return facts


def _constant(node, constants: dict, repeated: set) -> None:
    """A `val` (or `const val`) with an initialiser: a candidate constant by name."""
    if not any(child.type == "val" for child in node.children):
        return
    declaration = next((c for c in node.named_children if c.type == "variable_declaration"), None)
    name = next((c for c in declaration.named_children if c.type == "identifier"), None) if declaration is not None else None
    value = node.named_children[-1] if node.named_children else None
    if name is None or value is None or value == declaration:
        return
    key = name.text.decode("utf-8", "replace")
    if key in constants:
        repeated.add(key)
    constants[key] = value


def _callee_parts(node):
    """(receiver or None, name node or None) of a call_expression."""
    callee = node.children[0] if node.children else None
    if callee is None:
        return None, None
    if callee.type == "identifier":
        return None, callee
    if callee.type == "navigation_expression":
        names = [c for c in callee.named_children]
        if len(names) >= 2 and names[-1].type == "identifier":
            return names[0], names[-1]
    return None, None


def _is_receiver(node) -> bool:
    parent = node.parent
    return (parent is not None and parent.type == "navigation_expression" and parent.named_children
            and parent.named_children[0] == node and parent.parent is not None
            and parent.parent.type == "call_expression")


def _chain(node) -> list:
    """The calls of `a.b(..).c(..)` innermost first: [(name, value_arguments node, line), ...]."""
    calls = []
    while node is not None and node.type == "call_expression":
        receiver, name = _callee_parts(node)
        arguments = next((c for c in node.children if c.type == "value_arguments"), None)
        at = name if name is not None else node
        calls.append((name.text.decode("utf-8", "replace") if name is not None else "", arguments, at.start_point[0] + 1))
        node = receiver
    return list(reversed(calls))


class _KotlinValues:
    """How Kotlin source spells the values a chain's arguments carry."""

    def __init__(self, constants: dict) -> None:
        self.constants = constants

    def args(self, arguments) -> list:
        if arguments is None:
            return []
        found = []
        for argument in arguments.named_children:
            if argument.type == "value_argument" and argument.named_children:
                found.append(argument.named_children[-1])  # `name = value` keeps the value
        return found

    def string(self, node) -> str | None:
        if node.type != "string_literal":
            return None
        parts = [c for c in node.named_children]
        if any(c.type != "string_content" for c in parts):
            return None  # an interpolation or an escape: not a literal path
        return "".join(c.text.decode("utf-8", "replace") for c in parts)

    def number(self, node, depth: int = 0) -> int | None:
        if depth > 20 or node is None:
            return None
        kind = node.type
        if kind == "number_literal":
            digits = node.text.decode("utf-8", "replace").rstrip("lL").replace("_", "")
            return int(digits) if digits.isdigit() else None
        if kind == "parenthesized_expression" and node.named_children:
            return self.number(node.named_children[0], depth + 1)
        if kind == "identifier":
            value = self.constants.get(node.text.decode("utf-8", "replace"))
            return self.number(value, depth + 1) if value is not None else None
        if kind == "binary_expression":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            operator = node.child_by_field_name("operator")
            a, b = self.number(left, depth + 1), self.number(right, depth + 1)
            if a is None or b is None or operator is None:
                return None
            return {"*": a * b, "+": a + b, "-": a - b}.get(operator.type)
        if kind == "call_expression":
            receiver, name = _callee_parts(node)
            if receiver is not None and name is not None and name.text.decode() in _CONVERSIONS and not self.args(
                    next((c for c in node.children if c.type == "value_arguments"), None)):
                return self.number(receiver, depth + 1)
        return None

    def pair(self, node) -> tuple[int, int] | None:
        if node.type == "identifier":
            value = self.constants.get(node.text.decode("utf-8", "replace"))
            return self.pair(value) if value is not None and value.type != "identifier" else None
        if node.type != "call_expression":
            return None
        receiver, name = _callee_parts(node)
        if receiver is not None or name is None or name.text.decode() not in _ARRAY_BUILDERS:
            return None
        values = [self.number(a) for a in self.args(next((c for c in node.children if c.type == "value_arguments"), None))]
        if len(values) != 2 or any(v is None for v in values):
            return None
        return values[0], values[1]
