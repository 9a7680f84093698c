"""The README documents every rule (bad and good example) straight from rule metadata."""

import re

from conftest import PROJECT_ROOT
from nglint.docs import END, START, rules_markdown
from nglint.registry import all_rules


def test_readme_rules_section_is_generated_and_current():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(START, 1)[1].split(END, 1)[0]
    assert section.strip() == rules_markdown().strip(), "run: python -m nglint.docs README.md"


def test_every_rule_has_complete_metadata_and_both_examples_in_readme():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    for rule in all_rules():
        assert re.fullmatch(r"[A-Z]+\d{3}", rule.code)
        assert rule.summary and rule.rationale.strip() and rule.bad_example.strip() and rule.good_example.strip()
        heading = f"### {rule.code}"
        assert heading in readme
        block = readme.split(heading, 1)[1].split("\n### ", 1)[0]
        assert "**Example**" in block and "**Use instead**" in block
        assert rule.bad_example.strip().splitlines()[0] in block
        assert rule.good_example.strip().splitlines()[0] in block


def test_packaging_lists_every_subpackage():
    """A subpackage missing from pyproject's package list is missing from the wheel."""
    pyproject = (PROJECT_ROOT / "pyproject.toml").read_text()
    for init in (PROJECT_ROOT / "linter").rglob("__init__.py"):
        rel = init.parent.relative_to(PROJECT_ROOT / "linter")
        if rel.parts:
            assert f'"nglint.{".".join(rel.parts)}"' in pyproject, f"nglint.{'.'.join(rel.parts)} not packaged"
