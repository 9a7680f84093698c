"""CloudFormation templates and AWS Load Balancer Controller annotations as front tiers.

Both are YAML (or JSON) files that other tools also own, so this reader claims a file
only when its first bytes say it is one of its kinds: `AWSTemplateFormatVersion` or an
`AWS::ElasticLoadBalancing` type (a template), or an `alb.ingress.kubernetes.io/` or
`service.beta.kubernetes.io/aws-load-balancer` annotation (a manifest). The annotation
logic is a pure function of one parsed document (`manifest_front_tiers`), so a
Kubernetes reader can call it for the documents it reads itself.
"""

from __future__ import annotations

import os
import re

from nglint.findings import Location
from nglint.sources import LINE_COMMENT
from nglint.sources.base import FileReader

SNIFF_BYTES = 8192
_TEMPLATE = re.compile(rb"AWSTemplateFormatVersion|AWS::ElasticLoadBalancing")
_MANIFEST = re.compile(rb"alb\.ingress\.kubernetes\.io/|service\.beta\.kubernetes\.io/aws-load-balancer")
ALB_ATTRIBUTES = "alb.ingress.kubernetes.io/load-balancer-attributes"
SERVICE_TYPE = "service.beta.kubernetes.io/aws-load-balancer-type"
SERVICE_IDLE = "service.beta.kubernetes.io/aws-load-balancer-connection-idle-timeout"
_LBC_DOC = "https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/"


class AwsLoadBalancerFiles(FileReader):
    """CloudFormation templates and annotated Kubernetes manifests."""

    kind = "aws-manifest"
    defaults_module = "nglint.sources.frontend.defaults"
    comment = LINE_COMMENT
    comment_prefix = "#"

    def claims(self, path: str) -> bool:
        if not path.endswith((".yaml", ".yml", ".json", ".template")) or path.endswith(".tf.json"):
            return False
        from nglint.boundary import sniff

        head = sniff(path, SNIFF_BYTES)
        # Kubernetes manifests are the Kubernetes reader's; it asks manifest_front_tiers.
        return head is not None and bool(_TEMPLATE.search(head))

    def parse(self, path: str, tree_roots: list[str], max_file_size: int):
        from nglint.sources.aws.yamlnodes import read_front_yaml

        result, documents = read_front_yaml(path, max_file_size)
        if documents is None:
            return result
        for document in documents:
            if not isinstance(document, dict):
                continue
            if "Resources" in document:
                result.frontends.extend(template_front_tiers(document, path))
            else:
                result.frontends.extend(manifest_front_tiers(document, path))
        return result


# -- CloudFormation ---------------------------------------------------------------------------
def _ref(value) -> str | None:
    if isinstance(value, dict):
        for key in ("!Ref", "Ref"):
            if isinstance(value.get(key), str):
                return value[key]
        for key in ("!GetAtt", "Fn::GetAtt"):
            target = value.get(key)
            if isinstance(target, str):
                return target.split(".", 1)[0]
            if isinstance(target, list) and target:
                return str(target[0])
    return None


def _resolve(template, value) -> tuple[object, str]:
    """A literal, or a `!Ref` to a parameter with a Default; else unknown (None) with the reason."""
    name = _ref(value)
    if name is None:
        if isinstance(value, (dict, list)):
            return None, "an intrinsic function nglint does not evaluate"
        return value, "literal"
    parameter = (template.get("Parameters") or {}).get(name)
    if isinstance(parameter, dict) and "Default" in parameter:
        return parameter["Default"], f"default of parameter {name}"
    return None, f"parameter {name} has no Default in the template"


def _seconds(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def template_front_tiers(template: dict, path: str) -> list:
    from nglint.sources.frontend.defaults import LABEL, default_idle
    from nglint.sources.frontend.model import TIER_PREFIX, FrontTier, Target
    from nglint.tiers.model import UNKNOWN, Provenance

    resources = template.get("Resources") or {}
    if not isinstance(resources, dict):
        return []
    found = []
    for name, resource in resources.items():
        if not isinstance(resource, dict):
            continue
        rtype = resource.get("Type")
        props = resource.get("Properties") or {}
        if not isinstance(props, dict):
            props = {}
        line = resources.line_of(name) if hasattr(resources, "line_of") else 1
        if rtype == "AWS::ElasticLoadBalancingV2::LoadBalancer":
            lb_type, _ = _resolve(template, props.get("Type", "application"))
            if lb_type not in ("application", "network"):
                continue
            kind = "aws-alb" if lb_type == "application" else "aws-nlb"
            key = "idle_timeout.timeout_seconds" if kind == "aws-alb" else "tcp.idle_timeout.seconds"
            holders = [(props, "LoadBalancerAttributes")] if kind == "aws-alb" else [
                (r.get("Properties") or {}, "ListenerAttributes") for r in resources.values()
                if isinstance(r, dict) and r.get("Type") == "AWS::ElasticLoadBalancingV2::Listener"
                and _ref((r.get("Properties") or {}).get("LoadBalancerArn")) == name]
            row = default_idle(kind)
            idle, provenance, known = row.value, Provenance.from_default(row, f"{key} not set: {row.describe()}"), True
            for holder, field_name in holders:
                for attribute in holder.get(field_name) or ():
                    if isinstance(attribute, dict) and attribute.get("Key") == key:
                        value, how = _resolve(template, attribute.get("Value"))
                        at = attribute.line_of("Value") if hasattr(attribute, "line_of") else line
                        seconds = _seconds(value)
                        if seconds is None:
                            idle, known = None, False
                            provenance = Provenance(UNKNOWN, f"{name} {key}: {how}", path, at, key)
                        else:
                            idle = seconds * 1000
                            detail = f"{key} = {seconds} in {name}" + ("" if how == "literal" else f" ({how})")
                            provenance = Provenance.from_file(path, at, key, detail)
            targets = _template_targets(template, resources, name, path)
            found.append(FrontTier(TIER_PREFIX + kind, f"{LABEL[kind]} {name}", idle, provenance, Location(path, line),
                                   known=known, targets=targets, address=name, root_dir=os.path.dirname(os.path.abspath(path))))
        elif rtype == "AWS::ElasticLoadBalancing::LoadBalancer":
            row = default_idle("aws-clb")
            settings = props.get("ConnectionSettings") or {}
            idle, provenance, known = row.value, Provenance.from_default(row, f"ConnectionSettings not set: {row.describe()}"), True
            if isinstance(settings, dict) and "IdleTimeout" in settings:
                value, how = _resolve(template, settings["IdleTimeout"])
                at = settings.line_of("IdleTimeout") if hasattr(settings, "line_of") else line
                seconds = _seconds(value)
                if seconds is None:
                    idle, known, provenance = None, False, Provenance(UNKNOWN, f"{name} IdleTimeout: {how}", path, at, "IdleTimeout")
                else:
                    idle = seconds * 1000
                    provenance = Provenance.from_file(path, at, "IdleTimeout", f"ConnectionSettings IdleTimeout = {seconds} in {name}")
            ports = [_seconds(l.get("InstancePort")) for l in props.get("Listeners") or () if isinstance(l, dict)]
            targets = tuple(Target(port, f"{name} listener InstancePort {port}", Location(path, line)) for port in dict.fromkeys(ports))
            found.append(FrontTier(TIER_PREFIX + "aws-clb", f"{LABEL['aws-clb']} {name}", idle, provenance, Location(path, line),
                                   known=known, targets=targets, address=name, root_dir=os.path.dirname(os.path.abspath(path))))
    return found


def _template_targets(template, resources, lb_name: str, path: str) -> tuple:
    from nglint.sources.frontend.model import Target

    targets = []
    for name, resource in resources.items():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::ElasticLoadBalancingV2::Listener":
            continue
        props = resource.get("Properties") or {}
        if _ref(props.get("LoadBalancerArn")) != lb_name:
            continue
        for action in props.get("DefaultActions") or ():
            group_name = _ref(action.get("TargetGroupArn")) if isinstance(action, dict) else None
            group = resources.get(group_name) if group_name else None
            if not isinstance(group, dict):
                continue
            group_props = group.get("Properties") or {}
            port, _ = _resolve(template, group_props.get("Port"))
            port = _seconds(port)
            hosts = [_ref(t.get("Id")) for t in group_props.get("Targets") or () if isinstance(t, dict)]
            nginx = next((h for h in hosts if h and "nginx" in repr((resources.get(h) or {}).get("Properties", {}).get("UserData", ""))), None)
            line = resources.line_of(group_name) if hasattr(resources, "line_of") else 1
            targets.append(Target(port, f"target group {group_name} port {port if port is not None else 'unknown'}",
                                  Location(path, line), tuple(h for h in hosts if h), nginx is not None,
                                  f"UserData of {nginx} runs nginx" if nginx else ""))
    return tuple(targets)


# -- Kubernetes annotations -------------------------------------------------------------------
def manifest_front_tiers(document: dict, path: str) -> list:
    """Front tiers one Kubernetes object's AWS Load Balancer Controller annotations describe."""
    from nglint.sources.frontend.defaults import LABEL, default_idle
    from nglint.sources.frontend.model import TIER_PREFIX, FrontTier, Target
    from nglint.tiers.model import UNKNOWN, Provenance

    kind = document.get("kind")
    metadata = document.get("metadata") or {}
    if not isinstance(metadata, dict):
        return []
    annotations = metadata.get("annotations") or {}
    if not isinstance(annotations, dict):
        annotations = {}
    name = metadata.get("name", "?")
    where = Location(path, document.line_of("metadata") if hasattr(document, "line_of") else 1)
    line_of = (lambda key: annotations.line_of(key)) if hasattr(annotations, "line_of") else (lambda key: where.line)
    root = os.path.dirname(os.path.abspath(path))
    spec = document.get("spec") or {}
    if kind == "Ingress":
        alb = any(str(k).startswith("alb.ingress.kubernetes.io/") for k in annotations) or (
            isinstance(spec, dict) and spec.get("ingressClassName") == "alb")
        if not alb:
            return []
        row = default_idle("aws-alb")
        idle, known = row.value, True
        provenance = Provenance.from_default(row, f"no idle_timeout.timeout_seconds in {ALB_ATTRIBUTES}: {row.describe()}")
        attributes = str(annotations.get(ALB_ATTRIBUTES, ""))
        match = re.search(r"idle_timeout\.timeout_seconds\s*=\s*([^,\s]+)", attributes)
        if match:
            seconds = _seconds(match.group(1))
            at = line_of(ALB_ATTRIBUTES)
            if seconds is None:
                idle, known = None, False
                provenance = Provenance(UNKNOWN, f"idle_timeout.timeout_seconds={match.group(1)} is not a number", path, at, ALB_ATTRIBUTES)
            else:
                idle = seconds * 1000
                provenance = Provenance.from_file(path, at, ALB_ATTRIBUTES, f"idle_timeout.timeout_seconds={seconds} on Ingress {name}")
        target = Target(None, f"Ingress {name} backends", where)
        return [FrontTier(TIER_PREFIX + "aws-alb", f"{LABEL['aws-alb']} for Ingress {name}", idle, provenance, where,
                          known=known, targets=(target,), address=f"Ingress/{name}", root_dir=root)]
    if kind == "Service" and isinstance(spec, dict) and spec.get("type") == "LoadBalancer":
        lb_type = str(annotations.get(SERVICE_TYPE, "")).lower()
        ports = [_seconds(p.get("targetPort", p.get("port"))) for p in spec.get("ports") or () if isinstance(p, dict)]
        targets = tuple(Target(port, f"Service {name} targetPort {port}", where) for port in dict.fromkeys(ports)) or (
            Target(None, f"Service {name}", where),)
        if lb_type in ("nlb", "external", "nlb-ip"):
            row = default_idle("aws-nlb")
            notes = ()
            if SERVICE_IDLE in annotations:
                notes = (f"{SERVICE_IDLE} (line {line_of(SERVICE_IDLE)}) has no effect on a Network Load Balancer: "
                         f"it applies to Classic Load Balancers only ({_LBC_DOC})",)
            return [FrontTier(TIER_PREFIX + "aws-nlb", f"{LABEL['aws-nlb']} for Service {name}", row.value,
                              Provenance.from_default(row, row.describe()), where, targets=targets, notes=notes,
                              address=f"Service/{name}", root_dir=root)]
        if not any(str(k).startswith("service.beta.kubernetes.io/aws-load-balancer") for k in annotations):
            return []  # a LoadBalancer Service on another cloud: nothing says which device
        row = default_idle("aws-clb")
        idle, known = row.value, True
        provenance = Provenance.from_default(row, row.describe())
        if SERVICE_IDLE in annotations:
            seconds = _seconds(annotations[SERVICE_IDLE])
            at = line_of(SERVICE_IDLE)
            if seconds is None:
                idle, known = None, False
                provenance = Provenance(UNKNOWN, f"{SERVICE_IDLE} {annotations[SERVICE_IDLE]!r} is not a number", path, at, SERVICE_IDLE)
            else:
                idle = seconds * 1000
                provenance = Provenance.from_file(path, at, SERVICE_IDLE, f"{SERVICE_IDLE}: {seconds} on Service {name}")
        return [FrontTier(TIER_PREFIX + "aws-clb", f"{LABEL['aws-clb']} for Service {name}", idle, provenance, where,
                          known=known, targets=targets, address=f"Service/{name}", root_dir=root)]
    return []
