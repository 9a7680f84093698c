"""YAML as plain values that remember their line numbers, read safely.

PyYAML's C composer gives nodes with marks; `to_plain` turns them into dicts and lists
(`Mapping`, `Sequence`) whose `.line` and `.lines[key]` say where each value was written,
so messages can point at the compose line that set a command or a port. Merge keys
(`<<: *defaults`) are honoured. Hostile documents stay bounded: an alias bomb hits the
node budget, deep nesting the depth limit, and both become a `YamlError`, never a crash.
"""

from __future__ import annotations

from typing import Any

MAX_NODES = 200_000
MAX_DEPTH = 64


class YamlError(Exception):
    """The document cannot be read (syntax) or is refused (too large, too deep); `line` is 1-based."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


class Mapping(dict):
    """A YAML mapping: `line` of the mapping, `lines[key]` of each key."""

    line: int = 1

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int:
        return self.lines.get(key, self.line)


class Sequence(list):
    """A YAML sequence: `line` of the sequence, `lines[i]` of each item."""

    line: int = 1

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.lines: list[int] = []

    def line_of(self, index: int) -> int:
        return self.lines[index] if 0 <= index < len(self.lines) else self.line


def load_documents(text: str) -> list[Any]:
    """Every document of `text` as plain values with lines; raises YamlError only."""
    nodes = compose_nodes(text)
    budget = Budget()
    try:
        return [to_plain(node, budget, 0) for node in nodes if node is not None]
    except RecursionError:
        raise YamlError("refused: YAML nested too deeply") from None


def compose_nodes(text: str) -> list:
    """The node graph of every document (aliases still shared, not expanded), after the
    depth check; raises YamlError only. For readers that walk nodes themselves, with a
    `Budget` for the values they expand."""
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        _check_depth(yaml, text, loader_class)
        nodes = list(yaml.compose_all(text, Loader=loader_class))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlError(f"not valid YAML: {exc.problem or exc}", (mark.line + 1) if mark else 1) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"not valid YAML: {exc}") from None
    except RecursionError:
        raise YamlError("refused: YAML nested too deeply") from None
    return nodes


def _check_depth(yaml, text: str, loader_class) -> None:
    """Refuse deep nesting from the token stream, before the composer recurses into it
    (libyaml's composer, driven by PyYAML's C extension, can overflow the C stack)."""
    openers = (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken, yaml.FlowMappingStartToken,
               yaml.FlowSequenceStartToken)
    closers = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)
    depth = 0
    for token in yaml.scan(text, Loader=loader_class):
        if isinstance(token, openers):
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlError(f"refused: YAML nested deeper than {MAX_DEPTH} levels", token.start_mark.line + 1)
        elif isinstance(token, closers):
            depth -= 1


class Budget:
    """Values left to expand in one file: an alias repeated inside aliases multiplies."""

    def __init__(self) -> None:
        self.left = MAX_NODES

    def spend(self, node, depth: int) -> None:
        """Count one value at `depth`; YamlError past the budget or the depth limit."""
        self.left -= 1
        if self.left < 0:
            raise YamlError(f"refused: more than {MAX_NODES} YAML values (an alias bomb?)", node.start_mark.line + 1)
        if depth > MAX_DEPTH:
            raise YamlError(f"refused: YAML nested deeper than {MAX_DEPTH} levels", node.start_mark.line + 1)


def to_plain(node, budget: Budget, depth: int) -> Any:
    import yaml

    budget.spend(node, depth)
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    if isinstance(node, yaml.SequenceNode):
        result = Sequence()
        result.line = line
        for item in node.value:
            result.append(to_plain(item, budget, depth + 1))
            result.lines.append(item.start_mark.line + 1)
        return result
    result = Mapping()
    result.line = line
    merged: list[Mapping] = []
    for key_node, value_node in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            value = to_plain(value_node, budget, depth + 1)
            merged.extend(v for v in (value if isinstance(value, list) else [value]) if isinstance(v, Mapping))
            continue
        key = to_plain(key_node, budget, depth + 1)
        if isinstance(key, (dict, list)):
            continue  # complex keys never name anything nglint reads
        result[key] = to_plain(value_node, budget, depth + 1)
        result.lines[key] = key_node.start_mark.line + 1
    for source in merged:  # explicit keys win over merged ones; earlier merges over later
        for key, value in source.items():
            if key not in result:
                result[key] = value
                result.lines[key] = source.line_of(key)
    return result


def _scalar(node) -> Any:
    tag, value = node.tag, node.value
    if tag.endswith(":int"):
        try:
            return int(value.replace("_", ""), 0)
        except ValueError:
            return value
    if tag.endswith(":bool"):
        return value.lower() in ("true", "yes", "on", "y")
    if tag.endswith(":null"):
        return None
    if tag.endswith(":float"):
        try:
            return float(value)
        except ValueError:
            return value
    return value
