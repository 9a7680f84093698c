"""The fuzz harness: saved crashers replay clean; each atheris target runs briefly.

Replaying fuzz/regressions/ needs nothing extra. The bounded atheris runs need
`pip install atheris`; they fail under CI=true when it is missing and skip otherwise.
NGLINT_FUZZ_SECONDS sets the time per target (default 5).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import IN_CI, PROJECT_ROOT

FUZZ = PROJECT_ROOT / "fuzz"
sys.path.insert(0, str(FUZZ))
import targets  # noqa: E402

REGRESSIONS = sorted((FUZZ / "regressions").glob("*/*"))


@pytest.mark.parametrize("path", REGRESSIONS, ids=[f"{p.parent.name}/{p.name}" for p in REGRESSIONS])
def test_saved_crasher_replays_clean(path: Path):
    targets.TARGETS[path.parent.name](path.read_bytes())


def test_there_are_regressions_for_every_target():
    assert {p.parent.name for p in REGRESSIONS} == set(targets.TARGETS)


@pytest.mark.parametrize("target", sorted(targets.TARGETS))
def test_atheris_target_runs_without_crashing(target, tmp_path):
    if importlib.util.find_spec("atheris") is None:
        if IN_CI:
            pytest.fail("atheris is not installed; CI must `pip install atheris`")
        pytest.skip("atheris is not installed (pip install atheris)")
    seconds = int(os.environ.get("NGLINT_FUZZ_SECONDS", "5"))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    command = [
        sys.executable, str(FUZZ / "run.py"), target,
        f"-max_total_time={seconds}", f"-artifact_prefix={artifacts}/", "-timeout=30", "-rss_limit_mb=2048",
        str(corpus), str(FUZZ / "regressions" / target),
    ]
    if target != "tree":  # sample configs are file contents; the tree target's seeds describe trees
        command.append(str(PROJECT_ROOT / "samples"))
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120, cwd=tmp_path)
    crashes = sorted(p.name for p in artifacts.iterdir())
    assert result.returncode == 0 and not crashes, (
        f"fuzzer found {crashes} (copy them into fuzz/regressions/{target}/)\n{result.stderr[-3000:]}"
    )
    assert "Done" in result.stderr  # libFuzzer's summary line: it really ran


def test_tree_target_reaches_the_cli_in_every_format():
    """The whole-tree target really lints: every format reports the tree's findings."""
    from nglint.cli import FORMATS

    results = targets.TARGETS["tree"]((FUZZ / "regressions" / "tree" / "include-outside-and-links").read_bytes())
    assert sorted(results) == sorted(FORMATS)
    for fmt, (code, stdout, _) in results.items():
        assert code == 1, fmt
        assert "KA001" in stdout and "outside the checked tree" in stdout, (fmt, stdout[:2000])


def test_tree_target_catches_a_name_from_outside_in_every_format():
    """The canary: with a sentinel-named file planted inside the tree, the CLI prints its
    name in every format and the oracle fails each one, as it would for a leaked outside name."""
    import whole_tree

    seed = (FUZZ / "regressions" / "tree" / "include-outside-and-links").read_bytes()
    results = whole_tree.lint_tree(seed, plant_inside=True)
    for fmt, result in results.items():
        assert whole_tree.SENTINEL in result[1], fmt
        with pytest.raises(AssertionError, match="leaked"):
            whole_tree.verify(fmt, *result)


def test_tree_target_decodes_any_bytes():
    """Every byte string is a tree description (no input is rejected before the CLI runs)."""
    import whole_tree

    for data in (b"", b"\x00", b"\x00\x00" * 40, bytes(range(256)), b"\xff" * 5000):
        entries = whole_tree.decode(data)
        assert len(entries) <= whole_tree.MAX_ENTRIES
        assert all(kind in ("file", "link", "config") and b"\x00" not in rel for kind, rel, _ in entries)
