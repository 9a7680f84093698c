"""What the manifests of one run describe together: units, workloads, Services, routes.

Objects are grouped by deployment unit (the unit directory of their file, see
nglint.tiers.units, with a kustomization's rendered objects replacing the raw files of
its directory) and, inside it, by namespace: a Service selects pods of its own
namespace only. Controllers are looked up in the Ingress's unit (any namespace: a
controller usually lives in its own), never across units.
"""

from __future__ import annotations

import os

from nglint.findings import Location
from nglint.records import field, record
from nglint.sources.k8s import controllers as ctl
from nglint.sources.k8s.manifests import CHART, KUSTOMIZATION, MANIFEST, VALUES, K8sObject, ManifestFile
from nglint.sources.k8s.workloads import Container, Workload, workload
from nglint.sources.k8s.yamlnodes import YMap, YSeq


@record
class Route:
    """One Ingress (or HTTPRoute) backend: the Service port it names and the containers behind it.

    `reason` says why no container was found (ExternalName, no matching pods, ...).
    """

    source: K8sObject
    location: Location
    service_name: str
    service_port: object
    service: K8sObject | None = None
    service_location: Location | None = None
    target_port: object = None
    containers: list = field(default_factory=list)  # (Container, container port)
    reason: str = ""
    keepalive: tuple | None = None  # a VirtualServer upstream's (keepalive, Location)
    policy: K8sObject | None = None  # an NGINX Gateway Fabric UpstreamSettingsPolicy on the Service


@record
class Unit:
    directory: str
    objects: list = field(default_factory=list)
    controllers: list = field(default_factory=list)


@record
class Cluster:
    units: list = field(default_factory=list)
    workloads: list = field(default_factory=list)
    routes: list = field(default_factory=list)  # (Route, Unit)
    problems: list = field(default_factory=list)


def build_cluster(project) -> Cluster:
    from nglint.sources.k8s.kustomize import overlay_objects

    files = [f for f in project.backend_files if isinstance(f, ManifestFile)]
    cluster = Cluster()
    if not files:
        return cluster
    index = project.units
    by_path = {os.path.abspath(f.path): f for f in files}
    units: dict[str, Unit] = {}

    def unit(directory: str) -> Unit:
        if directory not in units:
            units[directory] = Unit(directory)
        return units[directory]

    kustomized = set()
    for file in files:
        if file.role == KUSTOMIZATION:
            directory = os.path.dirname(os.path.abspath(file.path))
            unit(index.unit_of(file.path)).objects.extend(overlay_objects(file, by_path, cluster.problems, project.tree_roots))
            kustomized.add(directory)
    for file in files:
        if file.role == MANIFEST and index.unit_of(file.path) not in kustomized:
            unit(index.unit_of(file.path)).objects.extend(file.objects)
    charts = {os.path.dirname(os.path.abspath(f.path)): f.document for f in files if f.role == CHART}
    for file in files:
        if file.role == VALUES and file.document is not None:
            chart = charts.get(os.path.dirname(os.path.abspath(file.path)))
            found = ctl.from_chart_values(file.document, file.path, chart, index.unit_of(file.path))
            if found is not None:
                unit(index.unit_of(file.path)).controllers.append(found)
    for current in units.values():
        _build_unit(current, cluster, project)
    cluster.units = list(units.values())
    return cluster


def nearest(path: str, candidates: list, path_of=lambda obj: obj.path) -> list:
    """The candidates whose files share the deepest directory with `path`: a monorepo's
    stacks reuse names (`default/app`), and the nearest files are the ones deployed together."""
    if len(candidates) <= 1:
        return list(candidates)
    here = os.path.dirname(os.path.abspath(path))
    depth = [len(os.path.commonpath([here, os.path.dirname(os.path.abspath(path_of(c)))])) for c in candidates]
    best = max(depth)
    return [c for c, d in zip(candidates, depth) if d == best]


class Names:
    """Objects by (namespace, name), resolved to the nearest one (None when ambiguous)."""

    def __init__(self) -> None:
        self.by_name: dict = {}

    def add(self, obj: K8sObject) -> None:
        self.by_name.setdefault((obj.namespace or "default", obj.name), []).append(obj)

    def get(self, key: tuple, near: str):
        found = nearest(near, self.by_name.get(key, []))
        return found[0] if len(found) == 1 else None


def _build_unit(unit: Unit, cluster: Cluster, project) -> None:
    configmaps, services = Names(), Names()
    policies: dict = {}
    for obj in unit.objects:
        if obj.kind == "ConfigMap":
            configmaps.add(obj)
        elif obj.kind == "Service":
            services.add(obj)
        elif obj.kind == "UpstreamSettingsPolicy" and obj.api_version.startswith("gateway.nginx.org/"):
            refs = _maps(obj.spec.get("targetRefs"))
            if isinstance(obj.spec.get("targetRef"), YMap):
                refs.append(obj.spec["targetRef"])
            for ref in refs:
                if ref.get("kind") == "Service":
                    policies.setdefault((obj.namespace or "default", ref.get("name")), []).append(obj)
        elif obj.kind == "GatewayClass":
            found = ctl.from_gateway_class(obj, unit.directory)
            if found is not None:
                unit.controllers.append(found)
    by_label: dict = {}
    for obj in unit.objects:
        release = _release_controller(obj, unit.directory)
        if release is not None:
            unit.controllers.append(release)
            continue
        found = workload(obj, configmaps, f"{unit.directory}#{obj.namespace or 'default'}")
        if found is None:
            continue
        family = next((ctl.family_of_image(c.process.image) for c in found.containers if ctl.family_of_image(c.process.image)), None)
        if family is not None:
            container = next(c for c in found.containers if ctl.family_of_image(c.process.image))
            unit.controllers.append(ctl.from_workload(obj, container.body, family, configmaps, unit.directory, project.tree_roots))
            continue
        cluster.workloads.append(found)
        namespace = obj.namespace or "default"
        for key, value in found.pod_labels.items():
            by_label.setdefault((namespace, key, str(value)), []).append(found)
    for obj in unit.objects:
        if obj.kind == "Ingress":
            routes = _ingress_routes(obj)
        elif obj.kind == "VirtualServer":
            routes = _virtual_server_routes(obj)
        elif obj.kind == "HTTPRoute":
            routes = _http_routes(obj)
        else:
            continue
        for route in routes:
            _resolve(route, services, by_label)
            if route.service is not None and obj.kind == "HTTPRoute":
                route.policy = next(iter(nearest(route.service.path, policies.get((route.service.namespace or "default", route.service.name), []))), None)
            cluster.routes.append((route, unit))


def _release_controller(obj: K8sObject, unit_directory: str):
    """A controller chart installed by a GitOps object: Flux `HelmRelease` (spec.values) or
    Argo CD `Application` (spec.source.helm.valuesObject, or its `values` text, read-only)."""
    spec = obj.spec
    if obj.kind == "HelmRelease":
        chart_spec = spec.get("chart").get("spec") if isinstance(spec.get("chart"), YMap) else None
        if not isinstance(chart_spec, YMap):
            return None
        chart, version, values = chart_spec.get("chart"), chart_spec.get("version"), spec.get("values")
    elif obj.kind == "Application":
        source = spec.get("source")
        if not isinstance(source, YMap) or not isinstance(source.get("helm"), YMap):
            return None
        chart, version, helm = source.get("chart"), source.get("targetRevision"), source["helm"]
        values = helm.get("valuesObject")
        if values is None and isinstance(helm.get("values"), str):
            values = _values_text(helm, obj.path)
    else:
        return None
    if not isinstance(chart, str):
        return None
    if not isinstance(values, YMap):
        values = YMap(obj.path)
        values.mark = obj.body.mark
    chart_map = YMap(obj.path)
    chart_map.update({"name": chart, "version": str(version) if version is not None else None})
    found = ctl.from_chart_values(values, obj.path, chart_map, unit_directory)
    if found is not None:
        found.name = f"{obj.kind} {obj.namespace or 'default'}/{obj.name}"
    return found


def _values_text(helm: YMap, path: str):
    """Values given as YAML text in a block scalar: read with lines shifted into the file;
    the map is marked read-only (`source` None) so no fix edits inside the text."""
    from nglint.sources.k8s.yamlnodes import load_documents

    mark = helm.value_marks.get("values")
    try:
        documents = load_documents(helm["values"])
    except Exception:  # malformed values text: the controller's settings stay unknown
        return None
    if not documents or not isinstance(documents[0].root, YMap) or mark is None or mark.style not in ("|", ">"):
        return None
    _shift(documents[0].root, mark.line, path)
    return documents[0].root


def _shift(root: YMap, offset: int, path: str) -> None:
    pending = [root]
    while pending:
        node = pending.pop()
        if isinstance(node, YMap):
            node.source = path
            node.read_only = True
            for marks in (node.key_marks, node.value_marks):
                for mark in marks.values():
                    if mark is not None:
                        mark.line += offset
                        mark.end_line += offset
            if node.mark is not None:
                node.mark.line += offset
            pending.extend(value for value in node.values() if isinstance(value, (YMap, YSeq)))
        elif isinstance(node, YSeq):
            pending.extend(value for value in node if isinstance(value, (YMap, YSeq)))


def _ingress_routes(obj: K8sObject):
    """Every backend of an Ingress (networking.k8s.io/v1, v1beta1 and extensions/v1beta1)."""
    spec = obj.spec
    backends = []
    for key in ("defaultBackend", "backend"):
        if isinstance(spec.get(key), YMap):
            backends.append(spec[key])
    for rule in _maps(spec.get("rules")):
        http = rule.get("http")
        for path in _maps(http.get("paths") if isinstance(http, YMap) else None):
            if isinstance(path.get("backend"), YMap):
                backends.append(path["backend"])
    for backend in backends:
        location = Location(backend.source or obj.path, backend.mark.line if backend.mark else obj.line)
        service = backend.get("service")
        if isinstance(service, YMap):
            port = service.get("port") if isinstance(service.get("port"), YMap) else YMap()
            yield Route(obj, location, str(service.get("name")), port.get("number", port.get("name")))
        elif "serviceName" in backend:
            yield Route(obj, location, str(backend.get("serviceName")), backend.get("servicePort"))


def _virtual_server_routes(obj: K8sObject):
    """F5 VirtualServer upstreams: each names a Service and port, maybe with `keepalive`."""
    for upstream in _maps(obj.spec.get("upstreams")):
        location = Location(upstream.source or obj.path, upstream.mark.line if upstream.mark else obj.line)
        route = Route(obj, location, str(upstream.get("service")), upstream.get("port"))
        if "keepalive" in upstream:
            route.keepalive = (upstream.get("keepalive"), Location(upstream.source_of("keepalive") or obj.path, upstream.line_of("keepalive")))
        yield route


def _http_routes(obj: K8sObject):
    """Gateway API HTTPRoute backendRefs to Services."""
    for rule in _maps(obj.spec.get("rules")):
        for ref in _maps(rule.get("backendRefs")):
            if ref.get("kind", "Service") != "Service":
                continue
            location = Location(ref.source or obj.path, ref.mark.line if ref.mark else obj.line)
            yield Route(obj, location, str(ref.get("name")), ref.get("port"))


def _resolve(route: Route, services: dict, by_label: dict) -> None:
    namespace = route.source.namespace or "default"
    service = services.get((namespace, route.service_name), route.source.path)
    if service is None:
        route.reason = f"no Service {namespace}/{route.service_name} in the manifests"
        return
    route.service = service
    spec = service.spec
    if spec.get("type") == "ExternalName":
        route.reason = f"Service {namespace}/{service.name} is ExternalName {spec.get('externalName')}: the server is outside the manifests"
        route.service_location = Location(service.path, service.line)
        return
    ports = _maps(spec.get("ports"))
    entry = next((p for p in ports if route.service_port in (p.get("port"), p.get("name")) and route.service_port is not None), None)
    if entry is None and route.service_port is None and len(ports) == 1:
        entry = ports[0]
    if entry is None:
        route.reason = f"Service {namespace}/{service.name} has no port {route.service_port}"
        route.service_location = Location(service.path, service.line)
        return
    route.service_location = Location(entry.source or service.path, entry.mark.line if entry.mark else service.line)
    target = entry.get("targetPort", entry.get("port"))
    route.target_port = target
    selector = spec.get("selector")
    if not isinstance(selector, dict) or not selector:
        route.reason = f"Service {namespace}/{service.name} has no selector (its endpoints are managed elsewhere)"
        return
    candidates = min((by_label.get((namespace, k, str(v)), []) for k, v in selector.items()), key=len)
    matching = [found for found in candidates if all(str(found.pod_labels.get(k)) == str(v) for k, v in selector.items())]
    for found in nearest(service.path, matching, lambda w: w.obj.path):
        route.containers.extend(_containers_for(found, target))
    if not route.containers:
        route.reason = f"no pod template in the manifests matches Service {namespace}/{service.name}'s selector and port {target}"


def _containers_for(found: Workload, target) -> list[tuple[Container, int]]:
    if isinstance(target, str):
        return [(c, c.named_ports[target]) for c in found.containers if target in c.named_ports]
    if not isinstance(target, int):
        return []
    listed = [(c, target) for c in found.containers if target in c.process.ports]
    if listed:
        return listed
    # containerPort is informational: a single container may listen without listing it.
    return [(found.containers[0], target)] if len(found.containers) == 1 else []


def _maps(value) -> list[YMap]:
    return [item for item in value if isinstance(item, YMap)] if isinstance(value, YSeq) else []
