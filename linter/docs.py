"""Render the rules reference from rule metadata, so docs cannot drift from the code.

`python -m nglint.docs` rewrites the README section between the rules markers;
a test fails when the README is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

START, END = "<!-- rules:start -->", "<!-- rules:end -->"


def rules_markdown() -> str:
    from nglint.registry import BUILTIN_CHECKS
    import importlib

    rules = sorted((importlib.import_module(name).RULE for name in BUILTIN_CHECKS), key=lambda r: r.code)
    parts = ["| Code | Name | Severity | Fix | Summary |", "|---|---|---|---|---|"]
    for rule in rules:
        parts.append(f"| [{rule.code}](#{rule.code.lower()}) | `{rule.name}` | {rule.severity.value} | {rule.fix_safety or '-'} | {rule.summary} |")
    parts.append("")
    for rule in rules:
        parts.append(f"### {rule.code}")
        parts.append("")
        parts.append(rule.render_markdown())
    return "\n".join(parts)


def update_readme(path: Path) -> bool:
    """Rewrite the generated section; True when the file changed."""
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    new = f"{head}{START}\n{rules_markdown()}\n{END}{tail}"
    if new != text:
        path.write_text(new, encoding="utf-8")
        return True
    return False


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    changed = update_readme(target)
    print(f"{target}: {'updated' if changed else 'up to date'}")
