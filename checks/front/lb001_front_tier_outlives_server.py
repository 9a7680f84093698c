"""LB001: an HTTP load balancer keeps idle connections at least as long as the server behind it."""

from __future__ import annotations

from typing import Iterable

from nglint.api import Finding, Related, Rule, Severity
from nglint.messages import HEADLINE_MAX, endpoint_name, margin_source
from nglint.units import format_ms

RULE = Rule(
    code="LB001",
    name="front-tier-outlives-server",
    severity=Severity.ERROR,
    summary="An HTTP load balancer keeps idle connections to nginx (or an app server) at least as long as the server does.",
    rationale="""
An HTTP load balancer (AWS ALB and CLB, Google's external Application Load Balancer,
Cloudflare, the Heroku and Cloud Foundry routers) pools connections to its targets and
reuses an idle one until its own idle timeout runs out: 60s by default on AWS, 600s
fixed on Google Cloud, 900s at Cloudflare, 90s at the Heroku and Cloud Foundry routers. nginx closes an idle client connection
after keepalive_timeout (75s by default). When nginx closes first, the load balancer may
send the next request on a connection nginx is closing, and answers 502. Raising the
load balancer's idle timeout for long uploads or websockets (120s, 3600s) without raising
nginx's keepalive_timeout creates the race. The server behind must outlast the load
balancer, with a margin.
""",
    bad_example="""
# main.tf: resource "aws_lb" "web" { idle_timeout = 120 }
http {
    keepalive_timeout 75s;
    server { listen 80; }
}
""",
    good_example="""
# main.tf: resource "aws_lb" "web" { idle_timeout = 120 }
http {
    keepalive_timeout 134s;   # above the ALB's 120s plus the margin
    server { listen 80; }
}
""",
    fix="Raise nginx's keepalive_timeout (in the http or server block in effect) above the load balancer's idle timeout plus the margin, or lower the load balancer's idle timeout.",
    tags=("keepalive", "reliability", "cross-tier", "load-balancer"),
    fix_safety="safe",
    needs=("front",),
)


def required_seconds(front_ms: int, margin) -> int:
    """Smallest whole seconds S with front_ms <= S - margin(S): the server's new idle timeout."""
    seconds = max(1, -(-front_ms // 1000))
    while front_ms > seconds * 1000 - margin.required_gap_ms(seconds * 1000):
        seconds += 1
    return seconds


def _plan(hop, seconds: int, front_ms: int):
    """Raise every keepalive_timeout in effect on the target port that is too short (lb001.j2);
    where nginx's default applies, add one to the http block (or each server block of a fragment)."""
    from nglint.fixer.plan import NoFix
    from nglint.fixer.plan import append_to, plan, replace

    side = hop.server.subject.side
    context = dict(seconds=seconds, front_label=hop.client.label, front_timeout=format_ms(front_ms))
    changes, defaults = [], False
    for setting in side.below(seconds * 1000):
        if setting.directive is None:
            defaults = True
        else:
            changes.append(replace(setting.directive, "lb001.j2", note=False, rest=setting.directive.args[1:], **context))
    if defaults:
        if side.http_block is not None:
            changes.append(append_to(side.http_block, "keepalive_timeout", "lb001.j2", note=True, rest=[], **context))
        else:
            lacking = [s for s in side.servers if not s.children("keepalive_timeout")]
            if not lacking:
                raise NoFix("no block to add keepalive_timeout to")
            changes.extend(append_to(server, "keepalive_timeout", "lb001.j2", note=True, rest=[], **context) for server in lacking)
    return plan(RULE, f"Set keepalive_timeout {seconds}s where nginx serves {hop.client.label}", changes,
                subject=("nginx-client-keepalive", side.config.path))


def _unknown(client, server, hop) -> Finding:
    """The load balancer's idle timeout could not be read: say why, never guess."""
    message = (
        f"{endpoint_name(client)}'s idle timeout is unknown, so it was not compared with {endpoint_name(server)}: "
        "give it a default or declare it in [[tool.nglint.frontend]]"
    )
    sources = [f"{client.label}: unknown: {client.idle.unknown_reason}", f"{server.label}: {server.idle.describe()}"]
    finding = Finding(RULE.code, Severity.INFO, message, client.idle.provenance.location or client.location, sources=sources)
    finding.data = {"hop": _hop_key(hop), "unknown": client.idle.unknown_reason}
    return finding


def _lower_advice(front, seconds: int | None) -> str:
    """The display-only alternative: the LB's idle timeout, or the setting it is made of
    (HAProxy keeps a lone idle connection three pool-purge-delay rounds)."""
    rounds, setting = getattr(front, "rounds", 1), getattr(front, "tuned_by", "")
    if rounds > 1 and setting:
        return f"lower its {setting} to {seconds // rounds}s" if seconds and seconds // rounds else f"lower its {setting}"
    return f"lower the LB's to {seconds}s" if seconds else "lower the LB's"


def _never_closes(client, server, hop) -> Finding:
    """A proxy whose idle timeout is 0 (no idle limit) keeps an idle pooled connection
    forever: the server behind always closes first, and no server timeout can outlast it."""
    front, behind = endpoint_name(client), endpoint_name(server)
    message = (f"{front} keeps idle connections with no limit (0 = no idle limit), {behind} closes them at "
               f"{format_ms(server.idle.timeout_ms)}: give the proxy an idle timeout below the server's")
    if len(message) > HEADLINE_MAX:
        message = message.replace(front, "The proxy", 1)
    sources = [
        f"{client.label}: no idle limit from {client.idle.provenance.describe()}",
        f"{server.label}: {format_ms(server.idle.timeout_ms)} from {server.idle.provenance.describe()}",
        f"linked by {hop.evidence}",
        "fix: set the proxy's idle timeout below the server's by the margin; no server timeout outlasts an unlimited one",
    ]
    where = server.idle.provenance.location or server.location
    related = [Related(client.idle.provenance.location or client.location, f"{client.label} keeps idle connections with no limit")]
    finding = Finding(RULE.code, RULE.severity, message, where, related=related, sources=sources)
    finding.data = {"hop": _hop_key(hop), "front_timeout_ms": None, "server_timeout_ms": server.idle.timeout_ms}
    return finding


def _margin_source(settings, server_ms: int) -> str:
    return margin_source(settings, server_ms, "the server must outlast the load balancer by {gap}", "the server's")




def _hop_key(hop) -> str:
    return f"{hop.client.label}|{hop.server.label}|{hop.server.location.path}:{hop.server.location.line}"


def check(project) -> Iterable[Finding]:
    from nglint.tiers.front_entry import has_fronts

    if not has_fronts(project):
        return  # nothing in front of any server: no import of the front-tier analysis
    from nglint.sources.frontend.model import is_front_tier
    from nglint.fixer.plan import planned
    from nglint.tiers.front import NginxTarget, analyse
    from nglint.tiers.invariant import client_closes_first

    analysis = analyse(project)
    margin = project.settings.margin
    for hop in analysis.hops:
        client, server = hop.client, hop.server
        if not is_front_tier(client.tier) or not client.idle.pools:
            continue
        race = client_closes_first(client.idle, server.idle, margin)
        if client.idle.infinite and client.idle.keepalive and server.idle.known and server.idle.keepalive and server.idle.timeout_ms is not None:
            yield _never_closes(client, server, hop)
            continue
        if race is None and not client.idle.known and server.idle.known and server.idle.keepalive:
            yield _unknown(client, server, hop)
            continue
        if race is None or race.ok:
            continue
        needed = required_seconds(race.client_ms, margin)
        nginx = isinstance(server.subject, NginxTarget)
        front, behind = endpoint_name(client), endpoint_name(server)
        lower = _lower_advice(client.subject, race.suggested_seconds)
        advice = f"set keepalive_timeout {needed}s or {lower}" if nginx else f"raise {behind}'s to {needed}s or {lower}"
        message = f"{front} keeps idle connections {format_ms(race.client_ms)}, {behind} closes them at {format_ms(race.server_ms)}: {advice}"
        if len(message) > HEADLINE_MAX:  # a long resource name: the sources name it in full
            message = message.replace(front, "The load balancer", 1)
        sources = [
            f"{client.label}: {format_ms(race.client_ms)} from {client.idle.provenance.describe()}",
            f"{server.label}: {format_ms(race.server_ms)} from {server.idle.provenance.describe()}",
            _margin_source(project.settings, race.server_ms),
            f"linked by {hop.evidence}",
        ]
        if nginx:
            sources.append("fix: --fix raises keepalive_timeout; lowering the load balancer's idle timeout is shown only")
        sources.extend(f"note: {note}" for note in getattr(client.subject, "notes", ()))
        where = server.idle.provenance.location or server.location
        related = [Related(client.idle.provenance.location or client.location,
                           f"{client.label} keeps idle connections {format_ms(race.client_ms)} ({client.idle.provenance.describe()})")]
        if hop.evidence_location is not None:
            related.append(Related(hop.evidence_location, f"linked by {hop.evidence}"))
        finding = Finding(RULE.code, RULE.severity, message, where, related=related, anchor="keepalive_timeout" if nginx else None,
                          sources=sources)
        finding.data = {
            "hop": _hop_key(hop),
            "front_timeout_ms": race.client_ms,
            "server_timeout_ms": race.server_ms,
            "required_seconds": needed,
            "suggested_front_seconds": race.suggested_seconds,
        }
        if nginx:  # an app server's own setting is the message's advice, not a fix
            finding.plan = planned(_plan, hop, needed, race.client_ms)
        yield finding
