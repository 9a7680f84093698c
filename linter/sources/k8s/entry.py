"""The Kubernetes hop builder's door: the cluster model and its parsers load only in a
run that read a manifest (a run on one nginx.conf pays nothing for them)."""

from __future__ import annotations

import sys


def build(project) -> list:
    manifests = sys.modules.get("nglint.sources.k8s.manifests")
    if manifests is None or not any(isinstance(file, manifests.ManifestFile) for file in project.backend_files):
        return []  # the module that makes manifest files was never needed: none was read
    from nglint.sources.k8s.hops import build as build_hops

    return build_hops(project)
