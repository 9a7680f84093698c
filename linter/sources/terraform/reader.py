"""The reader of Terraform modules: load balancers, their idle timeouts and their targets.

Terraform reads every `.tf` file of a directory as one module, so this reader does too:
the directory's first file (by name) reports the whole module, the others report only
their own parse errors through it. Local module calls (`source = "./modules/alb"`) are
read with the values the call passes; a resource under `count` or `for_each` is read as
one template (the message says so). Unresolved expressions stay unknown, with the reason.
"""

from __future__ import annotations

import os
import re

from nglint.findings import Location
from nglint.sources import LINE_COMMENT

MAX_MODULE_DEPTH = 4
_REF = r"{}\.([A-Za-z_][\w-]*)"


class TerraformReader:
    """`.tf` and `.tf.json`: front tiers (load balancers) are its endpoints."""

    kind = "terraform"
    comment = LINE_COMMENT
    comment_prefix = "#"

    def claims(self, path: str) -> bool:
        return path.endswith((".tf", ".tf.json"))

    def feeds(self, path: str) -> bool:
        name = os.path.basename(path)
        return name in ("terraform.tfvars", "terraform.tfvars.json") or name.endswith((".auto.tfvars", ".auto.tfvars.json"))

    def affected_by(self, path: str, loaded: list[str], tree_roots: list[str]) -> list[str]:
        """A changed `.tf` or tfvars file changes its whole module: re-read its first file."""
        from nglint.sources.terraform.hcl import module_files

        if not (self.claims(path) or self.feeds(path)):
            return []
        files = module_files(os.path.dirname(os.path.abspath(path)))
        return [candidate for candidate in loaded if files and os.path.abspath(candidate) == files[0]]

    def parse(self, path: str, tree_roots: list[str], max_file_size: int):
        from nglint.diagnostics import BACKEND_PARSE_ERROR
        from nglint.findings import Severity
        from nglint.problems import Problem
        from nglint.records import replace
        from nglint.sources.frontend.model import FrontFile
        from nglint.sources.terraform.hcl import load_module, module_files

        result = FrontFile(path)
        directory = os.path.dirname(os.path.abspath(path))
        files = module_files(directory)
        if not files or files[0] != os.path.abspath(path):
            return result  # the module's first file reports the whole directory
        try:
            module = load_module(directory, max_file_size, tree_roots)
            tiers = front_tiers(module, tree_roots, max_file_size, "", 0, result)
            result.frontends.extend(replace(tier, root_dir=directory) for tier in tiers)
            # Terraform accepts syntax its HCL2 grammar does not (0.11-style `map(...)`), so a
            # file nglint cannot parse is said at info: its load balancers go unchecked, no more.
            for problem_path, line, message in module.problems:
                result.problems.append(Problem(BACKEND_PARSE_ERROR, problem_path, line, message, "terraform", Severity.INFO))
        except Exception as exc:  # bad input never crashes a run
            result.problems.append(Problem(BACKEND_PARSE_ERROR, path, 1, f"cannot read Terraform module: {exc}", "terraform", Severity.WARNING))
        return result

    @property
    def defaults(self):
        from nglint.sources.frontend.defaults import DEFAULTS

        return DEFAULTS


def front_tiers(module, tree_roots, max_file_size, origin: str, depth: int, result) -> list:
    """Front tiers of one module instance and of the local modules it calls."""
    from nglint.diagnostics import BACKEND_PARSE_ERROR
    from nglint.findings import Severity
    from nglint.problems import Problem
    from nglint.records import replace
    from nglint.sources.terraform.hcl import evaluate, inside, is_unknown, load_module

    found = []
    by_type: dict[str, dict[str, object]] = {}
    for block in module.resources:
        by_type.setdefault(block.type, {})[block.name] = block
    for block in module.resources:
        builder = _BUILDERS.get(block.type)
        if builder is not None:
            tier = builder(module, block, by_type, origin, (tree_roots, max_file_size))
            if tier is not None:
                found.append(tier)
    if depth >= MAX_MODULE_DEPTH:
        return found
    for call in module.modules:
        source, _ = evaluate(module, call.attrs.get("source"))
        if is_unknown(source) or not isinstance(source, str) or not source.startswith(("./", "../")):
            continue  # registry and git modules are not in the repository
        target = os.path.normpath(os.path.join(module.directory, source))
        if not inside(target, tree_roots) or not os.path.isdir(target):
            # A missing or outside module is not read: what it declares stays unknown.
            result.problems.append(Problem(BACKEND_PARSE_ERROR, call.path, call.line, f"Module {call.name!r} was not read: its source is no "
                                           "directory inside the checked tree, so its resources stay unknown", "terraform",
                                           Severity.INFO, sources=(f"module source: {source!r}",)))
            continue
        inputs = {}
        for name, value in call.attrs.items():
            if name in ("source", "version", "providers", "count", "for_each", "depends_on") or name.startswith("__"):
                continue
            evaluated, how = evaluate(module, value)
            where = f"module {call.name!r} input {name} in {os.path.basename(call.path)}:{call.line}"
            inputs[name] = (evaluated, f"{where} ({how})" if not is_unknown(evaluated) else f"{where}: {how}")
        child = load_module(target, max_file_size, tree_roots, inputs)
        name = f"{origin}module.{call.name}."
        found.extend(replace(tier, call_chain=(target, *tier.call_chain))
                     for tier in front_tiers(child, tree_roots, max_file_size, name, depth + 1, result))
    return found


def _refs(value, rtypes: tuple[str, ...]) -> list[str]:
    import json  # only when a Terraform file is read: start-up stays free of it

    text = json.dumps(value, default=str)
    names = []
    for rtype in rtypes:
        names.extend(re.findall(_REF.format(re.escape(rtype)), text))
    return names


def _attr(module, block, name, default_row, unit_ms: int, what: str):
    """(ms or None, Provenance, known) for a duration attribute in `unit_ms` units."""
    from nglint.sources.terraform.hcl import as_int, attribute_line, evaluate, is_unknown
    from nglint.tiers.model import UNKNOWN, Provenance

    if name not in block.attrs:
        return default_row.value, Provenance.from_default(default_row, f"{what} not set: {default_row.describe()}"), True
    value, how = evaluate(module, block.attrs[name])
    line = attribute_line(module.texts.get(block.path, ""), block.path, block.line, name)
    if is_unknown(value) or as_int(value) is None:
        reason = how if is_unknown(value) else f"{name} = {value!r} is not a number"
        return None, Provenance(UNKNOWN, f"{block.type}.{block.name} {name}: {reason}", block.path, line, name), False
    number = as_int(value)
    detail = f"{name} = {number} in {block.type}.{block.name}" + ("" if how == "literal" else f" ({how})")
    return number * unit_ms, Provenance.from_file(block.path, line, name, detail), True


def _notes(block) -> tuple[str, ...]:
    if "count" in block.attrs or "for_each" in block.attrs:
        which = "count" if "count" in block.attrs else "for_each"
        return (f"{block.type}.{block.name} uses {which}: read as one template for every instance",)
    return ()


def _target(module, by_type, ctx, port, evidence: str, location, group=None, elb=None):
    """One target with the hosts behind it and what their user_data says about nginx."""
    from nglint.sources.frontend.model import Target
    from nglint.sources.terraform.hosts import hosts_for, nginx_on

    hosts = hosts_for(module, by_type, group=group, elb=elb)
    nginx = next((found for found in (nginx_on(module, host, *ctx) for host in hosts) if found is not None), None)
    return Target(
        port, evidence, location, tuple(f"{h.type}.{h.name}" for h in hosts), nginx is not None,
        nginx.evidence if nginx else "", nginx.timeout_ms if nginx else None,
        nginx.timeout_text if nginx else "", nginx.timeout_at if nginx else None,
    )


def _targets(module, by_type, ctx, lb_refs_type: tuple[str, ...], lb_name: str) -> tuple:
    """Listeners of an aws_lb -> target groups -> the instances or Auto Scaling groups behind them."""
    from nglint.sources.terraform.hcl import as_int, evaluate

    groups: list[str] = []
    for listener in list(by_type.get("aws_lb_listener", {}).values()) + list(by_type.get("aws_alb_listener", {}).values()):
        if lb_name in _refs(listener.attrs.get("load_balancer_arn"), lb_refs_type):
            groups.extend(_refs(listener.attrs, ("aws_lb_target_group", "aws_alb_target_group")))
    targets = []
    for group_name in dict.fromkeys(groups):
        group = by_type.get("aws_lb_target_group", {}).get(group_name) or by_type.get("aws_alb_target_group", {}).get(group_name)
        if group is None:
            continue
        port = as_int(evaluate(module, group.attrs.get("port"))[0]) if "port" in group.attrs else None
        evidence = f"{group.type}.{group_name} port {port if port is not None else 'unknown'}"
        targets.append(_target(module, by_type, ctx, port, evidence, Location(group.path, group.line), group=group_name))
    return tuple(targets)


def _aws_lb(module, block, by_type, origin, ctx):
    from nglint.sources.frontend.defaults import LABEL, default_idle
    from nglint.sources.frontend.model import TIER_PREFIX, FrontTier
    from nglint.sources.terraform.hcl import evaluate
    from nglint.tiers.model import Provenance

    lb_type, _ = evaluate(module, block.attrs.get("load_balancer_type", "application"))
    if lb_type not in ("application", "network"):
        return None  # a gateway load balancer, or a type nglint cannot evaluate
    kind = "aws-alb" if lb_type == "application" else "aws-nlb"
    notes = list(_notes(block))
    if kind == "aws-alb":
        idle_ms, provenance, known = _attr(module, block, "idle_timeout", default_idle(kind), 1000, "idle_timeout")
    else:
        idle_ms, provenance, known = default_idle(kind).value, Provenance.from_default(default_idle(kind), "no listener sets tcp_idle_timeout_seconds: " + default_idle(kind).describe()), True
        for listener in list(by_type.get("aws_lb_listener", {}).values()):
            if block.name in _refs(listener.attrs.get("load_balancer_arn"), ("aws_lb", "aws_alb")) and "tcp_idle_timeout_seconds" in listener.attrs:
                idle_ms, provenance, known = _attr(module, listener, "tcp_idle_timeout_seconds", default_idle(kind), 1000, "tcp_idle_timeout_seconds")
        if "idle_timeout" in block.attrs:
            notes.append(f"idle_timeout on {block.type}.{block.name} has no effect: it applies to application load balancers only")
    return FrontTier(
        TIER_PREFIX + kind, f"{LABEL[kind]} {origin}{block.type}.{block.name}", idle_ms, provenance,
        Location(block.path, block.line), known=known, targets=_targets(module, by_type, ctx, ("aws_lb", "aws_alb"), block.name),
        notes=tuple(notes), address=f"{block.type}.{block.name}", origin=origin, module_dir=module.directory,
    )


def _aws_elb(module, block, by_type, origin, ctx):
    from nglint.sources.frontend.defaults import LABEL, default_idle
    from nglint.sources.frontend.model import TIER_PREFIX, FrontTier
    from nglint.sources.terraform.hcl import as_int

    import json

    idle_ms, provenance, known = _attr(module, block, "idle_timeout", default_idle("aws-clb"), 1000, "idle_timeout")
    ports = re.findall(r'"instance_port":\s*"?(\d+)', json.dumps(block.attrs, default=str))
    targets = tuple(
        _target(module, by_type, ctx, as_int(port), f"{block.type}.{block.name} listener instance_port {port}",
                Location(block.path, block.line), elb=block.name)
        for port in dict.fromkeys(ports)
    )
    return FrontTier(
        TIER_PREFIX + "aws-clb", f"{LABEL['aws-clb']} {origin}{block.type}.{block.name}", idle_ms, provenance,
        Location(block.path, block.line), known=known, targets=targets, notes=_notes(block),
        address=f"{block.type}.{block.name}", origin=origin, module_dir=module.directory,
    )


def _azure_rule(module, block, by_type, origin, ctx):
    from nglint.sources.frontend.defaults import DEFAULTS, LABEL
    from nglint.sources.frontend.model import TIER_PREFIX, FrontTier, Target
    from nglint.sources.terraform.hcl import as_bool, as_int, evaluate

    row = DEFAULTS.get("azure-lb.idle_timeout")
    idle_ms, provenance, known = _attr(module, block, "idle_timeout_in_minutes", row, 60_000, "idle_timeout_in_minutes")
    reset = as_bool(evaluate(module, block.attrs.get("enable_tcp_reset", False))[0]) or False
    port = as_int(evaluate(module, block.attrs.get("backend_port"))[0]) if "backend_port" in block.attrs else None
    target = Target(port, f"{block.type}.{block.name} backend_port {port if port is not None else 'unknown'}", Location(block.path, block.line))
    return FrontTier(
        TIER_PREFIX + "azure-lb", f"{LABEL['azure-lb']} rule {origin}{block.type}.{block.name}", idle_ms, provenance,
        Location(block.path, block.line), known=known, targets=(target,), notes=_notes(block), tcp_reset=reset,
        address=f"{block.type}.{block.name}", origin=origin, module_dir=module.directory,
    )


def _gcp_backend(module, block, by_type, origin, ctx):
    from nglint.sources.frontend.defaults import LABEL, default_idle
    from nglint.sources.frontend.model import TIER_PREFIX, FrontTier
    from nglint.sources.terraform.hcl import evaluate
    from nglint.tiers.model import Provenance

    scheme, _ = evaluate(module, block.attrs.get("load_balancing_scheme", "EXTERNAL"))
    if scheme not in ("EXTERNAL", "EXTERNAL_MANAGED"):
        return None
    row = default_idle("gcp-alb")
    return FrontTier(
        TIER_PREFIX + "gcp-alb", f"{LABEL['gcp-alb']} {origin}{block.type}.{block.name}", row.value,
        Provenance.from_default(row, row.describe()), Location(block.path, block.line), notes=_notes(block),
        address=f"{block.type}.{block.name}", origin=origin, module_dir=module.directory,
    )


_BUILDERS = {
    "aws_lb": _aws_lb,
    "aws_alb": _aws_lb,
    "aws_elb": _aws_elb,
    "azurerm_lb_rule": _azure_rule,
    "google_compute_backend_service": _gcp_backend,
}
