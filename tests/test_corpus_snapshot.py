"""Findings per rule on the real-world corpus, pinned in a snapshot reviewed like code.

A change in any check, parser or limit that moves these counts shows up as a diff of
tests/snapshots/corpus_findings.json in the pull request. After an intended change:

    NGLINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_corpus_snapshot.py
"""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest

from conftest import run_cli

SNAPSHOT = os.path.join(os.path.dirname(__file__), "snapshots", "corpus_findings.json")
UPDATE = os.environ.get("NGLINT_UPDATE_SNAPSHOTS", "") not in ("", "0")


def _summary(payload: dict) -> dict:
    by_rule = Counter(f["rule"] for f in payload["findings"])
    by_severity = Counter(f["severity"] for f in payload["findings"])
    return {
        "files_checked": payload["summary"]["files_checked"],
        "findings_by_rule": dict(sorted(by_rule.items())),
        "findings_by_severity": dict(sorted(by_severity.items())),
        "total": len(payload["findings"]),
    }


def test_corpus_findings_match_snapshot(corpus):
    # cwd is the corpus so no project config file of ours is picked up on the way.
    result = run_cli("check", ".", "--format", "json", cwd=corpus)
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    actual = _summary(json.loads(result.stdout))
    if UPDATE or not os.path.exists(SNAPSHOT):
        with open(SNAPSHOT, "w", encoding="utf-8") as handle:
            json.dump(actual, handle, indent=2, sort_keys=True)
            handle.write("\n")
        if not UPDATE:
            pytest.fail(f"snapshot {SNAPSHOT} was missing and has been written; review and commit it")
    with open(SNAPSHOT, encoding="utf-8") as handle:
        expected = json.load(handle)
    assert actual == expected, "corpus findings changed; if intended, rerun with NGLINT_UPDATE_SNAPSHOTS=1 and commit the diff"
