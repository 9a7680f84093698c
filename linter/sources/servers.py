"""Helpers every server reader shares: one Backend from a value and its provenance, and
the lookup of a file a process was given (`-c gunicorn.conf.py`, `config/puma.rb`)."""

from __future__ import annotations

import posixpath

from nglint.findings import Location
from nglint.tiers.model import Provenance


def server_backend(kind: str, label: str, port: int | None, timeout_ms: int | None, provenance: Provenance,
                   location: Location, process=None, keepalive: bool = True, anchor: str | None = None,
                   attributes: dict | None = None):
    """A Backend whose idle policy is `timeout_ms` (None with a known provenance: never closes;
    an UNKNOWN provenance: unknown, with its reason)."""
    from nglint.backends import Backend
    from nglint.tiers.model import UNKNOWN

    known = provenance.origin != UNKNOWN
    return Backend(
        kind=kind,
        label=label,
        port=port,
        idle_timeout_ms=timeout_ms if known else None,
        idle_timeout_source=provenance.describe(),
        location=location,
        anchor=anchor,
        keepalive_disabled=not keepalive,
        timeout_known=known,
        attributes=dict(attributes or {}),
        provenance=provenance,
        host=process.name if process is not None else None,
        unit=process.unit if process is not None else None,
    )


def given_file(process, name: str | None, basename: str | None = None) -> str | None:
    """The local file the process sees at `name` (absolute, or relative to any directory:
    the working directory is rarely known), else the only file called `basename`."""
    files = process.files
    if name:
        if name.startswith("/"):
            return files.get(posixpath.normpath(name))
        suffix = "/" + posixpath.normpath(name).lstrip("./")
        matches = [local for inside, local in files.items() if inside.endswith(suffix)]
        if len(set(matches)) == 1:
            return matches[0]
        return None
    if basename:
        matches = [local for inside, local in files.items() if posixpath.basename(inside) == basename]
        if len(set(matches)) == 1:
            return matches[0]
    return None


def seconds_value(text: str) -> int | None:
    """An integer number of seconds as written in argv or env, or None."""
    text = text.strip()
    return int(text) if text.isdigit() else None


def port_of_bind(text: str) -> int | None:
    """The port of `0.0.0.0:8000`, `[::]:8000`, `:8000` or `8000`; None for unix sockets."""
    if text.startswith(("unix:", "fd://")) or "/" in text:
        return None
    tail = text.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else None


def standalone_allowed(path: str, app_root: str, tree_roots: list[str]) -> bool:
    """Whether a server config file read on its own (not through a process) may offer
    backends: not inside a compose project (its services describe the server, with their
    environment), and in a marked project or at the top of the checked tree. In a folder
    of unmarked stacks side by side, a default port would link it to a neighbour's nginx."""
    import os

    from nglint.sources.compose.project import is_compose_name
    from nglint.tiers.units import UnitIndex

    unit = UnitIndex(tree_roots).unit_of(path)
    try:
        if any(is_compose_name(name) for name in os.listdir(unit)):
            return False
    except OSError:
        return False
    roots = {os.path.abspath(root) for root in tree_roots}
    return unit not in roots or unit == os.path.abspath(app_root)
