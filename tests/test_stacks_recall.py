"""Recall and precision of nglint on the real stacks of the shared corpus, against a truth
written by hand (tests/data/stacks_truth.toml).

The maintainers measure nglint on public repositories we have not seen; the corpus stacks
are the closest proxy we have. Each stack is checked on its own, from its root, as a user
would run `nglint check` and `nglint topology` there. Two questions are scored:

* linking: for every nginx -> backend hop the truth links (a known server kind), did
  nglint link the same nginx upstream (or implicit proxy_pass upstream) to the same
  backend and kind? And is every hop nglint linked one the truth has?
* race verdict: for every hop the truth calls a race (KA001) or an unknown-version warning
  (KA005), did nglint say the same? And is every race/warning nglint reports one the truth has?

Both must reach 90%. The table and the misses are printed (pytest -s shows them).
"""

from __future__ import annotations

import json
import os
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import run_cli

TRUTH = Path(__file__).parent / "data" / "stacks_truth.toml"
THRESHOLD = 0.90
POSITIVE = ("race", "warn")


def load_truth() -> list[dict]:
    with open(TRUTH, "rb") as handle:
        return tomllib.load(handle)["stack"]


def measured(hop: dict) -> bool:
    return hop.get("scope", "measured") == "measured"


def nglint_hops(topology: dict, check: dict) -> list[dict]:
    """The nginx -> backend hops nglint reports, with the verdict a user reads:
    topology's verdict, `warn` where KA005 flags the upstream of a hop that is not pooled."""
    warned = {f"{f['path']}:{f['line']}" for f in check["findings"] if f["rule"] == "KA005"}
    raced = {f"{f['path']}:{f['line']}" for f in check["findings"] if f["rule"] == "KA001"}
    hops = []
    for chain in topology["chains"]:
        for hop in chain["hops"]:
            client, server = hop["client"], hop["server"]
            if client["tier"] != "nginx" or not client["label"].startswith(("nginx upstream", "nginx proxy_pass")):
                continue
            where = client["location"]
            verdict = hop["verdict"]
            if verdict == "no keep-alive":
                verdict = "ok"
            if verdict == "not pooled" and where in warned and server["tier"] != "unknown":
                verdict = "warn"
            hops.append({
                "nginx": where,
                "kind": server["tier"],
                "names": " ".join(str(server.get(key) or "") for key in ("label", "host", "location")),
                "verdict": verdict,
                "ka001": where in raced,
            })
    return hops


def _same_backend(truth: dict, found: dict) -> bool:
    return found["nginx"] == truth["nginx"] and found["kind"] == truth["kind"] and truth["backend"] in found["names"]


def score(stacks: list[dict], results: dict[str, list[dict]]) -> dict:
    """Counts and misses for both questions; `results` maps a stack name to nglint_hops()."""
    link = {"truth": 0, "found": 0, "reported": 0, "correct": 0, "misses": [], "wrong": []}
    race = {"truth": 0, "found": 0, "reported": 0, "correct": 0, "misses": [], "wrong": []}
    for stack in stacks:
        name = stack["name"]
        truth = [hop for hop in stack["hops"] if measured(hop)]
        found = results.get(name, [])
        linkable = [hop for hop in truth if hop["kind"] != "unknown"]
        link["truth"] += len(linkable)
        for hop in linkable:
            if any(_same_backend(hop, f) for f in found):
                link["found"] += 1
            else:
                link["misses"].append(f"{name}: {hop['nginx']} -> {hop['backend']} [{hop['kind']}]")
        for f in found:
            if f["kind"] == "unknown":
                continue
            link["reported"] += 1
            if any(_same_backend(hop, f) for hop in linkable):
                link["correct"] += 1
            else:
                link["wrong"].append(f"{name}: {f['nginx']} -> {f['names']} [{f['kind']}]")
        for hop in truth:
            if hop["verdict"] not in POSITIVE:
                continue
            race["truth"] += 1
            match = [f for f in found if f["nginx"] == hop["nginx"] and (hop["kind"] == "unknown" or _same_backend(hop, f))]
            if any(f["verdict"] == hop["verdict"] for f in match):
                race["found"] += 1
            else:
                said = ", ".join(sorted({f["verdict"] for f in match})) or "no hop"
                race["misses"].append(f"{name}: {hop['nginx']} -> {hop['backend'] or hop['target']} is {hop['verdict']}, nglint: {said}")
        for f in found:
            if f["verdict"] not in POSITIVE:
                continue
            race["reported"] += 1
            match = [hop for hop in truth if hop["nginx"] == f["nginx"] and (hop["kind"] == "unknown" or _same_backend(hop, f))]
            if any(hop["verdict"] == f["verdict"] for hop in match):
                race["correct"] += 1
            else:
                said = ", ".join(sorted({hop["verdict"] for hop in match})) or "no such hop"
                race["wrong"].append(f"{name}: {f['nginx']} -> {f['names']} nglint {f['verdict']}, truth: {said}")
    return {"linking": link, "race verdict": race}


def ratio(hit: int, total: int) -> float:
    return hit / total if total else 1.0


def table(scores: dict) -> str:
    lines = [f"{'question':<14} {'recall':>16} {'precision':>16}"]
    for question, counts in scores.items():
        recall = f"{counts['found']}/{counts['truth']} {ratio(counts['found'], counts['truth']):.0%}"
        precision = f"{counts['correct']}/{counts['reported']} {ratio(counts['correct'], counts['reported']):.0%}"
        lines.append(f"{question:<14} {recall:>16} {precision:>16}")
        lines.extend(f"  missed: {miss}" for miss in counts["misses"])
        lines.extend(f"  wrong:  {wrong}" for wrong in counts["wrong"])
    return "\n".join(lines)


def _run_stack(root: Path) -> list[dict]:
    topology = run_cli("topology", ".", "--format", "json", cwd=root)
    check = run_cli("check", ".", "--format", "json", cwd=root)
    for result in (topology, check):
        assert result.returncode in (0, 1), f"{root.name}: exit {result.returncode}: {result.stderr[-2000:]}"
        assert "Traceback" not in result.stderr, f"{root.name}: {result.stderr[-2000:]}"
    return nglint_hops(json.loads(topology.stdout), json.loads(check.stdout))


def test_truth_covers_every_stack_and_names_real_lines(corpus):
    stacks_dir = corpus / "stacks"
    if not stacks_dir.is_dir():
        pytest.skip("the corpus has no stacks/")
    stacks = load_truth()
    assert sorted(s["name"] for s in stacks) == sorted(os.listdir(stacks_dir))
    for stack in stacks:
        for hop in stack["hops"]:
            path, _, line = hop["nginx"].rpartition(":")
            lines = (stacks_dir / stack["name"] / path).read_text(encoding="utf-8", errors="replace").splitlines()
            assert 0 < int(line) <= len(lines), hop
            assert hop["verdict"] in ("race", "warn", "ok", "not pooled", "unknown", "unused"), hop


def test_score_counts_misses_and_wrong_links():
    """The scorer itself: a missed link, a wrong kind and a wrong verdict each count."""
    stacks = [{"name": "s", "hops": [
        {"nginx": "n.conf:1", "target": "a:1", "backend": "a", "kind": "node", "verdict": "race"},
        {"nginx": "n.conf:5", "target": "b:1", "backend": "b", "kind": "gunicorn", "verdict": "not pooled"},
        {"nginx": "n.conf:9", "target": "c:1", "backend": "", "kind": "unknown", "verdict": "unknown"},
    ]}]
    found = {"s": [
        {"nginx": "n.conf:1", "kind": "node", "names": "Node.js in a a", "verdict": "race", "ka001": True},
        {"nginx": "n.conf:5", "kind": "uvicorn", "names": "uvicorn in b b", "verdict": "race", "ka001": True},
        {"nginx": "n.conf:9", "kind": "unknown", "names": "c:1", "verdict": "unknown", "ka001": False},
    ]}
    scores = score(stacks, found)
    assert (scores["linking"]["found"], scores["linking"]["truth"]) == (1, 2)
    assert (scores["linking"]["correct"], scores["linking"]["reported"]) == (1, 2)
    assert (scores["race verdict"]["found"], scores["race verdict"]["truth"]) == (1, 1)
    assert (scores["race verdict"]["correct"], scores["race verdict"]["reported"]) == (1, 2)


def test_recall_and_precision_on_real_stacks(corpus):
    stacks_dir = corpus / "stacks"
    if not stacks_dir.is_dir():
        pytest.skip("the corpus has no stacks/")
    stacks = load_truth()
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = dict(zip([s["name"] for s in stacks], pool.map(lambda s: _run_stack(stacks_dir / s["name"]), stacks)))
    scores = score(stacks, runs)
    report = table(scores)
    print("\n" + report)
    for question, counts in scores.items():
        assert ratio(counts["found"], counts["truth"]) >= THRESHOLD, f"{question} recall below 90%:\n{report}"
        assert ratio(counts["correct"], counts["reported"]) >= THRESHOLD, f"{question} precision below 90%:\n{report}"
