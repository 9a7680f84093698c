"""Hops from the devices in front (load balancers, CDNs, routers) to what they forward to.

A front tier found in a file (Terraform) or declared (`[[tool.nglint.frontend]]`) is the
client endpoint; the server endpoint is nginx (its client-side keepalive_timeout on the
target port) or an app server the device targets directly. Links stay inside the
deployment unit, and look only in the Terraform root module's directory and, when that
is an infrastructure folder (`terraform/`, `infra/`...), its parent: a monorepo of stacks
must never link one stack's load balancer to another's nginx. The nearer of the two
directories that holds candidates decides; one nginx entry
config there is linked with that evidence, a backend on the target port likewise;
anything else is a link gap, recorded as a link-gap diagnostic, never guessed.
"""

from __future__ import annotations

import os
import sys

from nglint.diagnostics import LINK_GAP
from nglint.findings import Location
from nglint.problems import Problem
from nglint.records import field, record
from nglint.tiers.model import Endpoint, Hop, IdlePolicy, Provenance, SettingRef

# Names of a folder that holds a deployment's Terraform beside its nginx (repo/terraform,
# repo/nginx): only from such a folder does linking look one directory up. A stack's own
# folder (stacks/shop) never looks up into its neighbours.
INFRA_DIRS = frozenset({"terraform", "tf", "infra", "infrastructure", "iac", "deploy", "deployment", "deployments",
                        "ops", "devops", "alb", "elb", "lb", "loadbalancer", "load-balancer", "cloud", "aws", "azure", "gcp",
                        "cloudformation", "cfn", "k8s", "kubernetes", "manifests", "kube", "traefik", "envoy", "proxy",
                        "haproxy"})


@record
class FrontAnalysis:
    hops: list[Hop] = field(default_factory=list)
    gaps: list[Problem] = field(default_factory=list)  # link-gap diagnostics
    fronts: list = field(default_factory=list)


@record(eq=False)
class NginxTarget:
    """The subject of an nginx server endpoint behind a front tier."""

    config: object
    side: object  # nglint.sources.nginx.client_side.ClientSide


def build(project) -> list[Hop]:
    return analyse(project).hops


def analyse(project) -> FrontAnalysis:
    """Front tiers, their hops and link gaps: the project's `front` (computed once per run)."""
    return project.front


def front_tiers(project) -> list:
    """Front tiers read from files plus the declared ones. A module directory that another
    module calls is not a root: its resources count once, through the outermost call."""
    found = [tier for file in project.backend_files for tier in getattr(file, "frontends", ())]
    called = {directory for tier in found for directory in tier.call_chain}
    found = [tier for tier in found if os.path.abspath(tier.root_dir) not in called]
    return found + [_declared(spec) for spec in project.settings.frontends]


def _declared(spec):
    from nglint.sources.frontend.defaults import LABEL, default_idle
    from nglint.sources.frontend.model import TIER_PREFIX, FrontTier, Target

    line = _entry_line(spec.origin, spec.index)
    where = Location(spec.origin, line)
    if spec.idle_timeout_ms is not None:
        provenance = Provenance.declared(spec.origin, line, "idle-timeout", f"idle-timeout declared in [[tool.nglint.frontend]] entry {spec.index}")
        idle = spec.idle_timeout_ms
    else:
        row = default_idle(spec.kind)
        provenance, idle = Provenance.from_default(row, row.describe()), row.value
    target = Target(spec.port, f"declared in {os.path.basename(spec.origin)} entry {spec.index}", where)
    return FrontTier(TIER_PREFIX + spec.kind, f"{LABEL[spec.kind]} (declared)", idle, provenance, where,
                     targets=(target,), address=f"frontend {spec.index}", declared_target=spec,
                     root_dir=os.path.dirname(os.path.abspath(spec.origin)), tunnel_idle=_declared_tunnel(spec.kind))


def _declared_tunnel(kind: str):
    """What closes an idle websocket on a declared proxy whose idle timeout is a pool's: none
    on Traefik, Envoy's default stream idle timeout, HAProxy's timeouts (not declared: unknown).
    None for the other kinds, whose idle timeout cuts websockets too."""
    from nglint.sources.frontend.defaults import DEFAULTS
    from nglint.tiers.model import IdlePolicy

    if kind == "traefik":
        from nglint.sources.proxies.reader import traefik_tunnel

        return traefik_tunnel()
    if kind == "envoy":
        row = DEFAULTS.get("envoy.stream_idle_timeout")
        return IdlePolicy(row.value, Provenance.from_default(row, f"declared Envoy: {row.describe()}"))
    if kind == "haproxy":
        return IdlePolicy.unknown("a declared HAProxy's timeout tunnel, client and server are not known")
    return None


def _entry_line(path: str, index: int) -> int:
    """Line of the index-th `[[...frontend]]` header in the config file (bounded read)."""
    from nglint.boundary import Refused, open_limited

    try:  # the nglint config itself, already read once
        lines = open_limited(path, sys.maxsize, head=1_000_000).decode("utf-8", errors="replace").splitlines()
    except Refused:
        return 1
    seen = 0
    for number, line in enumerate(lines, 1):
        stripped = line.strip().replace(" ", "")
        if stripped in ("[[tool.nglint.frontend]]", "[[frontend]]"):
            seen += 1
            if seen == index:
                return number
    return 1


def analyse_project(project) -> FrontAnalysis:
    """Compute the analysis (Project.front memoises it; callers read `analyse(project)`)."""
    analysis = FrontAnalysis()
    fronts = front_tiers(project)
    analysis.fronts = fronts
    if not fronts:
        return analysis
    units = project.units
    index = _Candidates(project, units)
    for front in fronts:
        unit = units.unit_of(front.location.path)
        client = _client_endpoint(front, unit)
        spec = front.declared_target
        if spec is not None and spec.target_kind is not None:
            analysis.hops.append(Hop(client, _declared_server(spec, front), f"declared in {os.path.basename(spec.origin)}", front.location))
            continue
        if spec is not None and spec.target is not None:
            config = next((c for c in project.configs if spec.target in (c.path, *c.files)), None)
            if config is None:
                _record_gap(analysis, front, client, f"target {spec.target} is not an nginx config nglint read")
                continue
            analysis.hops.append(_nginx_hop(client, config, spec.port, f"target declared in {os.path.basename(spec.origin)}", front.location, unit))
            continue
        targets = front.targets or ()
        if not targets:
            from nglint.sources.frontend.model import Target

            targets = (Target(None, "no target group or backend port in the file", front.location),)
        for target in targets:
            hop, reason = index.resolve(client, front, target, unit)
            if hop is not None:
                analysis.hops.append(hop)
            else:
                _record_gap(analysis, front, client, reason)
    return analysis


_GAP_MESSAGE = "Nothing known behind {name}: declare its target in [[tool.nglint.frontend]] to check its timeout"
_L4_GAP_MESSAGE = "Nothing known behind {name}: its idle-flow timeout goes unchecked; declare its target in [[tool.nglint.frontend]]"


def _record_gap(analysis: FrontAnalysis, front, client: Endpoint, reason: str) -> None:
    """A front tier linked to nothing, as a link-gap diagnostic: an HTTP load balancer's idle
    race, or an L4 device's flow timeout (does the server close or probe idle flows before
    the device forgets them?), goes unchecked. A device that tells both ends when it drops
    a flow (Azure's TCP reset) and a TCP-mode proxy that closes both sides itself leave
    nothing unchecked, and are not recorded."""
    if front.relays or (not client.idle.pools and front.tcp_reset):
        return
    template = _GAP_MESSAGE if client.idle.pools else _L4_GAP_MESSAGE
    message = template.format(name=_gap_name(front.label, template))
    analysis.gaps.append(Problem(LINK_GAP, front.location.path, front.location.line, message,
                                 sources=(reason if reason.startswith(front.label) else f"{front.label}: {reason}",)))


def _gap_name(label: str, template: str = _GAP_MESSAGE) -> str:
    """The front tier's label, its module path cut from the left until the message fits
    (`... module.public-alb.aws_alb.this`): two balancers of one file stay two problems."""
    from nglint.messages import HEADLINE_MAX

    words = label.split(" ")
    parts = words[-1].split(".")
    room = HEADLINE_MAX - len(template.format(name=""))
    while len(label) > room and len(parts) > 2:
        parts = parts[2:] if parts[0] == "module" else parts[1:]
        label = " ".join(words[:-1] + [".".join(parts)])
    return label if len(label) <= room else "a load balancer"


def _client_endpoint(front, unit: str) -> Endpoint:
    from nglint.sources.frontend.defaults import LAYER

    kind = front.kind.split(":", 1)[1]
    pools = LAYER[kind] == "http" and not front.relays
    idle = IdlePolicy(front.idle_ms, front.provenance, known=front.known, keepalive=front.keepalive, pools=pools)
    setting = None
    if front.provenance.path and front.provenance.key:
        setting = SettingRef(front.provenance.origin if front.provenance.origin == "declared" else "terraform",
                             front.provenance.path, front.provenance.line or 1, front.provenance.key)
    return Endpoint(front.kind, front.label, idle, front.location, protocol="http" if pools else "tcp",
                    unit=unit, subject=front, setting=setting)


def _declared_server(spec, front) -> Endpoint:
    line = _entry_line(spec.origin, spec.index)
    provenance = Provenance.declared(spec.origin, line, "target-idle-timeout",
                                     f"target-idle-timeout declared in [[tool.nglint.frontend]] entry {spec.index}")
    return Endpoint(spec.target_kind, f"{spec.target_kind} (declared)", IdlePolicy(spec.target_idle_ms, provenance),
                    Location(spec.origin, line), port=spec.port)


def _nginx_hop(client: Endpoint, config, port, evidence: str, where: Location, unit: str) -> Hop:
    from nglint.sources.nginx.client_side import client_side

    side = client_side(config, port)
    anchor = side.servers[0] if side.servers else side.http_block
    location = Location(anchor.path, anchor.line) if anchor is not None else Location(config.path, 1)
    from nglint.paths import display_path

    label = f"nginx ({display_path(config.path)}" + (f", port {port})" if port else ")")
    server = Endpoint("nginx", label, side.idle_policy(), location, port=port, unit=unit, subject=NginxTarget(config, side))
    if not side.port_matched:
        evidence += f" (no server block listens on port {port}: every server block counted)"
    return Hop(client, server, evidence, where)


@record(eq=False)
class HostNginx:
    """The subject of an nginx endpoint known only from a host's user_data."""

    target: object


def _host_nginx_hop(client: Endpoint, target, unit: str) -> Hop:
    """nginx installed by user_data with no config in the repository: the keepalive_timeout
    the user_data writes, else the 65s of the nginx.conf nginx and its packages ship."""
    from nglint.sources.nginx.defaults import DEFAULTS as NGINX_DEFAULTS

    if target.nginx_timeout_at is not None and target.nginx_timeout_ms is not None:
        at = target.nginx_timeout_at
        idle = IdlePolicy(target.nginx_timeout_ms, Provenance.from_file(at.path, at.line, "keepalive_timeout", target.nginx_timeout_text))
    elif target.nginx_timeout_at is not None:
        idle = IdlePolicy(None, Provenance.unknown(f"{target.nginx_timeout_text} cannot be read"), known=False)
    else:
        row = NGINX_DEFAULTS.get("packaged.keepalive_timeout")
        idle = IdlePolicy(row.value, Provenance.from_default(row, "keepalive_timeout 65 in the nginx.conf nginx's packages "
                                                                   "and Docker image ship (the user_data writes none)"))
    host = target.hosts[0] if target.hosts else "the instances"
    server = Endpoint("nginx", f"nginx on {host}" + (f" port {target.port}" if target.port else ""), idle,
                      target.nginx_timeout_at or target.location, port=target.port, unit=unit, subject=HostNginx(target))
    return Hop(client, server, f"{target.evidence}; {target.nginx_evidence}", target.location)


class _Candidates:
    """nginx entry configs and backends by directory, for the nearest-directory search."""

    def __init__(self, project, units) -> None:
        self.units = units
        self.configs_by_dir: dict[str, list] = {}
        self.backends_by_dir: dict[str, list] = {}
        for config in project.configs:
            for directory in self._ancestors(config.path):
                self.configs_by_dir.setdefault(directory, []).append(config)
        for backend in project.backends:
            for directory in self._ancestors(backend.location.path):
                self.backends_by_dir.setdefault(directory, []).append(backend)

    def _ancestors(self, path: str):
        unit = self.units.unit_dir(path)
        directory = os.path.dirname(os.path.abspath(path))
        while True:
            yield directory
            if directory == unit or os.path.dirname(directory) == directory:
                return
            directory = os.path.dirname(directory)

    def _search_dirs(self, front, unit: str) -> list[str]:
        """The root module's directory and its parent, inside the unit: a deployment's
        Terraform sits in its own folder beside the nginx it installs, never higher up."""
        start = front.root_dir or os.path.dirname(os.path.abspath(front.location.path))
        unit = self.units.unit_dir(front.location.path)
        dirs = [start]
        parent = os.path.dirname(start)
        inside = start != unit and (parent == unit or parent.startswith(unit + os.sep))
        if inside and os.path.basename(start).lower() in INFRA_DIRS:
            dirs.append(parent)
        return dirs

    def resolve(self, client: Endpoint, front, target, unit: str):
        """(hop, "") or (None, the reason) for one target of a front tier."""
        for directory in self._search_dirs(front, unit):
            configs = [c for c in self.configs_by_dir.get(directory, ()) if self.units.unit_of(c.path) == unit]
            backends = [b for b in self.backends_by_dir.get(directory, ())
                        if target.port is not None and b.port == target.port and self.units.unit_of(b.location.path) == unit]
            if backends and not target.runs_nginx:
                if len(backends) > 1:
                    return None, f"{front.label}: {len(backends)} backends listen on port {target.port} under {directory}"
                backend = backends[0]
                server = Endpoint(backend.kind, backend.label, backend.idle_policy, backend.location, host=backend.host,
                                  port=backend.port, protocol=backend.protocol, unit=unit, subject=backend)
                return Hop(client, server, f"{target.evidence}, the port of {backend.label}", target.location), ""
            if configs:
                listening = [c for c in configs if target.port is not None and _listens(c, target.port)]
                chosen = listening if len(listening) == 1 else configs
                if len(chosen) == 1:
                    why = target.nginx_evidence or (f"a server block listens on port {target.port}" if listening else
                                                    "the only nginx entry config beside it")
                    evidence = f"{target.evidence}; {why}: {os.path.relpath(chosen[0].path, directory)}"
                    return _nginx_hop(client, chosen[0], target.port, evidence, target.location, unit), ""
                return None, (f"{front.label} forwards to {target.evidence}, and {len(configs)} nginx configs under "
                              f"{directory} could be behind it: declare the target in [[tool.nglint.frontend]]")
        if target.runs_nginx:
            return _host_nginx_hop(client, target, unit), ""
        return None, (f"{front.label}: no nginx config or backend on its target port in its directory or the one "
                      f"above ({target.evidence})")


def _listens(config, port: int) -> bool:
    from nglint.sources.nginx.client_side import client_side

    side = client_side(config, port)
    return bool(side.servers) and side.port_matched
