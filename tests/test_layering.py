"""The layers stay layers: the engine does not import rules, readers and the tier model do
not know rule codes, and every diagnostic kind a reader records has exactly one rule that
reports it.

What is checked, and what is deliberately not:

- No module under `linter/` imports `nglint.checks` (an import statement, or a string
  naming the package, which is how importlib, jinja2's PackageLoader and
  importlib.resources reach it), except the registry (the one place that lists checks) and
  the docs generator (it renders the rules' metadata). `fixer/render.py` may name the
  package to read the rules' Jinja templates as package data: it loads no rule module.
- No reader or model module contains a rule code (`KA001`, `P003`, ...) anywhere, in code,
  strings, docstrings or comments: they record diagnostic kinds (nglint.diagnostics) and
  the P-rules map kinds to codes. Readers and model are `linter/sources/`, `linter/tiers/`,
  and the nginx and Tomcat readers and shared reader plumbing that still sit at the top of
  `linter/` (listed below).
- `linter/explain/` is not scanned: it maps causes found in error logs to the rules that
  would have prevented them (`Cause.related_rules`, the "Related rules" of docs/explain.md) and reads
  findings by code, downstream of the checks like a reporter does. Naming rules is its job.
  Engine modules that order stages (runner, suppressions for N001) are not readers either.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT

LINTER = PROJECT_ROOT / "linter"
RULE_CODE = re.compile(r"\b(KA|LB|WS|HC|P|N)\d{3}\b")

MAY_IMPORT_CHECKS = {"registry.py", "docs.py"}
MAY_NAME_CHECKS_PACKAGE = {"fixer/render.py"}  # the rules' templates, as package data

# Reader and model modules outside linter/sources and linter/tiers (glob patterns).
TOP_LEVEL_READERS = ("backends.py", "problems.py", "diagnostics.py", "linking.py", "boundary.py")


def _modules(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*.py") if "__pycache__" not in path.parts)


def _reader_and_model_modules() -> list[Path]:
    found = _modules(LINTER / "sources") + _modules(LINTER / "tiers")
    for pattern in TOP_LEVEL_READERS:
        matches = sorted(LINTER.glob(pattern))
        assert matches, f"linter/{pattern} is gone: update TOP_LEVEL_READERS to where it lives now"
        found.extend(matches)
    return found


def _docstring_nodes(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                ids.add(id(first.value))
    return ids


def checks_references(source: str) -> list[tuple[int, str]]:
    """(line, what) for every import of nglint.checks and every string naming the package
    (docstrings aside: prose may mention it)."""
    tree = ast.parse(source)
    docstrings = _docstring_nodes(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, f"import {a.name}") for a in node.names if a.name.split(".")[:2] == ["nglint", "checks"]]
        elif isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if parts[:2] == ["nglint", "checks"] or (parts == ["nglint"] and any(a.name == "checks" for a in node.names)):
                found.append((node.lineno, f"from {node.module} import ..."))
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
              and re.match(r"nglint\.checks(\.|$)", node.value)):
            found.append((node.lineno, repr(node.value)))
    return found


def rule_codes(source: str) -> list[tuple[int, str]]:
    """(line, code) for every rule code in the source: names, strings, docstrings, comments."""
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        for match in RULE_CODE.finditer(token.string):
            found.append((token.start[0], match.group(0)))
    return found


def test_no_engine_module_imports_the_rules():
    offenders = []
    for path in _modules(LINTER):
        name = path.relative_to(LINTER).as_posix()
        if name in MAY_IMPORT_CHECKS:
            continue
        for line, what in checks_references(path.read_text(encoding="utf-8")):
            if name in MAY_NAME_CHECKS_PACKAGE and what == "'nglint.checks'":
                continue
            offenders.append(f"linter/{name}:{line}: {what}")
    assert offenders == [], "only the registry and the docs generator may import nglint.checks:\n" + "\n".join(offenders)


def test_readers_and_model_name_no_rule_code():
    offenders = [
        f"{path.relative_to(PROJECT_ROOT)}:{line}: {code}"
        for path in _reader_and_model_modules()
        for line, code in rule_codes(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "readers and the tier model record diagnostic kinds, not rule codes:\n" + "\n".join(offenders)


@pytest.mark.parametrize("source, expected", [
    ("import nglint.checks.p001_nginx_parse_error\n", 1),
    ("from nglint.checks import p001_nginx_parse_error\n", 1),
    ("from nglint import checks\n", 1),
    ("import importlib\nimportlib.import_module('nglint.checks.ka001_idle_timeout_outlives_backend')\n", 1),
    ('"""Rules live in nglint.checks."""\nimport nglint.checksum\n', 0),
])
def test_the_import_scan_sees_every_way_in(source, expected):
    assert len(checks_references(source)) == expected


@pytest.mark.parametrize("source, expected", [
    ('Problem("P003", path, 1, "x")\n', ["P003"]),
    ('"""Reported as KA001."""\n', ["KA001"]),
    ("x = 1  # LB002 says so\n", ["LB002"]),
    ('kind = "backend-parse-error"  # HTTP1001 and P0031 are no codes\n', []),
])
def test_the_code_scan_sees_strings_docstrings_and_comments(source, expected):
    assert [code for _, code in rule_codes(source)] == expected


def test_every_diagnostic_kind_has_a_meaning_and_exactly_one_builtin_rule():
    from nglint.diagnostics import KINDS, MEANINGS
    from nglint.registry import all_rules, rule_for_kind

    assert all(MEANINGS[kind].strip() for kind in KINDS)
    reporters = {kind: [rule.code for rule in all_rules() if kind in rule.reports] for kind in KINDS}
    assert {kind: codes for kind, codes in reporters.items() if len(codes) != 1} == {}
    assert rule_for_kind("link-gap").code == "P005" and rule_for_kind("no-such-kind") is None


def test_registry_refuses_a_kind_reported_twice_or_outside_the_vocabulary():
    from nglint.findings import Severity
    from nglint.registry import RegistryError, _check_reported_kinds
    from nglint.rules import Rule

    def rule(code, *kinds):
        return Rule(code, code.lower(), Severity.ERROR, "s", "r", "b", "g", reports=kinds)

    _check_reported_kinds([rule("X001", "refused-file"), rule("X002", "link-gap")])
    with pytest.raises(RegistryError, match="reported by both X001 and X002"):
        _check_reported_kinds([rule("X001", "refused-file"), rule("X002", "refused-file")])
    with pytest.raises(RegistryError, match="no diagnostic kind"):
        _check_reported_kinds([rule("X001", "parse-problem")])
