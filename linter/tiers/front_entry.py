"""The front-tier hop builder's door: load balancers are analysed only in a run that read
or declared one, so a run on one nginx.conf imports none of that code."""

from __future__ import annotations


def has_fronts(project) -> bool:
    """True when a file read or the configuration describes a tier in front."""
    return bool(project.settings.frontends) or any(getattr(file, "frontends", None) for file in project.backend_files)


def build(project) -> list:
    if not has_fronts(project):
        return []
    from nglint.tiers.front import build as build_hops

    return build_hops(project)


def link_gaps(project) -> list:
    """Link-gap diagnostics of the front tiers (a load balancer linked to nothing)."""
    if not has_fronts(project):
        return []
    from nglint.tiers.front import analyse

    return analyse(project).gaps
