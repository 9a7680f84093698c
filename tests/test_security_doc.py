"""SECURITY.md's table of guarantees cites tests that exist.

A guarantee is only as good as the test named beside it: a renamed or deleted test would
leave the document promising what nothing checks any more. Each cell of the table's
"test" column names files and test functions in backticks (`tests/test_x.py::name`,
`test_x.py::name` for a file under tests/, `::name` for the file named just before, or a
bare path such as `bench/shapes.py`); each one must exist, the functions found in the
file's syntax tree (a parametrized test is cited by its function name).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECURITY = ROOT / "SECURITY.md"
HEADING = "## Each guarantee and the test that proves it"


def table_rows() -> list[tuple[str, str]]:
    text = SECURITY.read_text(encoding="utf-8")
    assert HEADING in text, "SECURITY.md lost its table of guarantees"
    section = text.split(HEADING, 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        if len(cells) == 2 and cells != ["guarantee", "test"] and not set(cells[0]) <= set("-"):
            rows.append((cells[0], cells[1]))
    return rows


def citations(cell: str) -> list[tuple[str, str | None]]:
    """(file relative to the repository, test name or None) for each backticked reference."""
    found, current = [], None
    for ref in re.findall(r"`([^`]+)`", cell):
        path, _, name = ref.partition("::")
        if path:
            if not re.fullmatch(r"[\w./-]+\.py", path):
                continue  # code in backticks, not a reference (`/proc/1/cwd`)
            current = path if "/" in path else f"tests/{path}"
        elif current is None:
            raise AssertionError(f"{ref!r} has no file before it in: {cell}")
        found.append((current, name or None))
    return found


def defined_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.update(f"{node.name}::{item.name}" for item in node.body if isinstance(item, ast.FunctionDef))
    return names


def test_every_cited_test_exists():
    rows = table_rows()
    assert len(rows) >= 10
    missing = []
    for guarantee, cell in rows:
        refs = citations(cell)
        assert refs, f"no test cited for: {guarantee}"
        for path, name in refs:
            file = ROOT / path
            if not file.is_file():
                missing.append(f"{path} (for: {guarantee})")
            elif name is not None and name not in defined_tests(file):
                missing.append(f"{path}::{name} (for: {guarantee})")
    assert not missing, "SECURITY.md cites tests that do not exist:\n" + "\n".join(missing)


def test_citations_are_read_as_written():
    """The reader of the table itself: relative forms resolve to the right file."""
    cell = "`tests/test_a.py::one`, `::two`, `test_b.py::three`, `bench/shapes.py`, `/proc/1/cwd`"
    assert citations(cell) == [("tests/test_a.py", "one"), ("tests/test_a.py", "two"), ("tests/test_b.py", "three"), ("bench/shapes.py", None)]
