"""docs/explain.md documents every cause id, generated from the cause table."""

from __future__ import annotations

from conftest import PROJECT_ROOT
from nglint.explain.causes import CAUSES
from nglint.explain.docs import END, START, causes_markdown

DOC = PROJECT_ROOT / "docs" / "explain.md"


def test_cause_section_is_generated_and_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text.split(START, 1)[1].split(END, 1)[0]
    assert section.strip() == causes_markdown().strip(), "run: python -m nglint.explain.docs docs/explain.md"


def test_doc_lists_every_cause_id_with_its_documentation() -> None:
    text = DOC.read_text(encoding="utf-8")
    for cause in CAUSES:
        block = text.split(f"### {cause.id}\n", 1)[1].split("\n### ", 1)[0]
        assert cause.meaning in block and cause.action in block and cause.confidence in block
        for rule in cause.related_rules:
            assert rule in block


def test_doc_states_the_exit_codes() -> None:
    text = DOC.read_text(encoding="utf-8")
    for code in ("| 0 |", "| 1 |", "| 2 |"):
        assert code in text
