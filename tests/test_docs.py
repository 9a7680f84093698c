"""The docs: generated rule pages are current, every relative link resolves, the README
stays a landing page, and the reviewdog recipe's command produces valid rdjson."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT

from nglint.docs import expected_pages, rule_page, stale_pages
from nglint.registry import all_rules

RULES_DIR = PROJECT_ROOT / "docs" / "rules"
TEST_COMMAND = "bash .ci/install-system.sh && python -m pip install -e '.[test,fuzz]' && python -m pytest"


def test_rule_pages_are_generated_and_current():
    assert stale_pages(RULES_DIR) == [], "run: python -m nglint.docs"


def test_stale_and_leftover_pages_are_detected(tmp_path: Path):
    copy = tmp_path / "rules"
    shutil.copytree(RULES_DIR, copy)
    assert stale_pages(copy) == []
    (copy / "KA001.md").write_text((copy / "KA001.md").read_text() + "hand edit\n")
    (copy / "ZZ999.md").write_text("# gone\n")
    (copy / "KA002.md").unlink()
    assert sorted(stale_pages(copy)) == ["KA001.md", "KA002.md", "ZZ999.md"]
    result = subprocess.run([sys.executable, "-m", "nglint.docs", "--check", str(copy)], capture_output=True, text=True)
    assert result.returncode == 1 and "KA001.md: stale" in result.stdout
    subprocess.run([sys.executable, "-m", "nglint.docs", str(copy)], check=True, capture_output=True)
    assert stale_pages(copy) == [] and not (copy / "ZZ999.md").exists()


def test_every_rule_has_complete_metadata_and_a_page():
    pages = expected_pages()
    for rule in all_rules():
        assert re.fullmatch(r"[A-Z]+\d{3}", rule.code)
        assert rule.summary and rule.rationale.strip() and rule.bad_example.strip() and rule.good_example.strip()
        assert re.fullmatch(r"\d+\.\d+\.\d+", rule.since)
        page = pages[f"{rule.code}.md"]
        for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix"):
            assert heading in page, (rule.code, heading)
        assert rule.bad_example.strip().splitlines()[0] in page.split("## Use instead")[0]
        assert rule.good_example.strip().splitlines()[0] in page.split("## Use instead")[1]
        assert "Fix safety: " in page and f"| {rule.since} |" in page
        # the URL every output format links to is this page
        assert rule.help_uri.endswith(f"/docs/rules/{rule.code}.md")
        assert (RULES_DIR / f"{rule.code}.md").read_text() == rule_page(rule)
        assert f"[{rule.code}]({rule.code}.md)" in pages["README.md"]


def _markdown_files() -> list[Path]:
    files = [PROJECT_ROOT / "README.md", PROJECT_ROOT / "SECURITY.md", PROJECT_ROOT / "CHANGELOG.md"]
    return files + sorted((PROJECT_ROOT / "docs").rglob("*.md"))


def _without_code(text: str) -> str:
    text = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    return re.sub(r"`[^`\n]*`", "", text)


def _anchors(path: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    anchors = set()
    for heading in re.findall(r"^#{1,6} (.+)$", re.sub(r"^```.*?^```", "", path.read_text(), flags=re.MULTILINE | re.DOTALL),
                              re.MULTILINE):
        anchors.add(re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-"))
    return anchors


def broken_links(files: list[Path]) -> list[str]:
    broken = []
    for source in files:
        for target in re.findall(r"\]\(([^)\s]+)\)", _without_code(source.read_text())):
            if re.match(r"[a-z]+:", target):
                continue  # an absolute URL: not checked (no network in tests)
            path_part, _, anchor = target.partition("#")
            resolved = (source.parent / path_part).resolve() if path_part else source
            where = f"{source.relative_to(PROJECT_ROOT)}: ({target})"
            if not resolved.exists():
                broken.append(f"{where}: no such file")
            elif anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved):
                broken.append(f"{where}: no heading #{anchor}")
            elif PROJECT_ROOT not in resolved.parents and resolved != PROJECT_ROOT:
                broken.append(f"{where}: outside the repository")
    return broken


def test_relative_links_resolve():
    assert broken_links(_markdown_files()) == []


def test_link_checker_catches_broken_links(tmp_path: Path):
    page = PROJECT_ROOT / "docs" / "_link_check_probe.md"
    page.write_text("[gone](nowhere.md) [bad anchor](usage.md#no-such-heading) [ok](usage.md) `[code](x.md)`\n")
    try:
        problems = broken_links([page])
    finally:
        page.unlink()
    assert len(problems) == 2 and "nowhere.md" in problems[0] and "#no-such-heading" in problems[1]


def test_readme_is_a_landing_page_with_the_ci_command():
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 250
    assert TEST_COMMAND in readme  # .ci/run runs exactly this
    for page in ("docs/rules/README.md", "docs/configuration.md", "docs/integrations.md", "SECURITY.md",
                 "docs/benchmarks.md", "docs/proof.md", "docs/samples.md"):
        assert f"]({page})" in readme, page
    assert "rev: v" in readme and "uses: nglint/nglint@v" in readme


def test_packaging_lists_every_subpackage():
    """A subpackage missing from pyproject's package list is missing from the wheel."""
    pyproject = (PROJECT_ROOT / "pyproject.toml").read_text()
    for init in (PROJECT_ROOT / "linter").rglob("__init__.py"):
        rel = init.parent.relative_to(PROJECT_ROOT / "linter")
        if rel.parts:
            assert f'"nglint.{".".join(rel.parts)}"' in pyproject, f"nglint.{'.'.join(rel.parts)} not packaged"


def test_reviewdog_recipe_produces_valid_rdjson(tmp_path: Path):
    """The recipe's nglint command, run as written on the samples, writes rdjson that
    reviewdog's published schema accepts."""
    from test_output_formats import validation_errors

    text = (PROJECT_ROOT / "docs" / "integrations.md").read_text()
    recipe = text.split("<!-- recipe:reviewdog -->", 1)[1].split("```", 2)[1]
    [command] = [line.strip() for line in recipe.splitlines() if line.strip().startswith("nglint check")]
    assert "--format rdjson" in command
    shutil.copytree(PROJECT_ROOT / "samples", tmp_path / "samples")
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(["bash", "-c", command], cwd=tmp_path / "samples", capture_output=True, text=True,
                            env={"PATH": f"{bin_dir}:/usr/bin:/bin"}, timeout=300)
    assert result.returncode == 0, result.stderr  # `|| true`
    output = (tmp_path / "samples" / "nglint.rdjson").read_text()
    assert validation_errors("rdjson", output) == []
    diagnostics = json.loads(output)["diagnostics"]
    assert any(d["code"]["value"] == "KA001" and d.get("suggestions") for d in diagnostics)


@pytest.mark.parametrize("page", ["docs/configuration.md", "docs/usage.md"])
def test_new_options_are_documented(page: str):
    text = (PROJECT_ROOT / page).read_text()
    if page.endswith("configuration.md"):
        for key in ("fail-on", "respect-gitignore", "severity", "per-file-ignores", "exclude"):
            assert key in text, key
    else:
        for option in ("--output-format", "--color", "--stdin-filename", "--fail-on", "nglint init", "gitlab", "rdjson"):
            assert option in text, option
