"""LB002: an L4 device forgets idle flows before the server behind it closes or probes them."""

from __future__ import annotations

from typing import Iterable

from nglint.api import Finding, Related, Rule, Severity
from nglint.messages import HEADLINE_MAX, endpoint_name, label_name, margin_source
from nglint.units import format_ms

RULE = Rule(
    code="LB002",
    name="l4-device-forgets-flow",
    severity=Severity.WARNING,
    summary="An L4 load balancer drops idle flows before nginx closes them or sends TCP keep-alive probes.",
    rationale="""
A pure L4 device (AWS Network Load Balancer: 350s; Azure Load Balancer: 4 minutes) tracks
each TCP flow and forgets one that stays idle longer than its idle timeout, silently
unless TCP reset is enabled. The client and nginx both still believe the connection is
open: the client's next request goes nowhere (a timeout, or a reset from the device), and
nginx holds the dead socket until its own timer fires. Behind such a device the server
must close idle connections first (keepalive_timeout) or keep the flow alive with TCP
keep-alive probes (`listen ... so_keepalive=`) sent more often than the device's timeout.
""",
    bad_example="""
# NLB: TCP idle timeout 350s (default)
http {
    keepalive_timeout 600s;
    server { listen 80; }
}
""",
    good_example="""
http {
    keepalive_timeout 300s;             # nginx closes before the NLB forgets the flow
    server { listen 80 so_keepalive=120s::; }   # or probe idle connections
}
""",
    fix="Lower keepalive_timeout below the device's idle timeout minus the margin, or add `so_keepalive=` to the listen directive with a shorter idle time.",
    tags=("keepalive", "reliability", "cross-tier", "load-balancer"),
    fix_safety="safe",
    needs=("front",),
)


def _plan(hop, seconds: int, device_ms: int):
    """Lower every keepalive_timeout in effect on the target port that outlives the device
    (lb002.j2); where nginx's default applies, add one to the http block. Closing idle
    connections earlier is always safe; so_keepalive is left to the user (it needs a
    listen-level change shared by every server on the address)."""
    from nglint.fixer.plan import NoFix
    from nglint.fixer.plan import append_to, plan, replace

    side = hop.server.subject.side
    context = dict(seconds=seconds, device_label=hop.client.label, device_timeout=format_ms(device_ms))
    changes, defaults = [], False
    for setting in side.settings:
        if setting.timeout_ms is None or setting.timeout_ms <= seconds * 1000:
            continue
        if setting.directive is None:
            defaults = True
        else:
            changes.append(replace(setting.directive, "lb002.j2", note=False, rest=setting.directive.args[1:], **context))
    if defaults:
        if side.http_block is None:
            raise NoFix("no http block to add keepalive_timeout to")
        changes.append(append_to(side.http_block, "keepalive_timeout", "lb002.j2", note=True, rest=[], **context))
    return plan(RULE, f"Set keepalive_timeout {seconds}s where nginx serves {hop.client.label}", changes,
                subject=("nginx-client-keepalive", side.config.path))


def _margin_source(settings, device_ms: int) -> str:
    return margin_source(settings, device_ms, "the server must close or probe {gap} before the device forgets", "the device's")


def check(project) -> Iterable[Finding]:
    from nglint.tiers.front_entry import has_fronts

    if not has_fronts(project):
        return  # nothing in front of any server: no import of the front-tier analysis
    from nglint.fixer.plan import planned
    from nglint.sources.frontend.model import is_front_tier
    from nglint.tiers.front import NginxTarget, analyse
    from nglint.tiers.invariant import client_closes_first
    from nglint.tiers.model import IdlePolicy, Provenance

    margin = project.settings.margin
    analysis = analyse(project)
    reported = set()
    for hop in analysis.hops:
        device, server = hop.client, hop.server
        if not is_front_tier(device.tier) or device.idle.pools or getattr(device.subject, "tcp_reset", False):
            continue
        if getattr(device.subject, "relays", False):
            continue  # a TCP-mode proxy closes both sides at its timeouts: the server sees the close
        acts = server.idle  # the server must close (or probe) first: it is the invariant's client here
        probe = ""
        if isinstance(server.subject, NginxTarget) and server.subject.side.probe_ms is not None:
            side = server.subject.side
            if not acts.keepalive or acts.timeout_ms is None or side.probe_ms < acts.timeout_ms:
                d = side.probe_directive
                acts = IdlePolicy(side.probe_ms, Provenance.from_file(d.path, d.line, "listen", f"so_keepalive on listen {d.arg(0)}"))
                probe = " (its first TCP keep-alive probe)"
        if not acts.keepalive:
            continue  # nginx closes after every response: no idle flow
        if acts.known and acts.timeout_ms is None:
            acts = IdlePolicy(10**12, acts.provenance)  # never closes: any finite device timeout loses
        race = client_closes_first(acts, device.idle, margin)
        if race is None or race.ok:
            continue
        seconds = race.suggested_seconds
        fix_words = (f"set keepalive_timeout {seconds}s or so_keepalive={seconds}s:: on listen" if seconds
                     else "lower keepalive_timeout or set so_keepalive= on listen")
        what = "first probes them at" if probe else "keeps them"
        name = endpoint_name(device)
        message = (f"{name} forgets idle flows at {format_ms(race.server_ms)}, {endpoint_name(server)} {what} "
                   f"{format_ms(race.client_ms)}: {fix_words}")
        if len(message) > HEADLINE_MAX:  # a long resource name: the sources name it in full
            message = message.replace(name, "The L4 load balancer", 1)
        sources = [
            f"{device.label}: {format_ms(race.server_ms)} from {device.idle.provenance.describe()}",
            f"{server.label}: {format_ms(race.client_ms)}{probe} from {acts.provenance.describe()}",
            _margin_source(project.settings, race.server_ms),
            f"linked by {hop.evidence}",
        ]
        sources.extend(f"note: {note}" for note in getattr(device.subject, "notes", ()))
        where = acts.provenance.location or server.location
        related = [Related(device.idle.provenance.location or device.location,
                           f"{device.label} drops idle flows after {format_ms(race.server_ms)}")]
        finding = Finding(RULE.code, RULE.severity, message, where, related=related, sources=sources)
        finding.data = {"device_timeout_ms": race.server_ms, "server_timeout_ms": race.client_ms,
                        "suggested_seconds": seconds if not probe else None, "hop": f"{device.label}|{server.label}"}
        if finding.data["suggested_seconds"] and isinstance(server.subject, NginxTarget):
            finding.plan = planned(_plan, hop, seconds, race.server_ms)
        reported.add(id(device.subject))
        yield finding
    for front in analysis.fronts:
        ignored = [note for note in front.notes if "has no effect" in note]
        if ignored and id(front) not in reported:
            message = (
                f"{label_name(front.label, 'An L4 load balancer')} ignores an idle-timeout setting here and keeps its own: "
                "remove it or set the device's own idle timeout"
            )
            sources = [f"note: {note}" for note in ignored] + [f"{front.label}: {front.provenance.describe()}"]
            yield Finding(RULE.code, Severity.INFO, message, front.location, sources=sources)
