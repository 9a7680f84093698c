"""The rule reference, generated from rule metadata so the docs cannot drift from the code.

One page per rule, `docs/rules/<CODE>.md` (what `Rule.help_uri`, text-output hyperlinks
and SARIF `helpUri` point at), and an index, `docs/rules/README.md`. Run
`python -m nglint.docs` to rewrite them, `python -m nglint.docs --check` to only say
whether they are current (tests/test_docs.py fails when they are not).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nglint.rules import Rule

_SAFETY = {
    "safe": "safe: `nglint check --fix` applies it.",
    "unsafe": "unsafe: applied only with `--fix --unsafe-fixes`, since it can change behaviour; review it first.",
    "display": "display only: shown in `--diff`, JSON and SARIF, never applied.",
}


def builtin_rules() -> list[Rule]:
    """Rules shipped with nglint (plugins document themselves), sorted by code."""
    import importlib

    from nglint.registry import BUILTIN_CHECKS

    return sorted((importlib.import_module(name).RULE for name in BUILTIN_CHECKS), key=lambda rule: rule.code)


def _lang(rule: Rule) -> str:
    return "xml" if rule.bad_example.lstrip().startswith("<") else "nginx"


def rule_page(rule: Rule) -> str:
    """Markdown page of one rule: what, why, example, use instead, fix, fix safety, since."""
    lang = _lang(rule)
    fix = rule.fix or "No automatic fix."
    lines = [
        f"# {rule.code}: {rule.name}",
        "",
        "<!-- Generated from the rule's metadata by `python -m nglint.docs`; edit the rule, not this page. -->",
        "",
        "| Severity | Fix | Since | Tags |",
        "|---|---|---|---|",
        f"| {rule.severity.value} | {rule.fix_safety or 'none'} | {rule.since} | {', '.join(rule.tags) or '-'} |",
        "",
        "## What it does",
        "",
        rule.summary,
        "",
        "## Why is this bad?",
        "",
        " ".join(rule.rationale.split()),
        "",
        "## Example",
        "",
        f"```{lang}",
        rule.bad_example.strip("\n"),
        "```",
        "",
        "## Use instead",
        "",
        f"```{lang}",
        rule.good_example.strip("\n"),
        "```",
        "",
        "## Fix",
        "",
        fix,
        "",
        f"Fix safety: {_SAFETY.get(rule.fix_safety or '', 'not fixable automatically.')}",
        "",
        "## Configuration",
        "",
        f'- Turn it off: `ignore = ["{rule.code}"]`, or per file in `per-file-ignores`.',
        f'- Change its severity: `[severity]` `{rule.code} = "error"` (see [configuration](../configuration.md)).',
        f"- Silence one finding, with the reason: `# nglint: disable={rule.code} reason` "
        "(see [suppressions](../suppressions.md)).",
        "",
        "[All rules](README.md)",
    ]
    return "\n".join(lines) + "\n"


def index_page(rules: list[Rule]) -> str:
    lines = [
        "# Rules",
        "",
        "<!-- Generated from the rules' metadata by `python -m nglint.docs`. -->",
        "",
        "`nglint rules` lists them, `nglint rule CODE` prints one page in the terminal.",
        "",
        "| Code | Name | Severity | Fix | Summary |",
        "|---|---|---|---|---|",
    ]
    for rule in rules:
        summary = rule.summary.replace("|", "\\|")
        lines.append(f"| [{rule.code}]({rule.code}.md) | `{rule.name}` | {rule.severity.value} | {rule.fix_safety or '-'} | {summary} |")
    return "\n".join(lines) + "\n"


def expected_pages(rules: list[Rule] | None = None) -> dict[str, str]:
    """File name (in docs/rules) -> content, for every generated page."""
    rules = builtin_rules() if rules is None else rules
    pages = {f"{rule.code}.md": rule_page(rule) for rule in rules}
    pages["README.md"] = index_page(rules)
    return pages


def stale_pages(directory: Path) -> list[str]:
    """Generated pages that are missing, different, or left over from a removed rule."""
    pages = expected_pages()
    stale = [name for name, text in pages.items()
             if not (directory / name).is_file() or (directory / name).read_text(encoding="utf-8") != text]
    stale += [path.name for path in sorted(directory.glob("*.md")) if path.name not in pages]
    return stale


def write_pages(directory: Path) -> list[str]:
    """Rewrite the generated pages; the names of those that changed."""
    directory.mkdir(parents=True, exist_ok=True)
    changed = stale_pages(directory)
    pages = expected_pages()
    for name in changed:
        if name in pages:
            (directory / name).write_text(pages[name], encoding="utf-8")
        else:
            (directory / name).unlink()
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nglint.docs", description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", default="docs/rules", help="where the rule pages live")
    parser.add_argument("--check", action="store_true", help="exit 1 when a page is stale, write nothing")
    args = parser.parse_args(argv)
    directory = Path(args.directory)
    if args.check:
        stale = stale_pages(directory)
        for name in stale:
            print(f"{directory / name}: stale (run: python -m nglint.docs)")
        return 1 if stale else 0
    changed = write_pages(directory)
    print(f"{directory}: {len(changed)} page(s) updated" if changed else f"{directory}: up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
