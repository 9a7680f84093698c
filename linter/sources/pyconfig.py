"""Module-level settings of a Python file (gunicorn.conf.py, a `uvicorn.run(...)` call),
read with `ast`: literal values with their lines, anything computed at run time marked
unknown with the reason, never evaluated.
"""

from __future__ import annotations

import ast

from nglint.records import record


@record(frozen=True)
class PyValue:
    """A setting's value (`known` False: `reason` says why it cannot be read) and its line."""

    value: object
    line: int
    known: bool = True
    reason: str = ""


def parse_python(text: str):
    """The module's AST, or None with the syntax error message."""
    try:
        return ast.parse(text), None
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        line = getattr(exc, "lineno", None) or 1
        return None, (f"not valid Python: {getattr(exc, 'msg', exc)}", line)


def literal(node: ast.AST, what: str) -> PyValue:
    try:
        return PyValue(ast.literal_eval(node), node.lineno)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        source = _snippet(node)
        return PyValue(None, node.lineno, False, f"{what} is computed at run time ({source})")


def module_assignments(tree: ast.Module) -> dict[str, PyValue]:
    """Top-level `name = value` (last wins, as when the module runs), including those in
    top-level `if`/`try` blocks, whose branch is unknown: a name set there is unknown."""
    found: dict[str, PyValue] = {}
    for node in tree.body:
        _assign(node, found, conditional=False)
    return found


def _assign(node: ast.AST, found: dict[str, PyValue], conditional: bool) -> None:
    if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if isinstance(target, ast.Name):
                value = literal(node.value, target.id)
                if conditional:
                    value = PyValue(None, node.lineno, False, f"{target.id} is set conditionally (line {node.lineno})")
                found[target.id] = value
    elif isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                _assign(child, found, conditional=True)
            elif isinstance(child, ast.ExceptHandler):
                for inner in child.body:
                    _assign(inner, found, conditional=True)


def calls(tree: ast.AST, names: set[str]):
    """Every call whose function is `x.name` or `name` for a name in `names`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
            if called in names:
                yield node


def keyword(call: ast.Call, name: str) -> PyValue | None:
    for item in call.keywords:
        if item.arg == name:
            return literal(item.value, name)
        if item.arg is None:  # **kwargs: any name may hide in it
            return PyValue(None, call.lineno, False, f"{name} may be passed in **{_snippet(item.value)}")
    return None


def _snippet(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # noqa: BLE001 - unparse of odd trees: only for a message
        text = type(node).__name__
    return text if len(text) <= 60 else text[:57] + "..."
