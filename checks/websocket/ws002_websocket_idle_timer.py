"""WS002: an idle websocket is cut by a timer shorter than the application's heartbeat."""

from __future__ import annotations

from typing import Iterable

from nglint.api import Finding, Related, Rule, Severity, at_directive
from nglint.messages import HEADLINE_MAX, label_name
from nglint.units import format_ms

RULE = Rule(
    code="WS002",
    name="websocket-idle-timer",
    severity=Severity.WARNING,
    summary="An idle websocket is closed by a timer (proxy_read_timeout, a load balancer) shorter than the application's heartbeat.",
    rationale="""
Once upgraded, a websocket is idle until a message crosses it. nginx closes it when
nothing arrives from the backend for proxy_read_timeout (60s by default; error.log says
`110: Connection timed out ... while proxying upgraded connection`; proxy_send_timeout
runs only while a write to the backend is blocked, so it does not cut an idle
connection), and every device in
front (an ALB's idle timeout, an NLB's flow timeout) has its own timer. The connection
survives only when the application's heartbeat (socket.io and SockJS ping every 25s,
ActionCable every 3s, Spring STOMP as configured) is shorter than every timer on the path.
A route that is plainly a websocket endpoint (`/ws`, `/cable`, a SignalR hub) whose
heartbeat nglint does not know is reported at info while its timer is nginx's implicit
60s default.
""",
    bad_example="""
location /ws/ {                      # a raw websocket server, no ping
    proxy_pass http://app;
    proxy_http_version 1.1;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection "upgrade";
}
""",
    good_example="""
location /ws/ {
    proxy_pass http://app;
    proxy_http_version 1.1;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection "upgrade";
    proxy_read_timeout 3600s;        # longer than the longest idle period
    proxy_send_timeout 3600s;
}
""",
    fix="Raise proxy_read_timeout/proxy_send_timeout (and the front tier's idle timeout) above the heartbeat interval, or make the application send heartbeats more often than the shortest timer.",
    tags=("websocket", "timeouts", "cross-tier"),
    needs=("nginx", "front"),
)


def check(project) -> Iterable[Finding]:
    sites = project.websocket_sites
    if not sites:
        return  # no websocket proxied: nothing of the heartbeat or front-tier tables is needed
    from nglint.sources.frontend.heartbeats import DEFAULTS as HEARTBEATS, framework_of
    from nglint.sources.nginx.defaults import DEFAULTS as NGINX
    from nglint.tiers.front_entry import has_fronts
    from nglint.tiers.invariant import client_closes_first
    from nglint.tiers.model import IdlePolicy, Provenance
    from nglint.units import UnitError, parse_nginx_time

    fronts_by_config: dict[str, list] = {}
    if has_fronts(project):
        from nglint.tiers.front import NginxTarget, analyse

        for hop in analyse(project).hops:
            if isinstance(hop.server.subject, NginxTarget):
                fronts_by_config.setdefault(hop.server.subject.config.path, []).append(hop.client)
    margin = project.settings.margin
    from nglint.tiers.heartbeats import stomp_endpoints

    stomp = stomp_endpoints(project)
    for ws in sites:
        site = ws.site
        timers = []  # (label, IdlePolicy, explicit)
        for name in ("proxy_read_timeout",):  # proxy_send_timeout runs only while a write is blocked
            directive, _ = site.effective(name)
            if directive is not None:
                try:
                    value = parse_nginx_time(directive.arg(0))
                except UnitError:
                    continue
                timers.append((f"nginx {name}", IdlePolicy(value, Provenance.from_file(directive.path, directive.line, name, f"{name} {directive.arg(0)}")), True))
            else:
                row = NGINX.get(name)
                timers.append((f"nginx {name}", IdlePolicy(row.value, Provenance.from_default(row, f"nginx's default {name} {format_ms(row.value)}")), False))
        fronts = fronts_by_config.get(ws.config_path, ())
        untimed = []  # front tiers with no (known) timer on an upgraded connection, said in the sources
        for front in fronts:
            policy = _tunnel_timer(front)
            if policy.known and policy.timeout_ms is not None:
                timers.append((front.label, policy, True))
            else:
                untimed.append((front.label, policy))
        if not timers:
            continue
        label, shortest, explicit = min(timers, key=lambda t: t[1].timeout_ms)
        path = " -> ".join(["client"] + [f.label for f in fronts] + [f"nginx location {ws.path}", _upstream(site)])
        app = _app_heartbeat(project, ws, stomp) if stomp else None
        framework = framework_of(ws.path + " " + site.directive.arg(0)) if app is None else None
        row = HEARTBEATS.get(framework) if framework else None
        if app is not None and app.policy.known and app.policy.timeout_ms is not None:
            heartbeat, framework = app.policy, "Spring STOMP"
        elif row is not None and row.value is not None:
            heartbeat = IdlePolicy(row.value, Provenance.from_default(row, row.describe()))
        else:
            if explicit or not (ws.evident or app is not None):
                continue  # a generic location passing Upgrade mostly serves plain requests
            if app is not None:
                why = (f"{app.label}: {app.policy.unknown_reason}" if not app.policy.known
                       else f"{app.label} sends none: {app.policy.provenance.describe()}")
            else:
                why = (f"{framework} heartbeats are configured by the application ({row.note})" if row is not None
                       else "nglint does not know whether the backend sends heartbeats")
            message = _fit(
                f"Idle websockets on {ws.path} close after {format_ms(shortest.timeout_ms)} ({_name(label)}), "
                f"{'no heartbeat' if app is not None and app.policy.known else 'heartbeat unknown'}: "
                "make sure traffic crosses more often or raise proxy_read_timeout",
                ws.path,
            )
            sources = _sources(path, timers, untimed) + [f"heartbeat: {why}",
                                                "fix: send something more often, or set proxy_read_timeout to the longest idle period the application allows"]
            finding = at_directive(RULE, site.directive, message, severity=Severity.INFO, sources=sources)
            finding.data = {"location": ws.path, "timer_ms": shortest.timeout_ms}
            yield finding
            continue
        cutting = []
        for timer_label, policy, _ in timers:
            race = client_closes_first(heartbeat, policy, margin)
            if race is not None and not race.ok:
                cutting.append((timer_label, policy))
        if not cutting:
            continue
        timer_label, policy = min(cutting, key=lambda t: t[1].timeout_ms)
        message = _fit(
            f"{_name(timer_label)} closes idle websockets on {ws.path} after {format_ms(policy.timeout_ms)}, within the "
            f"{framework} heartbeat of {format_ms(heartbeat.timeout_ms)}: raise the timer or shorten the heartbeat",
            ws.path,
        )
        sources = _sources(path, timers, untimed) + [
            f"heartbeat: {format_ms(heartbeat.timeout_ms)} from {heartbeat.provenance.describe()}{_where(heartbeat)}",
            f"margin: every timer must exceed the heartbeat by {format_ms(margin.required_gap_ms(heartbeat.timeout_ms))} "
            f"({margin.describe()}; from {project.settings.origins.get('margin', 'default')})",
            "cut by: " + ", ".join(f"{t} ({format_ms(p.timeout_ms)})" for t, p in cutting),
        ]
        related = [Related(p.provenance.location, f"{t}: {format_ms(p.timeout_ms)}") for t, p in cutting if p.provenance.location]
        finding = at_directive(RULE, site.directive, message, related=related, sources=sources)
        if heartbeat.provenance.location is not None:
            related.append(Related(heartbeat.provenance.location, f"heartbeat: {format_ms(heartbeat.timeout_ms)}"))
        finding.data = {"location": ws.path, "timer_ms": policy.timeout_ms, "heartbeat_ms": heartbeat.timeout_ms}
        yield finding


def _app_heartbeat(project, ws, endpoints: list):
    """The heartbeat of the application endpoint this route proxies to (Spring STOMP), if read."""
    from nglint.tiers.heartbeats import heartbeat_for

    return heartbeat_for(project, ws.config_path, ws.path, endpoints)


def _where(policy) -> str:
    from nglint.paths import display_path

    place = policy.provenance.location
    return f" ({display_path(place.path)}:{place.line})" if place is not None else ""


def _name(label: str) -> str:
    return label if label.startswith("nginx ") else label_name(label, "the load balancer")


def _fit(message: str, path: str) -> str:
    """The headline, with a location path too long for it left to the finding's position."""
    return message if len(message) <= HEADLINE_MAX else message.replace(f" on {path}", " here", 1)


def _tunnel_timer(front):
    """The timer that closes an idle websocket on a front tier: the one its reader found for
    upgraded connections (HAProxy's timeout tunnel, Envoy's stream idle timeout; none for
    Traefik), else its idle timeout (an ALB's, an NLB's flow timeout)."""
    tunnel = getattr(front.subject, "tunnel_idle", None)
    return tunnel if tunnel is not None else front.idle


def _sources(path: str, timers, untimed=()) -> list[str]:
    """The whole path, then every timer on it with where its value came from, then the
    front tiers that have no timer on an upgraded connection (or one nglint cannot read)."""
    from nglint.paths import display_path

    def where(policy) -> str:
        place = policy.provenance.location
        return f" ({display_path(place.path)}:{place.line})" if place is not None else ""

    lines = [f"path: {path}"] + [f"{label}: {format_ms(policy.timeout_ms)} from {policy.provenance.describe()}{where(policy)}"
                                 for label, policy, _ in timers]
    for label, policy in untimed:
        what = f"unknown ({policy.unknown_reason})" if not policy.known else f"no timer ({policy.provenance.describe()})"
        lines.append(f"{label}: idle websocket timer {what}{where(policy)}")
    return lines


def _upstream(site) -> str:
    return f"upstream {site.upstream.name!r}" if site.upstream is not None else site.directive.arg(0)
