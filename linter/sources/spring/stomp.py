"""Spring STOMP-over-websocket configuration in Java source: the heartbeat the server sends.

A `WebSocketMessageBrokerConfigurer` registers its STOMP endpoints
(`registry.addEndpoint("/ws")`, optionally `.withSockJS()`) and its broker. What crosses
an idle websocket depends on both:

- the simple broker (`enableSimpleBroker`) sends STOMP heart-beats only with a
  TaskScheduler: `setTaskScheduler(...)` alone means "10000, 10000"; `setHeartbeatValue(new
  long[]{out, in})` sets them (the first number is how often the server writes; 0 none);
  without a TaskScheduler, no heart-beat at all (Spring refuses non-zero values then);
- the broker relay (`enableStompBrokerRelay`) leaves the client's heart-beats to the
  external broker: unknown here;
- SockJS (`.withSockJS()`) sends its own heartbeat frame after 25s of silence by default
  (`.setHeartbeatTime(ms)`), whatever the broker does.

The source is read with tree-sitter's Java grammar (imported only when such a file is
read). A value computed at run time (a method call, a property) stays unknown with the
expression named; literal arithmetic and `static final` constants of the same file are
evaluated.
"""

from __future__ import annotations

import re

from nglint.backends import BackendFile
from nglint.records import field, record
from nglint.sources import LINE_COMMENT
from nglint.sources.base import FileReader

SNIFF_BYTES = 65536
_MARKERS = re.compile(rb"addEndpoint|enableSimpleBroker|enableStompBrokerRelay|registerStompEndpoints")
MAX_NODES = 200_000


@record(frozen=True)
class StompEndpoint:
    """One STOMP endpoint path and the heartbeat the server sends on it.

    `heartbeat_ms` None with `known` True: the server sends none. `detail` says where the
    value came from (the call and its line, or the default), `line` is that call's line.
    """

    path: str
    line: int
    heartbeat_ms: int | None
    known: bool
    detail: str
    heartbeat_line: int | None = None
    default_key: str | None = None  # the heartbeat table's row when a default applies


@record
class StompFile(BackendFile):
    """A Java source that configures STOMP endpoints (it has no backends of its own)."""

    stomp_endpoints: list[StompEndpoint] = field(default_factory=list)


class SpringStomp(FileReader):
    """Java and Kotlin sources of a Spring `WebSocketMessageBrokerConfigurer`: STOMP endpoints and heartbeats."""

    kind = "spring-stomp"
    defaults_module = "nglint.sources.frontend.heartbeats"
    comment = LINE_COMMENT
    comment_prefix = "//"

    def claims(self, path: str) -> bool:
        if not path.endswith((".java", ".kt")):
            return False
        from nglint.boundary import sniff

        head = sniff(path, SNIFF_BYTES)
        return head is not None and b"addEndpoint" in head and bool(_MARKERS.search(head))

    def parse(self, path: str, tree_roots: list[str], max_file_size: int) -> StompFile:
        from nglint.boundary import read_text
        from nglint.findings import Severity
        from nglint.problems import Problem
        from nglint.diagnostics import BACKEND_PARSE_ERROR, UNREADABLE_FILE

        result = StompFile(path)
        language = "Kotlin" if path.endswith(".kt") else "Java"
        try:
            text = read_text(path, max_file_size)
            if language == "Kotlin":
                from nglint.sources.spring.stomp_kotlin import read_kotlin

                facts = read_kotlin(text)
            else:
                facts = read_java(text)
        except Exception as exc:  # a refused read, or a grammar that cannot load
            result.problems.append(Problem(UNREADABLE_FILE, path, 1, f"cannot read {language} source: {str(exc)[:200]}",
                                           language.lower(), Severity.WARNING))
            return result
        if facts.error is not None:
            result.problems.append(Problem(BACKEND_PARSE_ERROR, path, facts.error[1], f"{language} source: {facts.error[0]}",
                                           language.lower(), Severity.WARNING))
        result.stomp_endpoints.extend(endpoints_of(facts))
        return result


@record
class JavaFacts:
    """What the Java source says, call by call: (value or None, text, line) per setting."""

    endpoints: list = field(default_factory=list)  # (path, line, sockjs, sockjs_heartbeat (ms|None, text, line) | None)
    simple_broker: int | None = None
    relay: int | None = None
    heartbeat: tuple | None = None  # ((out, in) | None, text, line)
    scheduler: int | None = None
    error: tuple[str, int] | None = None


def read_java(text: str) -> JavaFacts:
    import tree_sitter_java as grammar
    from tree_sitter import Language, Parser

    facts = JavaFacts()
    source = text.encode("utf-8", errors="replace")
    root = Parser(Language(grammar.language())).parse(source).root_node
    facts.error = syntax_error(root)
    constants = _constants(root)
    invocations = [node for node in walk(root) if node.type == "method_invocation"]
    grammar = _JavaValues(constants)
    for node in invocations:
        parent = node.parent
        if parent is not None and parent.type == "method_invocation" and parent.child_by_field_name("object") == node:
            continue  # inside a longer chain: read with it
        read_chain(_chain(node), grammar, facts)
    return facts


class _JavaValues:
    """How Java source spells the values a chain's arguments carry."""

    def __init__(self, constants) -> None:
        self.constants = constants

    def args(self, arguments) -> list:
        if arguments is None:
            return []
        return [a for a in arguments.named_children if a.type not in ("line_comment", "block_comment")]

    def string(self, node) -> str | None:
        return _string(node)

    def number(self, node) -> int | None:
        return _number(node, self.constants)

    def pair(self, node) -> tuple[int, int] | None:
        return _pair(node, self.constants)


def walk(root):
    """Every node under `root`, at most MAX_NODES of them: a generated or hostile file
    cannot make the walk unbounded."""
    stack, seen = [root], 0
    while stack and seen < MAX_NODES:
        node = stack.pop()
        seen += 1
        yield node
        stack.extend(node.children)


def syntax_error(root) -> tuple[str, int] | None:
    """(what JavaFacts.error says, line) when the tree holds a syntax error, else None."""
    if not root.has_error:
        return None
    bad = _first_error(root)
    return ("a syntax error; what could be read is used", bad.start_point[0] + 1 if bad is not None else 1)


def _first_error(root):
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            return node
        stack.extend(reversed(node.children))
    return None


def _chain(node) -> list:
    """The calls of `a.b(..).c(..)` innermost first: [(name, arguments node, line), ...]."""
    calls = []
    while node is not None and node.type == "method_invocation":
        name = node.child_by_field_name("name")
        at = name if name is not None else node  # a chained call's own line, not the chain's first
        calls.append((name.text.decode("utf-8", "replace") if name is not None else "",
                      node.child_by_field_name("arguments"), at.start_point[0] + 1))
        node = node.child_by_field_name("object")
    return list(reversed(calls))


def read_chain(calls, grammar, facts: JavaFacts) -> None:
    """Record what one call chain (`registry.addEndpoint("/ws").withSockJS()`, innermost
    first: (name, arguments node, line)) says; `grammar` reads the arguments of its
    language (args, string, number, pair)."""
    endpoint_paths = None
    for name, arguments, line in calls:
        args = grammar.args(arguments)
        if name == "addEndpoint":
            endpoint_paths = [(grammar.string(a), line) for a in args]
            endpoint_paths = [(p, l) for p, l in endpoint_paths if p is not None]
            for path, at in endpoint_paths:
                facts.endpoints.append([path, at, False, None])
        elif name == "withSockJS" and endpoint_paths:
            for entry in facts.endpoints[-len(endpoint_paths):]:
                entry[2] = True
        elif name == "setHeartbeatTime" and endpoint_paths and args:
            value = grammar.number(args[0])
            for entry in facts.endpoints[-len(endpoint_paths):]:
                entry[3] = (value, _text(args[0]), line)
        elif name == "enableSimpleBroker":
            facts.simple_broker = line
        elif name == "enableStompBrokerRelay":
            facts.relay = line
        elif name == "setHeartbeatValue" and args:
            facts.heartbeat = (grammar.pair(args[0]), _text(args[0]), line)
        elif name == "setTaskScheduler" and args and _text(args[0]) != "null":
            facts.scheduler = line


def endpoints_of(facts: JavaFacts) -> list[StompEndpoint]:
    """Each endpoint with the heartbeat the server sends on it: the shorter of SockJS's and the broker's."""
    stomp = _stomp_heartbeat(facts)
    found = []
    for path, line, sockjs, sockjs_setting in facts.endpoints:
        candidates = [stomp]
        if sockjs:
            if sockjs_setting is None:
                candidates.append((25_000, True, "SockJS heartbeat (withSockJS, setHeartbeatTime not called)", line, "spring-sockjs"))
            else:
                value, text, at = sockjs_setting
                if value is None:
                    candidates.append((None, False, f"setHeartbeatTime({text}) on line {at} is computed at run time", at, None))
                elif value > 0:
                    candidates.append((value, True, f"SockJS setHeartbeatTime({text}) on line {at}", at, None))
        sent = [c for c in candidates if c[1] and c[0] is not None]
        unknown = [c for c in candidates if not c[1]]
        if sent:
            ms, _, detail, at, key = min(sent, key=lambda c: c[0])
            found.append(StompEndpoint(path, line, ms, True, detail, at, key))
        elif unknown:
            _, _, detail, at, key = unknown[0]
            found.append(StompEndpoint(path, line, None, False, detail, at, key))
        else:  # every source known to send nothing
            _, _, detail, at, key = stomp
            found.append(StompEndpoint(path, line, None, True, detail, at, key))
    return found


def _stomp_heartbeat(facts: JavaFacts):
    """(ms | None, known, detail, line, default key) of the STOMP heart-beats the broker sends."""
    if facts.relay is not None and facts.simple_broker is None:
        return (None, False, f"enableStompBrokerRelay (line {facts.relay}): the external broker negotiates heart-beats "
                             "with each client", facts.relay, None)
    if facts.simple_broker is None:
        return (None, False, "no enableSimpleBroker or enableStompBrokerRelay in this file", None, None)
    if facts.heartbeat is not None:
        pair, text, line = facts.heartbeat
        if pair is None:
            return (None, False, f"setHeartbeatValue({text}) on line {line} is computed at run time", line, None)
        if pair[0] == 0:
            return (None, True, f"setHeartbeatValue({text}) on line {line}: the server sends no heart-beat", line, None)
        if facts.scheduler is None:
            return (None, True, f"setHeartbeatValue({text}) on line {line} without setTaskScheduler: no heart-beat is "
                                "sent (Spring refuses to start the broker)", line, None)
        return (pair[0], True, f"setHeartbeatValue({text}) on line {line} with setTaskScheduler on line {facts.scheduler}",
                line, None)
    if facts.scheduler is not None:
        return (10_000, True, f"setTaskScheduler on line {facts.scheduler}: heart-beats default to 10000, 10000",
                facts.scheduler, "spring-stomp.task-scheduler")
    return (None, True, f"enableSimpleBroker on line {facts.simple_broker} without setTaskScheduler: no heart-beat",
            facts.simple_broker, "spring-stomp")


def _text(node) -> str:
    text = node.text.decode("utf-8", "replace")
    return text if len(text) <= 60 else text[:57] + "..."


def _string(node) -> str | None:
    if node.type != "string_literal":
        return None
    text = node.text.decode("utf-8", "replace")
    return text[1:-1] if len(text) >= 2 else None


def _number(node, constants, depth: int = 0) -> int | None:
    """An integer expression of literals, parentheses, + - * and same-file constants, or None."""
    if depth > 20:
        return None
    kind = node.type
    if kind == "decimal_integer_literal":
        digits = node.text.decode().rstrip("lL").replace("_", "")
        return int(digits) if digits.isdigit() else None
    if kind == "parenthesized_expression" and node.named_children:
        return _number(node.named_children[0], constants, depth + 1)
    if kind == "identifier":
        value = constants.get(node.text.decode("utf-8", "replace"))
        return _number(value, constants, depth + 1) if value is not None else None
    if kind == "cast_expression":
        value = node.child_by_field_name("value")
        return _number(value, constants, depth + 1) if value is not None else None
    if kind == "binary_expression":
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        operator = node.child_by_field_name("operator")
        a = _number(left, constants, depth + 1) if left is not None else None
        b = _number(right, constants, depth + 1) if right is not None else None
        if a is None or b is None or operator is None:
            return None
        return {"*": a * b, "+": a + b, "-": a - b}.get(operator.type)
    return None


def _pair(node, constants) -> tuple[int, int] | None:
    """`new long[]{a, b}` (or `{a, b}`) as two integers, or None."""
    initializer = node
    if node.type == "array_creation_expression":
        initializer = next((c for c in node.named_children if c.type == "array_initializer"), None)
    if initializer is None or initializer.type != "array_initializer":
        return None
    values = [_number(c, constants) for c in initializer.named_children]
    if len(values) != 2 or any(v is None for v in values):
        return None
    return values[0], values[1]


def _constants(root) -> dict:
    """`static final` fields of the file whose initialiser nglint can evaluate, by name."""
    constants = {}
    stack, seen = [root], 0
    while stack and seen < MAX_NODES:
        node = stack.pop()
        seen += 1
        if node.type == "field_declaration":
            modifiers = next((c for c in node.children if c.type == "modifiers"), None)
            words = modifiers.text.decode("utf-8", "replace").split() if modifiers is not None else []
            if "static" in words and "final" in words:
                for declarator in node.children_by_field_name("declarator"):
                    name, value = declarator.child_by_field_name("name"), declarator.child_by_field_name("value")
                    if name is not None and value is not None:
                        constants[name.text.decode("utf-8", "replace")] = value
            continue
        stack.extend(node.children)
    return constants
