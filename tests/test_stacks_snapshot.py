"""Chains and findings on the real deployment stacks of the shared corpus, per backend kind,
pinned in tests/snapshots/stacks.json and reviewed like code. After an intended change:

    NGLINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_stacks_snapshot.py
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict

import pytest

from conftest import run_cli

SNAPSHOT = os.path.join(os.path.dirname(__file__), "snapshots", "stacks.json")
UPDATE = os.environ.get("NGLINT_UPDATE_SNAPSHOTS", "") not in ("", "0")


def _stack(path: str) -> str:
    parts = path.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "stacks" else parts[0]


def _summary(topology: dict, check: dict) -> dict:
    chains: dict[str, set] = defaultdict(set)
    kinds: dict[str, Counter] = defaultdict(Counter)
    for chain in topology["chains"]:
        for hop in chain["hops"]:
            client, server = hop["client"], hop["server"]
            if client["tier"] != "nginx" or not client["label"].startswith(("nginx upstream", "nginx proxy_pass")):
                continue
            stack = _stack(client["location"])
            idle = server["idle_timeout_ms"]
            chains[stack].add(f"{client['label']} -> {server['label']} [{server['tier']}] "
                              f"{'unknown' if not server['known'] else idle}ms via {hop['via']}: {hop['verdict']}")
            kinds[server["tier"]][hop["verdict"]] += 1
    findings: dict[str, Counter] = defaultdict(Counter)
    for finding in check["findings"]:
        findings[_stack(finding["path"])][finding["rule"]] += 1
    return {
        "chains": {stack: sorted(lines) for stack, lines in sorted(chains.items())},
        "verdicts_by_backend_kind": {kind: dict(sorted(c.items())) for kind, c in sorted(kinds.items())},
        "findings": {stack: dict(sorted(c.items())) for stack, c in sorted(findings.items())},
    }


def test_stacks_chains_and_findings_match_snapshot(corpus):
    if not (corpus / "stacks").is_dir():
        pytest.skip("the corpus has no stacks/")
    topology = run_cli("topology", "stacks", "--format", "json", cwd=corpus)
    check = run_cli("check", "stacks", "--format", "json", cwd=corpus)
    for result in (topology, check):
        assert result.returncode in (0, 1), result.stderr
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    actual = _summary(json.loads(topology.stdout), json.loads(check.stdout))
    if UPDATE or not os.path.exists(SNAPSHOT):
        with open(SNAPSHOT, "w", encoding="utf-8") as handle:
            json.dump(actual, handle, indent=2, sort_keys=True)
            handle.write("\n")
        if not UPDATE:
            pytest.fail(f"snapshot {SNAPSHOT} was missing and has been written; review and commit it")
    with open(SNAPSHOT, encoding="utf-8") as handle:
        expected = json.load(handle)
    assert actual == expected, "stack chains or findings changed; if intended, rerun with NGLINT_UPDATE_SNAPSHOTS=1 and commit the diff"
