"""Hops from an ingress controller's shared upstream pool to the containers behind each Ingress.

Ingress -> controller pool -> Service -> pod -> container: the client side is the
controller's pool with the idle policy its version and config give (and where a fix
would change it), the server side is each backend the server readers find for the
container's process. An Ingress annotation that makes the controller speak HTTP/1.0 or
send `Connection: close` upstream gets a client of its own that never reuses a
connection (the unused-pool rule reports it; no race is possible there).
"""

from __future__ import annotations

import os

from nglint.findings import Location
from nglint.records import field, record, replace
from nglint.sources.k8s import controllers as ctl
from nglint.sources.k8s.yamlnodes import YMap
from nglint.tiers.model import Endpoint, Hop, IdlePolicy, Provenance, SettingRef

_ANNOTATION_PREFIX = {ctl.INGRESS_NGINX: "nginx.ingress.kubernetes.io/", ctl.F5: "nginx.org/"}
NGF_TIMEOUT_KEY = "timeout"  # UpstreamSettingsPolicy spec.keepAlive.timeout


@record(frozen=True)
class PoolSubject:
    """The typed subject of a controller pool endpoint: which controller, and for a
    per-Ingress override, the annotation that disables reuse (`reuse_disabled_by`)."""

    controller: object = field(compare=False, hash=False)
    ingress: str = ""
    reuse_disabled_by: str = ""
    reuse_disabled_at: Location | None = None
    # F5 with keepalive 0 has no pool before nginx 1.29.7, which pools every upstream.
    pooled_by_nginx_default: bool = False


def build(project) -> list[Hop]:
    from nglint.sources.k8s.cluster import build_cluster

    cluster = build_cluster(project)
    controllers = [controller for unit in cluster.units for controller in unit.controllers]
    homes = _homes(controllers, [route.source.path for route, _ in cluster.routes])
    hops: list[Hop] = []
    pools: dict = {}
    servers: dict = {}  # a container behind several routes is asked about once
    for route, unit in cluster.routes:
        if not route.containers:
            continue
        # The route's own unit first: a kustomize overlay renders its own controller copy.
        own = [c for c in unit.controllers if _family_fits(route.source, c)]
        controller = _controller_for(route.source, own or controllers, homes)
        if controller is None:
            continue
        if controller.family == ctl.NGF:
            client = _gateway_pool(controller, route)
        else:
            if id(controller) not in pools:
                pools[id(controller)] = pool_endpoint(controller)
            client = _with_annotations(pools[id(controller)], controller, route)
        for container, port in route.containers:
            if id(container) not in servers:
                servers[id(container)] = _servers(project, container)
            for server in (s for s in servers[id(container)] if s.port is None or s.port == port):
                hops.append(Hop(client, server, _evidence(route, container, port), route.service_location or route.location))
    return hops


def _homes(controllers: list, route_paths: list[str]) -> dict:
    """Each controller's stack: the deepest directory holding it and some route. A route
    outside that directory belongs to another stack (a monorepo's next folder)."""
    directories = {os.path.dirname(os.path.abspath(path)) for path in route_paths}
    homes = {}
    for controller in controllers:
        here = os.path.dirname(os.path.abspath(controller.location.path))
        common = [os.path.commonpath([here, directory]) for directory in directories]
        homes[id(controller)] = max(common, key=len) if common else here
    return homes


def _controller_for(ingress, controllers: list, homes: dict):
    """The controller serving an Ingress: among the controllers of its stack whose files
    are nearest to it (the deepest common directory), the one its class or annotations
    name, else the only one; None when that stays ambiguous."""
    directory = os.path.dirname(os.path.abspath(ingress.path))
    candidates = [c for c in controllers if _family_fits(ingress, c) and _under(directory, homes[id(c)])]
    if not candidates:
        return None
    here = os.path.dirname(os.path.abspath(ingress.path))
    depth = {id(c): len(os.path.commonpath([here, os.path.dirname(os.path.abspath(c.location.path))])) for c in candidates}
    nearest = max(depth.values())
    candidates = [c for c in candidates if depth[id(c)] == nearest]
    wanted = ingress.spec.get("ingressClassName") or ingress.annotations.get("kubernetes.io/ingress.class")
    if isinstance(wanted, str) and len(candidates) > 1:
        named = [c for c in candidates if wanted in c.classes]
        candidates = named or candidates
    return candidates[0] if len(candidates) == 1 else None


def _under(directory: str, home: str) -> bool:
    return directory == home or directory.startswith(home.rstrip(os.sep) + os.sep)


def _family_fits(ingress, controller) -> bool:
    """F5's VirtualServer is F5's own, an HTTPRoute is a Gateway's (NGINX Gateway Fabric
    here); an Ingress's annotations name the family they are for."""
    if ingress.kind == "VirtualServer":
        return controller.family == ctl.F5
    if ingress.kind == "HTTPRoute" or controller.family == ctl.NGF:
        return ingress.kind == "HTTPRoute" and controller.family == ctl.NGF
    families = {family for family, prefix in _ANNOTATION_PREFIX.items() if any(str(k).startswith(prefix) for k in ingress.annotations)}
    return len(families) != 1 or controller.family in families


def pool_endpoint(controller) -> Endpoint:
    """The controller's shared upstream pool as a client endpoint."""
    if controller.family == ctl.INGRESS_NGINX:
        idle, key = _ingress_nginx_idle(controller)
        setting, location = _setting(controller, key), controller.location
        template = controller.template
        if setting is None and template is not None:
            # the custom template decides: the finding points into it
            location = template.keepalive_timeout[1] if template.keepalive_timeout else template.location
    else:
        # No key sets F5's pool idle timeout: no fix; the finding points at `keepalive`.
        idle, key = _f5_idle(controller)
        _, where = controller.setting(key)
        setting, location = None, where or controller.location
    subject = PoolSubject(controller, pooled_by_nginx_default=controller.family == ctl.F5 and not idle.pools)
    return Endpoint(controller.family, f"{controller.label} upstream pool", idle, location,
                    unit=controller.unit, subject=subject, setting=setting)


def _gateway_pool(controller, route) -> Endpoint:
    """NGINX Gateway Fabric's pool for one Service: its UpstreamSettingsPolicy's keepAlive
    (connections, timeout), else no pool before nginx 1.29.7 (nginx's 60s after)."""
    from nglint.sources.nginx.defaults import DEFAULTS as NGINX
    from nglint.units import UnitError, parse_nginx_time

    default = NGINX.get("upstream.keepalive_timeout")
    policy = route.policy
    service = f"Service {route.service.namespace or 'default'}/{route.service.name}"
    label = f"{controller.label} upstream pool for {service}"
    keepalive = policy.spec.get("keepAlive") if policy is not None else None
    if not isinstance(keepalive, YMap):
        detail = f"{default.describe()} (no UpstreamSettingsPolicy keepAlive for {service})"
        idle = IdlePolicy(default.value, Provenance.from_default(default, detail), pools=False)
        subject = PoolSubject(controller, route.source.describe(), pooled_by_nginx_default=True)
        return Endpoint(ctl.NGF, label, idle, controller.location, unit=controller.unit, subject=subject)
    connections = keepalive.get("connections")
    pools = isinstance(connections, int) and connections > 0
    where = Location(keepalive.source_of("connections") or policy.path, keepalive.line_of("connections"))
    raw = keepalive.get("timeout")
    if raw is None:
        detail = f"{default.describe()} (UpstreamSettingsPolicy {policy.namespace or 'default'}/{policy.name} sets no keepAlive.timeout)"
        idle = IdlePolicy(default.value, Provenance.from_default(default, detail), pools=pools)
        setting = SettingRef("k8s", policy.spec.source_of("keepAlive") or policy.path, policy.spec.line_of("keepAlive"),
                             NGF_TIMEOUT_KEY, False, handle=(controller, _policy_config(policy, keepalive)))
    else:
        at = Location(keepalive.source_of("timeout") or policy.path, keepalive.line_of("timeout"))
        try:
            milliseconds = parse_nginx_time(str(raw))
        except (UnitError, ValueError):
            idle = IdlePolicy.unknown(f"keepAlive.timeout {raw!r} is not a time", pools=pools)
        else:
            idle = IdlePolicy(milliseconds, Provenance.from_file(at.path, at.line, "keepAlive.timeout", f"keepAlive.timeout: {raw}"), pools=pools)
        setting = SettingRef("k8s", at.path, at.line, NGF_TIMEOUT_KEY, True, handle=(controller, _policy_config(policy, keepalive)))
    subject = PoolSubject(controller, route.source.describe(), pooled_by_nginx_default=not pools)
    return Endpoint(ctl.NGF, label, idle, where, unit=controller.unit, subject=subject, setting=setting)


def _policy_config(policy, keepalive: YMap):
    return ctl.ConfigSource(policy.path, f"UpstreamSettingsPolicy {policy.namespace or 'default'}/{policy.name} keepAlive",
                            keepalive, owner=policy.spec, owner_key="keepAlive")


def _ingress_nginx_idle(controller) -> tuple[IdlePolicy, str]:
    from nglint.sources.k8s.defaults import DEFAULTS, TIMEOUT_KEY_SINCE

    version = controller.version
    if version is not None and version < (0, 20, 0):
        return IdlePolicy.unknown(f"{controller.label}: versions before 0.20.0 are not in nglint's defaults table", pools=True), ctl.TIMEOUT_KEY
    connections, _ = controller.setting(ctl.CONNECTIONS_KEY)
    pools = not (connections is not None and connections.strip() == "0")
    template = controller.template
    if template is not None:
        decided = _template_idle(controller, template, pools)
        if decided is not None:
            return decided, ctl.TIMEOUT_KEY
    raw, where = controller.setting(ctl.TIMEOUT_KEY)
    if raw is not None and (version is None or version >= TIMEOUT_KEY_SINCE):
        if "{{" in raw:
            return IdlePolicy.unknown(f"{ctl.TIMEOUT_KEY} is templated ({raw})", pools=pools), ctl.TIMEOUT_KEY
        try:
            seconds = int(raw.strip().strip('"'))
        except ValueError:
            return IdlePolicy.unknown(f"{ctl.TIMEOUT_KEY}: {raw!r} is not a whole number of seconds", pools=pools), ctl.TIMEOUT_KEY
        provenance = Provenance.from_file(where.path, where.line, ctl.TIMEOUT_KEY,
                                          f'{ctl.TIMEOUT_KEY}: "{raw}" in {controller.config.describe}')
        return IdlePolicy(seconds * 1000, provenance, pools=pools), ctl.TIMEOUT_KEY
    default = DEFAULTS.get(ctl.TIMEOUT_KEY, version)
    detail = f"{default.describe()} ({controller.version_source})"
    if version is not None and version < TIMEOUT_KEY_SINCE:
        detail += f"; {controller.product} {controller.version_text} has no {ctl.TIMEOUT_KEY} key: upgrade to 0.21.0 or later, or change the upstream_balancer block of a custom nginx.tmpl"
    elif version is None:
        detail += "; the controller version is unknown, the default is the same for every version since 0.21.0"
    return IdlePolicy(default.value, Provenance.from_default(default, detail), pools=pools), ctl.TIMEOUT_KEY


def _template_idle(controller, template, pools: bool) -> IdlePolicy | None:
    """What a custom nginx.tmpl's upstream_balancer decides itself, or None when it leaves
    the pool to the config keys (its arguments are `{{ }}` actions, as in the stock template)."""
    from nglint.sources.nginx.defaults import DEFAULTS as NGINX
    from nglint.units import UnitError, parse_nginx_time

    where = template.location
    if template.keepalive is None:
        provenance = Provenance.from_file(where.path, where.line, "upstream_balancer", "custom nginx.tmpl: upstream_balancer has no keepalive")
        return IdlePolicy(None, provenance, keepalive=False, pools=False)
    if template.keepalive_timeout is None:
        default = NGINX.get("upstream.keepalive_timeout")
        detail = f"{default.describe()} (custom nginx.tmpl {where.path}:{where.line} sets no keepalive_timeout)"
        return IdlePolicy(default.value, Provenance.from_default(default, detail), pools=pools)
    raw, at = template.keepalive_timeout
    if "{{" in raw:
        return None
    try:
        milliseconds = parse_nginx_time(raw)
    except (UnitError, ValueError):
        return IdlePolicy.unknown(f"keepalive_timeout {raw!r} in the custom nginx.tmpl is not a time", pools=pools)
    provenance = Provenance.from_file(at.path, at.line, "keepalive_timeout", f"keepalive_timeout {raw} in custom nginx.tmpl")
    return IdlePolicy(milliseconds, provenance, pools=pools)


def _f5_idle(controller) -> tuple[IdlePolicy, str]:
    from nglint.sources.k8s.f5_defaults import DEFAULTS

    timeout = DEFAULTS.get("upstream.keepalive_timeout")
    raw, _ = controller.setting(ctl.F5_KEEPALIVE_KEY)
    try:
        connections = int(raw.strip()) if raw is not None else DEFAULTS.get("keepalive").value
    except ValueError:
        return IdlePolicy.unknown(f"keepalive: {raw!r} is not a number"), ctl.F5_KEEPALIVE_KEY
    detail = f"{timeout.describe()} ({controller.product} {controller.version_text}, {controller.version_source})"
    return IdlePolicy(timeout.value, Provenance.from_default(timeout, detail), pools=connections > 0), ctl.F5_KEEPALIVE_KEY


def _setting(controller, key: str) -> SettingRef | None:
    """Where the fix sets `key`: its line, else the settings map's key (`data:`) where it
    would be added. None when no key exists in this version (ingress-nginx < 0.21.0)."""
    from nglint.sources.k8s.defaults import TIMEOUT_KEY_SINCE

    config = controller.config
    if config is None:
        return None
    if controller.family == ctl.INGRESS_NGINX and controller.version is not None and controller.version < TIMEOUT_KEY_SINCE:
        return None
    template = getattr(controller, "template", None)
    if template is not None and (template.keepalive_timeout is None or "{{" not in template.keepalive_timeout[0]):
        return None  # the custom template decides; a ConfigMap key would change nothing
    if getattr(config.owner, "read_only", False):
        return None  # values held as text (Argo CD helm.values): reported, not rewritten
    _, where = controller.setting(key)
    if where is not None:
        return SettingRef("k8s", where.path, where.line, key, True, handle=(controller, config))
    owner = config.owner
    line = owner.line_of(config.owner_key) if config.owner_key in owner else (owner.mark.line if owner.mark else 1)
    return SettingRef("k8s", owner.source_of(config.owner_key) or config.path, line, key, False, handle=(controller, config))


def _with_annotations(client: Endpoint, controller, route) -> Endpoint:
    """The pool as this route sees it: annotations (or a VirtualServer upstream's
    `keepalive`) may disable reuse or the pool for its locations."""
    ingress = route.source
    annotations = ingress.annotations
    prefix = _ANNOTATION_PREFIX[controller.family]
    if controller.family == ctl.F5:
        if route.keepalive is not None:
            raw, where = route.keepalive
            label = f"{client.label} for {ingress.describe()} upstream (keepalive {raw})"
        elif prefix + "keepalive" in annotations:
            raw = annotations.get(prefix + "keepalive")
            where = Location(annotations.source_of(prefix + "keepalive") or ingress.path, annotations.line_of(prefix + "keepalive"))
            label = f"{client.label} for {ingress.describe()} (nginx.org/keepalive {raw})"
        else:
            return client
        try:
            connections = int(str(raw).strip())
        except ValueError:
            return client
        idle = replace(client.idle, pools=connections > 0)
        subject = replace(client.subject, ingress=ingress.describe(), pooled_by_nginx_default=connections == 0)
        return replace(client, label=label, idle=idle, location=where, subject=subject)
    version = annotations.get(prefix + "proxy-http-version")
    header = annotations.get(prefix + "connection-proxy-header")
    if str(version).strip() == "1.0":
        key, disabled = prefix + "proxy-http-version", 'proxy-http-version "1.0": HTTP/1.0 closes every upstream connection'
    elif isinstance(header, str) and header.strip().lower() == "close":
        key, disabled = prefix + "connection-proxy-header", 'connection-proxy-header "close": every upstream connection is closed after one request'
    else:
        return client
    where = Location(annotations.source_of(key) or ingress.path, annotations.line_of(key))
    idle = IdlePolicy(client.idle.timeout_ms, client.idle.provenance, client.idle.known, keepalive=False, pools=False)
    subject = PoolSubject(client.subject.controller, ingress.describe(), disabled, where)
    return replace(client, label=f"{client.label} for {ingress.describe()}", idle=idle, subject=subject, setting=None)


def _servers(project, container) -> list[Endpoint]:
    """Every listener the server readers find for the container's process."""
    from nglint.sources.process import backends_for

    found = backends_for(container.process, project.tree_roots, project.settings.max_file_size)
    servers = []
    for backend in found:
        backend = replace(backend, host=backend.host or container.workload.name, unit=backend.unit or container.process.unit)
        servers.append(Endpoint(backend.kind, backend.label, backend.idle_policy, backend.location, backend.host,
                                backend.port, backend.protocol, backend.unit, subject=backend))
    return servers


def _evidence(route, container, port: int) -> str:
    ingress = route.source
    where = f"{_short(route.location.path)}:{route.location.line}"
    target = route.target_port
    hop_target = f"targetPort {target}" if target is not None else "its port"
    return (f"{ingress.describe()} ({where}) -> Service {route.service.namespace or 'default'}/{route.service.name} "
            f"port {route.service_port} -> {hop_target} -> {container.workload.describe()} container "
            f"{container.name} port {port}")


def _short(path: str) -> str:
    from nglint.api import display_path

    return display_path(path)
