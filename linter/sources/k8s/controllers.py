"""Ingress controllers found in manifests or chart values, with the pool policy they render.

ingress-nginx (kubernetes/ingress-nginx, and Bitnami's build of it) keeps one shared
upstream pool for every Ingress; its idle timeout is the ConfigMap key
`upstream-keepalive-timeout` (from 0.21.0) or the version's default. The F5 NGINX
Ingress Controller pools only when `keepalive` is set (ConfigMap, `nginx.org/keepalive`,
VirtualServer `upstreams[].keepalive`) and has no key for the pool's idle timeout, so
nginx's 60s applies. The controller's version comes from its image tag or its chart.
"""

from __future__ import annotations

import re

from nglint.findings import Location
from nglint.records import field, record
from nglint.sources.k8s.manifests import K8sObject
from nglint.sources.k8s.yamlnodes import YMap
from nglint.sources.process import image_name

INGRESS_NGINX, F5, NGF = "ingress-nginx", "nginx-ingress", "nginx-gateway-fabric"
NGF_CONTROLLER_NAME = "gateway.nginx.org/nginx-gateway-controller"
TIMEOUT_KEY = "upstream-keepalive-timeout"
CONNECTIONS_KEY = "upstream-keepalive-connections"
F5_KEEPALIVE_KEY = "keepalive"

_INGRESS_NGINX_IMAGES = ("ingress-nginx/controller", "ingress-nginx/controller-chroot",
                         "kubernetes-ingress-controller/nginx-ingress-controller", "bitnami/nginx-ingress-controller",
                         "nginx-ingress-controller")
_NGF_IMAGES = ("nginx/nginx-gateway-fabric", "nginx-gateway-fabric/nginx", "nginx-gateway-fabric")
_F5_IMAGES = ("nginx/nginx-ingress", "nginx-ic/nginx-plus-ingress", "nginx-ic-nap/nginx-plus-ingress", "nginx/nginx-plus-ingress")
_VERSION = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?")
_CONVENTIONAL_CONFIGMAPS = {
    INGRESS_NGINX: ("ingress-nginx-controller", "nginx-configuration", "nginx-ingress-controller"),
    F5: ("nginx-config", "nginx-ingress"),
}
# ingress-nginx chart version -> lowest controller version it ships (its Chart.yaml appVersion).
_CHART_APP_VERSIONS = (((4, 0, 1), (1, 0, 0)), ((3, 4, 0), (0, 40, 0)))


@record
class ConfigSource:
    """Where a controller's settings live: a ConfigMap's `data` or a chart's config map.

    `owner` is the map holding the settings map under `owner_key` (a ConfigMap's body
    and "data"); `mapping` is that settings map, None while it does not exist.
    """

    path: str
    describe: str
    mapping: YMap | None
    owner: YMap
    owner_key: str = "data"


@record
class Controller:
    """One ingress controller deployment (or chart release)."""

    family: str  # INGRESS_NGINX or F5
    name: str
    namespace: str
    location: Location
    image: str | None
    version: tuple | None
    version_source: str
    config: ConfigSource | None = None
    classes: tuple = ()
    unit: str = ""
    template: object = field(default=None, compare=False, repr=False)  # a custom nginx.tmpl's upstream block
    at_least: bool = False  # `version` is a lower bound (from a chart version)

    @property
    def product(self) -> str:
        return {INGRESS_NGINX: "ingress-nginx", F5: "F5 NGINX Ingress Controller", NGF: "NGINX Gateway Fabric"}[self.family]

    @property
    def version_text(self) -> str:
        if not self.version:
            return "version unknown"
        return (">= " if self.at_least else "") + ".".join(map(str, self.version))

    @property
    def label(self) -> str:
        where = {"values": self.name, "cluster": f"GatewayClass {self.name}"}.get(self.namespace, f"{self.namespace}/{self.name}")
        return f"{self.product} {self.version_text} ({where})"

    def setting(self, key: str) -> tuple[str | None, Location | None]:
        """The raw value of a config key and where it is, or (None, None)."""
        if self.config is None or self.config.mapping is None or key not in self.config.mapping:
            return None, None
        mapping = self.config.mapping
        value = mapping[key]
        return (None if value is None else str(value)), Location(mapping.source_of(key) or self.config.path, mapping.line_of(key))


def family_of_image(image: str | None) -> str | None:
    name, _ = image_name(image)
    if any(name == known or name.endswith("/" + known) for known in _INGRESS_NGINX_IMAGES):
        return INGRESS_NGINX
    if any(name == known or name.endswith("/" + known) for known in _F5_IMAGES):
        return F5
    if any(name == known or name.endswith("/" + known) for known in _NGF_IMAGES):
        return NGF
    return None


def parse_version(text) -> tuple | None:
    if not isinstance(text, str):
        return None
    match = _VERSION.match(text.strip())
    if not match:
        return None
    return tuple(int(part) for part in match.groups() if part is not None) + ((0,) if match.group(3) is None else ())


def from_workload(obj: K8sObject, container: YMap, family: str, configmaps, unit: str, tree_roots: list[str]) -> Controller:
    """A controller from its Deployment/DaemonSet container."""
    namespace = obj.namespace or "default"
    image = container.get("image") if isinstance(container.get("image"), str) else None
    _, tag = image_name(image)
    version = parse_version(tag)
    if version:
        source = f"image tag {tag} ({image})"
    elif image and "{{" in image:
        source = f"image {image} is templated: the version is unknown"
    else:
        source = f"image {image} has no version tag"
    args = [str(arg) for arg in (container.get("args") or []) if isinstance(arg, (str, int))]
    args += [str(arg) for arg in (container.get("command") or []) if isinstance(arg, (str, int))]
    config_ref, classes = None, []
    for arg in args:
        flag, _, value = arg.lstrip("-").partition("=")
        if flag in ("configmap", "nginx-configmaps"):
            config_ref = value
        elif flag in ("ingress-class", "controller-class"):
            classes.append(value)
    path = container.source or obj.path
    location = Location(path, container.line_of("image") if "image" in container else obj.line)
    controller = Controller(family, obj.name, namespace, location, image, version, source, classes=tuple(classes), unit=unit)
    controller.config = _configmap_source(family, namespace, config_ref, configmaps, path)
    if family == INGRESS_NGINX:
        controller.template = _custom_template(obj, container, configmaps, path, tree_roots)
    elif family == NGF:
        controller.config = None  # NGF has no ConfigMap of keys: UpstreamSettingsPolicy per Service
    return controller


def from_gateway_class(obj: K8sObject, unit: str) -> Controller | None:
    """NGINX Gateway Fabric named by a GatewayClass (the usual trace of a Helm install)."""
    if obj.spec.get("controllerName") != NGF_CONTROLLER_NAME:
        return None
    location = Location(obj.path, obj.spec.line_of("controllerName"))
    return Controller(NGF, obj.name, "cluster", location, None, None, f"GatewayClass {obj.name}", unit=unit)


def _custom_template(obj: K8sObject, container: YMap, configmaps, near: str, tree_roots: list[str]):
    """A custom nginx.tmpl mounted over /etc/nginx/template: from its ConfigMap in the
    manifests, else from a file named nginx.tmpl beside the controller's manifest."""
    import os

    from nglint.sources.k8s.template import upstream_balancer
    from nglint.sources.k8s.workloads import pod_template, template_text

    mounts = [m for m in (container.get("volumeMounts") or []) if isinstance(m, YMap)
              and str(m.get("mountPath", "")).rstrip("/") in ("/etc/nginx/template", "/etc/nginx/template/nginx.tmpl")]
    if not mounts:
        return None
    found = pod_template(obj)
    text = template_text(mounts[0], found[1] if found else YMap(), configmaps, obj.namespace or "default", near) if found else None
    if text is None:
        from nglint.boundary import Boundary, Refused, open_limited

        local = os.path.join(os.path.dirname(os.path.abspath(near)), "nginx.tmpl")
        if not os.path.lexists(local) or not Boundary(tree_roots).contains(local):
            return None
        try:
            text = (open_limited(local, 1 << 20).decode("utf-8", errors="replace"), Location(local, 1))
        except Refused:
            return None
    return upstream_balancer(*text)


def _configmap_source(family: str, namespace: str, ref: str | None, configmaps, near: str) -> ConfigSource | None:
    found, how = None, ""
    if ref:
        ref_namespace, _, name = ref.rpartition("/")
        if not ref_namespace or "$(" in ref_namespace:
            ref_namespace = namespace
        found, how = configmaps.get((ref_namespace, name), near), "named by the controller's --configmap argument"
    else:
        for name in _CONVENTIONAL_CONFIGMAPS[family]:
            found = configmaps.get((namespace, name), near)
            if found is not None:
                how = "found by its conventional name"
                break
    if found is None:
        return None
    data = found.body.get("data")
    describe = f"ConfigMap {found.namespace or namespace}/{found.name} ({how})"
    return ConfigSource(found.path, describe, data if isinstance(data, YMap) else None, owner=found.body, owner_key="data")


def from_chart_values(values: YMap, path: str, chart: YMap | None, unit: str) -> Controller | None:
    """A controller a chart release configures (ingress-nginx, Bitnami, F5 charts), or None."""
    chart_name = chart.get("name") if chart is not None else None
    dependencies = {dep.get("name"): dep for dep in (chart.get("dependencies") or []) if isinstance(dep, YMap)} if chart else {}
    root, family, chart_version = None, None, None
    for name, fam, nested in (("ingress-nginx", INGRESS_NGINX, "controller"), ("nginx-ingress-controller", INGRESS_NGINX, None),
                              ("nginx-ingress", F5, "controller")):
        if chart_name == name:
            root, family, chart_version = values, fam, chart.get("version")
        elif name in dependencies:
            dep = dependencies[name]
            alias = dep.get("alias") if isinstance(dep.get("alias"), str) else name
            root = values.get(alias) if isinstance(values.get(alias), YMap) else None
            family, chart_version = fam, dep.get("version")
        else:
            continue
        if root is not None and nested:
            root = root.get(nested) if isinstance(root.get(nested), YMap) else None
        break
    if root is None or family is None:
        return None
    image = root.get("image") if isinstance(root.get("image"), YMap) else YMap()
    tag = image.get("tag")
    version = parse_version(tag)
    if version is not None:
        source = f"controller image tag {tag} in {path}"
    elif family == INGRESS_NGINX and parse_version(str(chart_version)) is not None and chart_name != "nginx-ingress-controller":
        chart_tuple = parse_version(str(chart_version))
        version = next((app for since, app in _CHART_APP_VERSIONS if chart_tuple >= since), None)
        source = (f"chart ingress-nginx {chart_version} ships controller >= {'.'.join(map(str, version))}"
                  if version else f"chart ingress-nginx {chart_version}: controller version unknown")
    else:
        source = "no image tag or chart version in the chart values"
    config = root.get("config")
    if family == F5 and isinstance(config, YMap):
        config = config.get("entries")
    describe = f"chart values {'controller.' if family != INGRESS_NGINX or chart_name != 'nginx-ingress-controller' else ''}config"
    owner, owner_key = root, "config"
    if family == F5 and isinstance(root.get("config"), YMap):
        owner, owner_key = root["config"], "entries"
    source_config = ConfigSource(path, describe, config if isinstance(config, YMap) else None, owner=owner, owner_key=owner_key)
    location = Location(path, root.mark.line if root.mark else 1)
    name = f"chart {chart_name or 'release'}"
    return Controller(family, name, "values", location, None, version, source, source_config, unit=unit,
                      at_least=version is not None and "ships controller >=" in source)
