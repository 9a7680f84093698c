"""Link each nginx upstream to the backend(s) behind it.

Order of trust: an explicit `[[tool.nglint.backend]]` entry wins; otherwise each upstream
`server` entry is offered to the linkers (nglint.tiers.linkers), most specific first.
What no linker resolves, or resolves ambiguously, stays a link gap: reported, never
guessed.
"""

from __future__ import annotations

import os
import sys

from nglint.backends import Backend
from nglint.config import BackendSpec
from nglint.findings import Location
from nglint.sources.nginx.model import ServerAddress, Upstream
from nglint.records import field, record


@record(frozen=True)
class Link:
    backend: Backend
    via: str
    server: ServerAddress | None = None


@record
class UpstreamLinks:
    upstream: Upstream
    links: list[Link] = field(default_factory=list)
    ambiguous: list[tuple[ServerAddress | None, list[Backend]]] = field(default_factory=list)
    unmatched: list[ServerAddress] = field(default_factory=list)
    explicit: BackendSpec | None = None
    explicit_error: str | None = None


def link_all(project) -> dict[Upstream, UpstreamLinks]:
    """Links for every upstream of every loaded config, keyed by the Upstream object.
    Linkers are loaded and prepared at the first upstream that needs them: a run with no
    upstream block imports none."""
    linkers: list | None = None
    specs: dict[str, BackendSpec] = {}
    for spec in project.settings.backends:
        specs.setdefault(spec.upstream.lower(), spec)
    result: dict[Upstream, UpstreamLinks] = {}
    for model in project.models:
        for upstream in model.upstreams:
            spec = specs.get(upstream.name.lower())
            if spec is not None:
                result[upstream] = _link_explicit(project, upstream, spec)
            else:
                if linkers is None:
                    from nglint.tiers.linkers import new_linkers

                    linkers = new_linkers(project.backends, project)
                result[upstream] = _link_servers(upstream, linkers)
    return result


def link_implicit(project, upstreams: list[Upstream]) -> dict[Upstream, UpstreamLinks]:
    """Links for implicit upstreams (a proxy_pass to an address), by the same linkers:
    the address is evidence of the same strength as an upstream's `server` entry."""
    if not upstreams:
        return {}
    from nglint.tiers.linkers import new_linkers

    linkers = new_linkers(project.backends, project)
    return {upstream: _link_servers(upstream, linkers) for upstream in upstreams}


def _link_servers(upstream: Upstream, linkers: list) -> UpstreamLinks:
    links = UpstreamLinks(upstream)
    seen: set[Backend] = set()
    for server in upstream.servers:
        resolution = next((r for r in (linker.resolve(upstream, server) for linker in linkers) if r is not None), None)
        if resolution is None or not (resolution.backends or resolution.ambiguous):
            links.unmatched.append(server)
        elif resolution.ambiguous:
            links.ambiguous.append((server, resolution.ambiguous))
        else:
            for backend in resolution.backends:
                if backend not in seen:
                    seen.add(backend)
                    links.links.append(Link(backend, resolution.via, server))
    return links


def _link_explicit(project, upstream: Upstream, spec: BackendSpec) -> UpstreamLinks:
    links = UpstreamLinks(upstream, explicit=spec)
    origin = os.path.basename(spec.origin) if spec.origin else "config"
    if spec.idle_timeout_ms is not None:
        backend = Backend(
            kind=spec.kind or "declared",
            label=f"backend declared for upstream {upstream.name!r} in {origin}",
            port=spec.port,
            idle_timeout_ms=spec.idle_timeout_ms,
            idle_timeout_source=f"idle-timeout in {origin}",
            location=Location(spec.origin, _line_of(spec.origin, upstream.name)),
        )
        links.links.append(Link(backend, f"[[tool.nglint.backend]] in {origin}"))
        return links

    path = os.path.abspath(spec.server_xml or "")
    candidates = [b for f in project.backend_files if os.path.abspath(f.path) == path for b in f.backends]
    if not candidates and not any(os.path.abspath(f.path) == path for f in project.backend_files):
        candidates = _parse_declared(project, path, links)
        if links.explicit_error:
            return links
    http = [b for b in candidates if b.speaks_http]
    ports = {spec.port} if spec.port else {s.port for s in upstream.servers if s.port is not None}
    chosen = [b for b in http if b.port in ports]
    if not chosen and len(http) == 1:
        chosen = http
    via = f"[[tool.nglint.backend]] in {origin}"
    if chosen:
        links.links.extend(Link(b, via) for b in chosen)
    elif len(http) > 1:
        links.ambiguous.append((None, http))
    else:
        links.explicit_error = f"{spec.server_xml} has no HTTP Connector"
    return links


def _parse_declared(project, path: str, links: UpstreamLinks) -> list[Backend]:
    """A server.xml named in config but outside the checked paths: read it now."""
    from nglint.backends import backend_parsers

    from nglint.boundary import is_file

    if not is_file(path):
        links.explicit_error = f"server-xml {path} does not exist"
        return []
    parsers = backend_parsers()
    # `server-xml` names a Tomcat file whatever it is called.
    parser = next((p for p in parsers if p.claims(path)), parsers[0])
    parsed = parser.parse(path, project.tree_roots + [os.path.dirname(path)], project.settings.max_file_size)
    project.backend_files.append(parsed)
    project.problems.extend(parsed.problems)
    return parsed.backends


def _line_of(path: str, needle: str) -> int:
    """Line of the config entry naming the upstream, for a related location."""
    from nglint.boundary import Refused, open_limited

    try:  # the nglint config itself, already read once
        text = open_limited(path, sys.maxsize, head=1_000_000).decode("utf-8", errors="replace")
    except Refused:
        return 1
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        if "upstream" in line and needle in line:
            return number
    return 1
