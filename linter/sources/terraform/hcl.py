"""One Terraform module directory as plain data: resources, variables, locals, module calls.

`.tf` files are read with python-hcl2 (imported here, only when a Terraform file is
read); `.tf.json` with json; both are normalised to the same shape. Variables take their
`default`, then `terraform.tfvars` and `*.auto.tfvars` in the directory, then the values a
module call passes. Only literals and plain `var.x` / `local.x` references are evaluated:
anything else is unknown, with the expression as the reason.

Line numbers: python-hcl2 gives none, so each resource's line is found by a bounded
search of the raw text for its block header (`resource "aws_lb" "web"`, or the
`"web"` key after the `"aws_lb"` key in JSON), and an attribute's line by scanning at
most the block's lines (brace depth, capped at MAX_BLOCK_LINES) for `name =` (`"name":`).
When a search fails, the block's line (or 1) is used: a message is never wrong about the
file, at worst about the line.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from typing import Any

from nglint.records import field, record

MAX_FILES = 200
MAX_BLOCK_LINES = 2000
_UNKNOWN = object()


@record
class Block:
    """A resource (`kind` "resource", `type` "aws_lb") or module call (`type` "module")."""

    kind: str
    type: str
    name: str
    attrs: dict
    path: str
    line: int


@record
class Module:
    directory: str
    resources: list[Block] = field(default_factory=list)
    modules: list[Block] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)  # name -> value or _UNKNOWN
    variable_origin: dict[str, str] = field(default_factory=dict)  # name -> "default in x.tf" ...
    locals: dict[str, Any] = field(default_factory=dict)
    locals_path: dict[str, str] = field(default_factory=dict)  # local name -> file that defines it
    data: dict[tuple[str, str], Block] = field(default_factory=dict)  # (type, name) -> data block
    texts: dict[str, str] = field(default_factory=dict)
    problems: list[tuple[str, int, str]] = field(default_factory=list)  # (path, line, message)


def module_files(directory: str) -> list[str]:
    """The module's files by name. Every file of a directory asks (is it the first?), so
    the listing is memoised per directory state: one listdir per directory, not per file."""
    try:
        stamp = os.stat(directory).st_mtime_ns
    except OSError:
        return []
    return list(_listing(directory, stamp))


@lru_cache(maxsize=4096)
def _listing(directory: str, stamp: int) -> tuple[str, ...]:
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return ()
    return tuple(os.path.join(directory, n) for n in names if n.endswith((".tf", ".tf.json")))[:MAX_FILES]


def _read(path: str, max_file_size: int) -> str:
    from nglint.boundary import Refused, read_text

    try:
        return read_text(path, max_file_size)
    except Refused as refused:
        raise ValueError(refused.reason) from None


def inside(path: str, tree_roots: list[str]) -> bool:
    """True when `path` (after symlinks) lies inside a checked tree: nothing else is opened."""
    from nglint.boundary import Boundary

    return Boundary(tree_roots).contains(path)


def load_module(directory: str, max_file_size: int, tree_roots: list[str], inputs: dict | None = None) -> Module:
    """Read every `.tf`/`.tf.json` file of `directory` that lies inside the checked tree
    (a symlink out of it is reported, never opened); bad files become problems."""
    module = Module(directory)
    for path in module_files(directory):
        if not inside(path, tree_roots):
            module.problems.append((path, 1, "is a symlink out of the checked tree; not read"))
            continue
        try:
            text = _read(path, max_file_size)
            data = _parse(path, text)
        except Exception as exc:  # python-hcl2 raises lark errors of many kinds; never crash
            module.problems.append((path, _error_line(exc), f"cannot parse Terraform file: {_first_line(exc)}"))
            continue
        module.texts[path] = text
        _collect(module, path, text, data)
    for path in _tfvars_files(directory):
        if not inside(path, tree_roots):
            continue
        try:
            values = _parse(path, _read(path, max_file_size))
        except Exception as exc:
            module.problems.append((path, _error_line(exc), f"cannot parse variables file: {_first_line(exc)}"))
            continue
        for name, value in (values or {}).items():
            if name in module.variables:
                module.variables[name] = _plain(value)
                module.variable_origin[name] = f"var.{name} = {_plain(value)!r} in {os.path.basename(path)}"
    for name, value in (inputs or {}).items():
        if name in module.variables:
            module.variables[name] = value[0]
            module.variable_origin[name] = value[1]
    return module


def _parse(path: str, text: str) -> dict:
    if path.endswith(".json"):
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("top level is not an object")
        return data
    import hcl2

    try:
        from hcl2.utils import SerializationOptions

        return hcl2.loads(text, serialization_options=SerializationOptions(strip_string_quotes=True))
    except (ImportError, TypeError):  # older python-hcl2: no options; labels are unquoted below
        return hcl2.loads(text)


def _tfvars_files(directory: str) -> list[str]:
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    ordered = [n for n in ("terraform.tfvars", "terraform.tfvars.json") if n in names]
    ordered += [n for n in names if n.endswith((".auto.tfvars", ".auto.tfvars.json"))]
    return [os.path.join(directory, n) for n in ordered]


def _error_line(exc: Exception) -> int:
    line = getattr(exc, "line", None) or getattr(exc, "lineno", None)
    return line if isinstance(line, int) and line > 0 else 1


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _entries(section) -> list[dict]:
    """hcl2 gives a list of one-key dicts per block kind, JSON gives one dict."""
    if isinstance(section, list):
        return [item for item in section if isinstance(item, dict)]
    return [section] if isinstance(section, dict) else []


def _unquote(label: str) -> str:
    return label[1:-1] if len(label) >= 2 and label[0] == label[-1] == '"' else label


def _collect(module: Module, path: str, text: str, data: dict) -> None:
    for entry in _entries(data.get("variable")):
        for name, body in entry.items():
            name = _unquote(name)
            body = body[0] if isinstance(body, list) and body else body
            if isinstance(body, dict) and "default" in body:
                module.variables[name] = _plain(body["default"])
                module.variable_origin[name] = f"default of variable {name!r} in {os.path.basename(path)}"
            else:
                module.variables[name] = _UNKNOWN
                module.variable_origin[name] = f"variable {name!r} has no default and no value in the repository"
    for entry in _entries(data.get("locals")):
        for name, value in entry.items():
            if not name.startswith("__"):
                module.locals[name] = _plain(value)
                module.locals_path[name] = path
    for entry in _entries(data.get("data")):
        for dtype, named in entry.items():
            dtype = _unquote(dtype)
            for named_entry in _entries(named):
                for name, body in named_entry.items():
                    name = _unquote(name)
                    body = body[0] if isinstance(body, list) and body else body
                    if isinstance(body, dict):
                        module.data[(dtype, name)] = Block("data", dtype, name, body, path, 1)
    for entry in _entries(data.get("resource")):
        for rtype, named in entry.items():
            rtype = _unquote(rtype)
            for named_entry in _entries(named):
                for name, body in named_entry.items():
                    name = _unquote(name)
                    body = body[0] if isinstance(body, list) and body else body
                    if isinstance(body, dict):
                        line = block_line(text, path, rtype, name)
                        module.resources.append(Block("resource", rtype, name, body, path, line))
    for entry in _entries(data.get("module")):
        for name, body in entry.items():
            name = _unquote(name)
            body = body[0] if isinstance(body, list) and body else body
            if isinstance(body, dict):
                module.modules.append(Block("module", "module", name, body, path, block_line(text, path, "module", name)))


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        return _unquote(value)
    return value


# -- evaluation ----------------------------------------------------------------------------
_WRAPPED = re.compile(r"^\$\{(.*)\}$", re.S)
_REFERENCE = re.compile(r"^(var|local)\.([A-Za-z_][\w-]*)$")


def evaluate(module: Module, value: Any) -> tuple[Any, str]:
    """(value, words saying where it came from) or (_UNKNOWN, the reason)."""
    if isinstance(value, (int, float, bool)):
        return value, "literal"
    if isinstance(value, str):
        value = _unquote(value)
        match = _WRAPPED.match(value.strip())
        if match is None:
            if "${" in value:
                return _UNKNOWN, f"template {value!r} is not evaluated"
            return value, "literal"
        expression = match.group(1).strip()
        ref = _REFERENCE.match(expression)
        if ref is None:
            return _UNKNOWN, f"expression `{expression}` is not evaluated"
        scope, name = ref.groups()
        if scope == "var":
            if name not in module.variables:
                return _UNKNOWN, f"var.{name} is not declared in {module.directory}"
            found = module.variables[name]
            if found is _UNKNOWN:
                return _UNKNOWN, module.variable_origin[name]
            inner, _ = evaluate(module, found)
            if inner is _UNKNOWN:
                return _UNKNOWN, f"var.{name} is `{found}`, not evaluated"
            return inner, module.variable_origin[name]
        if name not in module.locals:
            return _UNKNOWN, f"local.{name} is not defined"
        inner, how = evaluate(module, module.locals[name])
        return inner, (f"local.{name}" if inner is not _UNKNOWN else how)
    return _UNKNOWN, "not a single value"


def is_unknown(value: Any) -> bool:
    return value is _UNKNOWN


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


# -- line numbers --------------------------------------------------------------------------
def block_line(text: str, path: str, rtype: str, name: str) -> int:
    """Line of a resource/module header, by a search of the raw text (see module docstring)."""
    if path.endswith(".json"):
        type_at = text.find(f'"{rtype}"')
        at = text.find(f'"{name}"', type_at if type_at >= 0 else 0)
        return text.count("\n", 0, at) + 1 if at >= 0 else 1
    if rtype == "module":
        pattern = rf'^\s*module\s+"?{re.escape(name)}"?\s*\{{'
    else:
        pattern = rf'^\s*resource\s+"?{re.escape(rtype)}"?\s+"?{re.escape(name)}"?\s*\{{'
    match = re.search(pattern, text, re.M)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def attribute_line(text: str, path: str, start_line: int, attribute: str) -> int:
    """Line of `attribute` inside the block starting at `start_line`, else the block's line."""
    lines = text.splitlines()
    if path.endswith(".json"):
        pattern = re.compile(rf'^\s*"{re.escape(attribute)}"\s*:')
    else:
        pattern = re.compile(rf"^\s*{re.escape(attribute)}\s*=")
    depth = 0
    for offset, line in enumerate(lines[start_line - 1:start_line - 1 + MAX_BLOCK_LINES]):
        if offset and pattern.match(line):
            return start_line + offset
        depth += line.count("{") - line.count("}")
        if offset and depth <= 0:
            break
    return start_line
