"""All hops of a run: nginx upstream pools to their linked backends, plus the hops that
hop builders contribute (an ingress controller's shared pool to a pod, a load balancer to
nginx). Builders come from the built-in list and the entry-point group `nglint.hops`; each
is a callable `build(project) -> list[Hop]`.
"""

from __future__ import annotations

from functools import lru_cache

from nglint.tiers.model import Hop

ENTRY_POINT_GROUP = "nglint.hops"
BUILTIN_HOP_BUILDERS: tuple[tuple[str, str], ...] = (("nglint.sources.k8s.entry", "build"), ("nglint.tiers.front_entry", "build"))


@lru_cache(maxsize=1)
def hop_builders() -> tuple:
    import importlib

    from nglint.registry import load_plugins

    found = [getattr(importlib.import_module(module), name) for module, name in BUILTIN_HOP_BUILDERS]
    found.extend(load_plugins(ENTRY_POINT_GROUP))
    return tuple(found)


def all_hops(project) -> list[Hop]:
    """Every hop, nginx's upstream hops first, in a stable order."""
    analysis = project.keepalive
    hops = [hop for upstream in analysis.all_upstreams() for hop in analysis.hops(upstream)]
    for build in hop_builders():
        hops.extend(build(project))
    return hops


def foreign_hops(project) -> list[Hop]:
    """Hops whose client side is not an nginx upstream block of a loaded config."""
    from nglint.sources.nginx.model import Upstream

    return [hop for hop in project.hops if not isinstance(hop.client.subject, Upstream)]
