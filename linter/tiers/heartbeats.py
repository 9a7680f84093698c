"""Which application heartbeat a websocket route nginx proxies gets: its STOMP endpoint.

A Spring application registers STOMP endpoints by path (`addEndpoint("/ws")`); nginx's
websocket location for that path (`location /ws`, `location /ws/`, `location = /ws`)
carries its heartbeat. Links stay inside the deployment unit, and two applications of one
unit registering the same path are ambiguous: unknown, with that reason, never a guess.
"""

from __future__ import annotations

from nglint.records import record
from nglint.tiers.model import IdlePolicy, Provenance

@record(frozen=True)
class AppHeartbeat:
    """The heartbeat an application sends on a route: `policy.timeout_ms` is the interval
    (None with known True: none sent), `label` names the application's file and endpoint."""

    policy: IdlePolicy
    label: str


def stomp_endpoints(project) -> list:
    """(file, endpoint) for every STOMP endpoint the readers found: gathered once per check
    run by the caller and handed to heartbeat_for for each websocket route."""
    return [(file.path, endpoint) for file in project.backend_files for endpoint in getattr(file, "stomp_endpoints", ())]


def heartbeat_for(project, config_path: str, location: str, endpoints: list) -> AppHeartbeat | None:
    """The heartbeat of the STOMP endpoint `location` routes to, in the unit of `config_path`,
    or None when no application nglint read registers that path there (`endpoints`: from
    stomp_endpoints)."""
    if not endpoints:
        return None
    units = project.units
    unit = units.unit_of(config_path)
    matches = [(path, endpoint) for path, endpoint in endpoints
               if units.unit_of(path) == unit and _routes_to(location, endpoint.path)]
    if not matches:
        return None
    if len({(p, e.path, e.line) for p, e in matches}) > 1:
        files = sorted({_display(p) for p, _ in matches})
        reason = f"{len(matches)} STOMP endpoints match {location} in this unit ({', '.join(files)})"
        return AppHeartbeat(IdlePolicy.unknown(reason), f"STOMP endpoint {location}")
    path, endpoint = matches[0]
    label = f"Spring STOMP endpoint {endpoint.path} ({_display(path)}:{endpoint.line})"
    if not endpoint.known:
        return AppHeartbeat(IdlePolicy.unknown(endpoint.detail), label)
    line = endpoint.heartbeat_line or endpoint.line
    provenance = Provenance.from_file(path, line, "heartbeat", endpoint.detail)
    return AppHeartbeat(IdlePolicy(endpoint.heartbeat_ms, provenance), label)


def _routes_to(location: str, endpoint: str) -> bool:
    """True when nginx's location (a prefix or `= exact` path, as nglint reports it) serves
    the endpoint's path (and, for SockJS, the paths below it)."""
    location = location.rstrip("/") or "/"
    endpoint = endpoint.rstrip("/") or "/"
    return location == endpoint or (location != "/" and endpoint.startswith(location + "/"))


def _display(path: str) -> str:
    from nglint.paths import display_path

    return display_path(path)
