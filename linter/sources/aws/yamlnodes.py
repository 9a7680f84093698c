"""YAML documents as plain values with the line of every mapping key, for readers that
must point at a line. Composed, never constructed: CloudFormation's `!Ref`/`!GetAtt`
tags and any other tag stay plain values (`{"!Ref": "Name"}`), nothing is executed."""

from __future__ import annotations

from typing import Any


class Located(dict):
    """A mapping that remembers its own line and each key's line (1-based)."""

    line: int = 1
    key_lines: dict

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


def load_documents(text: str) -> list[Any]:
    """Every document as plain values; YamlError for bad YAML and for documents refused as
    too costly (nested deeper than 64 levels, aliases expanding past the value budget),
    the same limits as every other YAML nglint reads."""
    from nglint.sources.yamlnodes import Budget, YamlError, compose_nodes

    budget = Budget()
    try:
        return [_plain(node, budget, 0) for node in compose_nodes(text) if node is not None]
    except RecursionError:
        raise YamlError("refused: YAML nested too deeply") from None


def _plain(node, budget, depth: int) -> Any:
    import yaml

    budget.spend(node, depth)
    if isinstance(node, yaml.MappingNode):
        result = Located()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = _plain(key_node, budget, depth + 1)
            key = str(key) if not isinstance(key, str) else key
            result[key] = _plain(value_node, budget, depth + 1)
            result.key_lines[key] = key_node.start_mark.line + 1
        return _tagged(node.tag, result)
    if isinstance(node, yaml.SequenceNode):
        return _tagged(node.tag, [_plain(item, budget, depth + 1) for item in node.value])
    value = node.value
    if node.tag == "tag:yaml.org,2002:int" or (node.style is None and value.isdigit()):
        try:
            return _tagged(node.tag, int(value))
        except ValueError:
            return value
    if node.style is None and value in ("true", "false"):
        return value == "true"
    return _tagged(node.tag, value)


def _tagged(tag: str, value: Any) -> Any:
    if tag and tag.startswith("!"):
        return {tag: value}
    return value


def read_front_yaml(path: str, max_file_size: int):
    """(FrontFile, its YAML documents) for a front-tier reader, or (FrontFile holding a parse
    warning, None) when the file cannot be read or parsed: bad input never crashes a run."""
    from nglint.boundary import read_text
    from nglint.diagnostics import BACKEND_PARSE_ERROR
    from nglint.findings import Severity
    from nglint.problems import Problem
    from nglint.sources.frontend.model import FrontFile

    result = FrontFile(path)
    try:
        return result, load_documents(read_text(path, max_file_size))
    except Exception as exc:  # yaml raises many kinds
        line = getattr(exc, "line", None) or getattr(getattr(exc, "problem_mark", None), "line", 0) + 1
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        result.problems.append(Problem(BACKEND_PARSE_ERROR, path, line, f"cannot parse YAML: {first[:200]}",
                                       "yaml", Severity.WARNING))
        return result, None
