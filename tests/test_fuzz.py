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
        str(corpus), str(FUZZ / "regressions" / target), str(PROJECT_ROOT / "samples"),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120, cwd=tmp_path)
    crashes = sorted(p.name for p in artifacts.iterdir())
    assert result.returncode == 0 and not crashes, (
        f"fuzzer found {crashes} (copy them into fuzz/regressions/{target}/)\n{result.stderr[-3000:]}"
    )
    assert "Done" in result.stderr  # libFuzzer's summary line: it really ran
