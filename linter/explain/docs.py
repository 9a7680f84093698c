"""Render the cause reference of docs/explain.md from the cause table, so it cannot drift.

`python -m nglint.explain.docs docs/explain.md` rewrites the section between the
markers; tests/test_explain_docs.py fails when the page is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

START, END = "<!-- causes:start -->", "<!-- causes:end -->"


def causes_markdown() -> str:
    from nglint.explain.causes import CAUSES

    parts = ["| Cause | Meaning | Points at the configuration | Related rules |", "|---|---|---|---|"]
    for cause in CAUSES:
        rules = ", ".join(cause.related_rules) or "-"
        parts.append(f"| [`{cause.id}`](#{cause.id}) | {cause.title} | {'yes' if cause.config_problem else 'no'} | {rules} |")
    for cause in CAUSES:
        parts += ["", f"### {cause.id}", "", f"**{cause.title}.** {cause.meaning}", ""]
        parts += [f"**How sure**: {cause.confidence}", "", f"**What to do**: {cause.action}", ""]
        if cause.related_rules:
            parts += [f"**Related rules**: {', '.join(cause.related_rules)}", ""]
        if cause.ambiguous_with:
            others = ", ".join(f"`{other}`" for other in cause.ambiguous_with)
            parts += [f"**Can also be** {others}: {cause.deciding_evidence}", ""]
        if cause.unseen:
            parts += [f"**What nglint cannot see**: {cause.unseen}.", ""]
        if cause.reference:
            parts += [f"**Reference**: <{cause.reference}>", ""]
        parts += ["**Lines like**:", "", "```text", *cause.examples, "```"]
    return "\n".join(parts)


def update(path: Path) -> bool:
    """Rewrite the generated section; True when the file changed."""
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    new = f"{head}{START}\n{causes_markdown()}\n{END}{tail}"
    if new != text:
        path.write_text(new, encoding="utf-8")
        return True
    return False


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/explain.md")
    print(f"{target}: {'updated' if update(target) else 'up to date'}")
