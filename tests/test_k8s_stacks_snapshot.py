"""What the Kubernetes reader makes of the corpus's real stacks, pinned in a snapshot.

Per stack: objects by kind, routes (Ingress, VirtualServer, HTTPRoute backends) that reach a
container and why the others do not, the controllers found, the controller-pool hops and the
loading problems. A change in reading or linking shows up as a diff of
tests/snapshots/k8s_stacks.json. After an intended change:

    NGLINT_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_k8s_stacks_snapshot.py
"""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest

from nglint.registry import rule_for_kind

SNAPSHOT = os.path.join(os.path.dirname(__file__), "snapshots", "k8s_stacks.json")
UPDATE = os.environ.get("NGLINT_UPDATE_SNAPSHOTS", "") not in ("", "0")


def _stack_summary(directory: str) -> dict | None:
    from nglint.config import Settings
    from nglint.project import load_project
    from nglint.sources.k8s.cluster import build_cluster
    from nglint.sources.k8s.manifests import ManifestFile

    project = load_project([directory], Settings(), cwd=directory)
    files = [f for f in project.backend_files if isinstance(f, ManifestFile)]
    if not files:
        return None
    cluster = build_cluster(project)
    routes = [route for route, _ in cluster.routes]
    return {
        "files": len(files),
        "objects": dict(sorted(Counter(obj.kind for f in files for obj in f.objects).items())),
        "routes": len(routes),
        "routes_to_containers": sum(1 for route in routes if route.containers),
        "unlinked": sorted({route.reason.split(" in the manifests")[0] for route in routes if not route.containers}),
        "controllers": sorted(c.label for unit in cluster.units for c in unit.controllers),
        "controller_hops": sorted({f"{hop.client.label} -> {hop.server.label}" for hop in project.hops
                                   if hop.client.tier in ("ingress-nginx", "nginx-ingress")}),
        "problems": sorted(f"{rule_for_kind(p.kind).code} {os.path.relpath(p.path, directory)}:{p.line}" for f in files for p in f.problems),
    }


def test_k8s_stacks_match_snapshot(corpus):
    stacks = corpus / "stacks"
    actual = {}
    for name in sorted(os.listdir(stacks)):
        summary = _stack_summary(str(stacks / name))
        if summary is not None:
            actual[name] = summary
    assert actual, "the corpus has Kubernetes stacks"
    if UPDATE or not os.path.exists(SNAPSHOT):
        with open(SNAPSHOT, "w", encoding="utf-8") as handle:
            json.dump(actual, handle, indent=2, sort_keys=True)
            handle.write("\n")
        if not UPDATE:
            pytest.fail(f"snapshot {SNAPSHOT} was missing and has been written; review and commit it")
    with open(SNAPSHOT, encoding="utf-8") as handle:
        assert actual == json.load(handle), "k8s stacks changed; if intended, rerun with NGLINT_UPDATE_SNAPSHOTS=1 and commit the diff"
