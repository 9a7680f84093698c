"""Every rule case under tests/rules/<CODE>/<case>/, run by one parametrised test.

A case is data: `bad/` (an input tree and the findings it must give, in `case.toml`),
`good/` (its twin, which must give none of the selected rules' findings), `messages.txt`
(a snapshot of the messages the bad tree gives, regenerated with
NGLINT_UPDATE_SNAPSHOTS=1), and optionally `fixed/` (the files `--fix` must rewrite, byte
for byte; `--unsafe-fixes` when the rule's fix is unsafe). See tests/rules/README.md.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from conftest import lint_paths

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CASES_DIR = Path(__file__).parent / "rules"
UPDATE = os.environ.get("NGLINT_UPDATE_SNAPSHOTS") == "1"
CASES = sorted(path.parent for path in CASES_DIR.glob("*/*/case.toml"))


def _settings(case: dict) -> dict:
    settings = {"discover_config": False}
    if "select" in case:
        settings["select"] = list(case["select"])
    if "nginx-version" in case:
        settings["nginx_version"] = case["nginx-version"]
    if "margin" in case:
        settings["margin"] = case["margin"]
    return settings


def _lint(tree: Path, case: dict):
    return lint_paths([str(tree)], cwd=tree, **_settings(case))


def _describe(report) -> list[str]:
    lines = []
    for finding in report.findings:
        lines.append(f"{finding.rule} {report.display_path(finding.path)}:{finding.line}: {finding.message}")
        lines.extend(f"    source: {source}" for source in finding.sources)
        for related in finding.related:
            lines.append(f"    related {report.display_path(related.location.path)}:{related.location.line}: {related.message}")
    return lines


def _load(case_dir: Path) -> dict:
    with open(case_dir / "case.toml", "rb") as handle:
        return tomllib.load(handle)


def _copy(source: Path, tmp_path: Path) -> Path:
    work = tmp_path / "tree"
    shutil.copytree(source, work)
    return work


@pytest.mark.parametrize("case_dir", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_bad_tree_gives_exactly_the_expected_findings(case_dir: Path, tmp_path: Path, monkeypatch):
    case = _load(case_dir)
    tree = _copy(case_dir / "bad", tmp_path)
    monkeypatch.chdir(tree)  # messages name other files relative to the working directory
    report = _lint(tree, case)
    got = [f"{f.rule} {report.display_path(f.path)}:{f.line}" for f in report.findings]
    assert got == case["expect"]
    assert case_dir.parent.name in {f.rule for f in report.findings}, "a case must trigger its own rule"
    snapshot = case_dir / "messages.txt"
    text = "\n".join(_describe(report)) + "\n"
    if UPDATE or not snapshot.exists():
        snapshot.write_text(text, encoding="utf-8")
    assert text == snapshot.read_text(encoding="utf-8")


@pytest.mark.parametrize("case_dir", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_good_twin_is_clean(case_dir: Path, tmp_path: Path):
    case = _load(case_dir)
    report = _lint(_copy(case_dir / "good", tmp_path), case)
    assert [f"{f.rule} {report.display_path(f.path)}:{f.line}" for f in report.findings] == case.get("good-expect", [])


FIX_CASES = [case for case in CASES if (case / "fixed").is_dir()]


@pytest.mark.parametrize("case_dir", FIX_CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fix_rewrites_exactly_the_fixed_files(case_dir: Path, tmp_path: Path, capsys):
    from nglint.cli import main
    from nglint.registry import rule_by_code

    case = _load(case_dir)
    work = _copy(case_dir / "bad", tmp_path)
    before = {p.relative_to(work): p.read_bytes() for p in work.rglob("*") if p.is_file()}
    args = ["check", str(work), "--fix", "--select", ",".join(case.get("select", [case_dir.parent.name]))]
    if rule_by_code(case_dir.parent.name).fix_safety == "unsafe":
        args.append("--unsafe-fixes")
    if "nginx-version" in case:
        args += ["--nginx-version", case["nginx-version"]]
    main(args)
    capsys.readouterr()
    expected = {p.relative_to(case_dir / "fixed"): p.read_bytes() for p in (case_dir / "fixed").rglob("*") if p.is_file()}
    after = {p.relative_to(work): p.read_bytes() for p in work.rglob("*") if p.is_file()}
    changed = {path for path in after if after[path] != before.get(path)}
    assert changed == set(expected), "--fix must rewrite exactly the files under fixed/"
    for path, content in expected.items():
        assert after[path] == content, path


def test_every_rule_has_a_case_with_a_twin():
    from nglint.registry import all_rules

    covered = {case.parent.name for case in CASES}
    missing = [rule.code for rule in all_rules() if rule.code not in covered]
    assert not missing, f"rules without a case under tests/rules/: {missing}"
    for case in CASES:
        assert (case / "bad").is_dir() and (case / "good").is_dir(), case
