"""samples/fixes/<rule>/{before,after}: --diff, --fix, nginx -t, JSON and SARIF, per rule.

after/ holds exactly the files `--fix` rewrites, byte for byte; every other file of
before/ must come out untouched.
"""

import json
import shutil
import subprocess

import pytest

from conftest import run_cli
from fix_helpers import (FIX_SAMPLES, RULES, UNSAFE_RULES, apply_json_edits, check_patch, expected_after, nginx_t,
                         nglint_bytes, require_tool, snapshot)


def test_every_fixable_rule_has_a_sample_pair():
    # KA002 has a display-only fix (it fires only where no backend timeout is known).
    assert RULES == ["KA001", "KA003", "KA004", "KA005", "LB001", "LB002", "WS001"]
    for rule in RULES:
        assert snapshot(FIX_SAMPLES / rule / "after"), rule


def _copy(rule, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(FIX_SAMPLES / rule / "before", work)
    return work


def _flags(rule):
    return ["--unsafe-fixes"] if rule in UNSAFE_RULES else []


@pytest.mark.parametrize("rule", RULES)
def test_before_passes_nginx_t_and_reports_the_rule(rule, tmp_path):
    result = nginx_t(FIX_SAMPLES / rule / "before" / "nginx", tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(run_cli("check", ".", "--format", "json", cwd=FIX_SAMPLES / rule / "before").stdout)
    assert rule in {f["rule"] for f in report["findings"]}


@pytest.mark.parametrize("rule", RULES)
def test_diff_applies_with_git_and_patch_and_writes_nothing(rule, tmp_path):
    work = _copy(rule, tmp_path)
    before = snapshot(work)
    diff = nglint_bytes("check", "--diff", *_flags(rule), ".", cwd=work)
    patch, code = diff.stdout, diff.returncode
    assert code == 1 and patch.startswith(b"--- a/nginx/"), patch
    assert snapshot(work) == before  # --diff writes nothing
    check_patch(patch, work)
    git = require_tool("git")
    applied = subprocess.run([git, "apply", str(work.parent / "work.patch")], cwd=work, capture_output=True, text=True)
    assert applied.returncode == 0, applied.stderr
    assert snapshot(work) == expected_after(rule)


@pytest.mark.parametrize("rule", RULES)
def test_fix_gives_after_byte_for_byte_passes_nginx_t_and_is_idempotent(rule, tmp_path):
    work = _copy(rule, tmp_path)
    first = run_cli("check", "--fix", *_flags(rule), ".", "--format", "json", cwd=work)
    assert first.returncode in (0, 1), first.stderr
    assert snapshot(work) == expected_after(rule)
    assert "Applied 1 fix(es)" in first.stderr
    remaining = {f["rule"] for f in json.loads(first.stdout)["findings"]}
    assert rule not in remaining and remaining <= {"P005"}
    assert first.returncode == 0  # only info findings remain

    checked = nginx_t(work / "nginx", tmp_path)
    assert checked.returncode == 0, checked.stderr

    again = run_cli("check", "--fix", "--unsafe-fixes", ".", cwd=work)
    assert again.returncode == 0 and "Applied" not in again.stderr
    assert snapshot(work) == expected_after(rule)
    assert run_cli("check", "--diff", "--unsafe-fixes", ".", cwd=work).stdout == ""


@pytest.mark.parametrize("rule", sorted(UNSAFE_RULES))
def test_unsafe_fixes_need_the_flag(rule, tmp_path):
    work = _copy(rule, tmp_path)
    before = snapshot(work)
    result = run_cli("check", "--fix", ".", cwd=work)
    assert result.returncode == 1
    assert snapshot(work) == before
    assert "--unsafe-fixes" in result.stderr
    assert run_cli("check", "--diff", ".", cwd=work).returncode == 0


@pytest.mark.parametrize("rule", RULES)
def test_json_fix_edits_reproduce_the_after_files(rule, tmp_path):
    report = json.loads(run_cli("check", ".", "--format", "json", cwd=FIX_SAMPLES / rule / "before").stdout)
    (finding,) = [f for f in report["findings"] if f["rule"] == rule]
    fix = finding["fix"]
    assert fix["safety"] == ("unsafe" if rule in UNSAFE_RULES else "safe")
    assert fix["description"]
    for edit in fix["edits"]:
        assert set(edit) == {"path", "start", "end", "text"}
        assert set(edit["start"]) == set(edit["end"]) == {"line", "column"}
    tree = snapshot(FIX_SAMPLES / rule / "before")
    for path in {edit["path"] for edit in fix["edits"]}:
        tree[path] = apply_json_edits(tree[path], [e for e in fix["edits"] if e["path"] == path])
    assert tree == expected_after(rule)
    others = [f for f in report["findings"] if f["rule"] == "P005"]
    assert all(f["fix"] is None for f in others)


def test_sarif_carries_the_fix(tmp_path):
    sample = FIX_SAMPLES / "KA001" / "before"
    out = tmp_path / "out.sarif"
    run_cli("check", ".", "--format", "sarif", "--output", str(out), cwd=sample)
    (result,) = json.loads(out.read_text())["runs"][0]["results"]
    (fix,) = result["fixes"]
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "nginx/conf.d/upstreams.conf"
    (replacement,) = change["replacements"]
    assert replacement["deletedRegion"] == {"startLine": 4, "startColumn": 1, "endLine": 4, "endColumn": 1}
    assert replacement["insertedContent"]["text"].startswith("\tkeepalive_timeout 18s;")
