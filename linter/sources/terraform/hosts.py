"""What runs on the instances behind a Terraform load balancer, from their user_data.

Instances are found through target group attachments, Auto Scaling groups (their launch
configuration or launch template) and a Classic Load Balancer's `instances`. Their
user_data is followed through `local.x`, `file("...")`, `templatefile("...")` and
`data.template_file.x.rendered` (files inside the checked tree, bounded). user_data
that mentions nginx runs nginx; a `keepalive_timeout` it writes is read with its line.
"""

from __future__ import annotations

import json
import os
import re

from nglint.findings import Location
from nglint.records import record

MAX_USER_DATA = 256 * 1024
_NGINX = re.compile(r"\bnginx\b")
_KEEPALIVE = re.compile(r"^[^#\n]*\bkeepalive_timeout\s+([^;\s]+)\s*;", re.M)
_FILE_CALL = re.compile(r"""\b(?:file|templatefile)\(\s*"(?:\$\{path\.(?:module|root)\}/)?([^"$]+)\"""")
_LOCAL = re.compile(r"\blocal\.([A-Za-z_][\w-]*)")
_TEMPLATE = re.compile(r"\bdata\.template_file\.([A-Za-z_][\w-]*)")


@record(frozen=True)
class NginxOnHost:
    """nginx found in a host's user_data; `timeout_ms` when the user_data sets keepalive_timeout."""

    host: str
    evidence: str
    timeout_ms: int | None = None
    timeout_text: str = ""
    timeout_at: Location | None = None


def refs(value, rtype: str) -> list[str]:
    return re.findall(rf"{re.escape(rtype)}\.([A-Za-z_][\w-]*)", json.dumps(value, default=str))


def hosts_for(module, by_type, group: str | None = None, elb: str | None = None) -> list:
    """Instances and launch configurations/templates behind a target group or a CLB."""
    found = []
    asgs = set()
    if group is not None:
        for kind in ("aws_lb_target_group_attachment", "aws_alb_target_group_attachment"):
            for attachment in by_type.get(kind, {}).values():
                if group in refs(attachment.attrs.get("target_group_arn"), "aws_lb_target_group") + refs(attachment.attrs.get("target_group_arn"), "aws_alb_target_group"):
                    found.extend(_get(by_type, "aws_instance", name) for name in refs(attachment.attrs.get("target_id"), "aws_instance"))
        for name, asg in by_type.get("aws_autoscaling_group", {}).items():
            if group in refs(asg.attrs.get("target_group_arns"), "aws_lb_target_group") + refs(asg.attrs.get("target_group_arns"), "aws_alb_target_group"):
                asgs.add(name)
    if elb is not None:
        if "aws_elb" in by_type and elb in by_type["aws_elb"]:
            found.extend(_get(by_type, "aws_instance", name) for name in refs(by_type["aws_elb"][elb].attrs.get("instances"), "aws_instance"))
        for name, asg in by_type.get("aws_autoscaling_group", {}).items():
            if elb in refs(asg.attrs.get("load_balancers"), "aws_elb"):
                asgs.add(name)
    for attachment in by_type.get("aws_autoscaling_attachment", {}).values():
        text = json.dumps(attachment.attrs, default=str)
        if (group is not None and re.search(rf"aws_(?:lb|alb)_target_group\.{re.escape(group)}\b", text)) or (
                elb is not None and re.search(rf"aws_elb\.{re.escape(elb)}\b", text)):
            asgs.update(refs(attachment.attrs.get("autoscaling_group_name"), "aws_autoscaling_group"))
    for name in sorted(asgs):
        asg = by_type.get("aws_autoscaling_group", {}).get(name)
        if asg is None:
            continue
        found.extend(_get(by_type, "aws_launch_configuration", n) for n in refs(asg.attrs.get("launch_configuration"), "aws_launch_configuration"))
        found.extend(_get(by_type, "aws_launch_template", n) for n in refs(asg.attrs, "aws_launch_template"))
    unique = {(block.type, block.name): block for block in found if block is not None}
    return list(unique.values())


def _get(by_type, rtype: str, name: str):
    return by_type.get(rtype, {}).get(name)


def nginx_on(module, host, tree_roots: list[str], max_file_size: int) -> NginxOnHost | None:
    """nginx in the host's user_data, with the keepalive_timeout it writes (if any)."""
    address = f"{host.type}.{host.name}"
    for text, path, start in _user_data(module, host, tree_roots, max_file_size):
        if not _NGINX.search(text):
            continue
        evidence = f"user_data of {address} runs nginx ({os.path.basename(host.path)}:{host.line})"
        match = _KEEPALIVE.search(text)
        if match is None:
            return NginxOnHost(address, evidence)
        from nglint.units import UnitError, parse_nginx_time

        try:
            timeout = parse_nginx_time(match.group(1))
        except UnitError:
            timeout = None
        line = _line_of(path, start, match.group(0).strip(), max_file_size)
        return NginxOnHost(address, evidence, timeout, f"keepalive_timeout {match.group(1)} written by the user_data of {address}",
                           Location(path, line))
    return None


def _user_data(module, host, tree_roots, max_file_size):
    """(text, file it is written in, line to search from) for each piece of the user_data."""
    pieces = [(str(host.attrs.get(key, "")), host.path, host.line) for key in ("user_data", "user_data_base64") if key in host.attrs]
    expanded = []
    for text, path, start in pieces:
        expanded.append((text, path, start))
        for name in _LOCAL.findall(text):
            value = module.locals.get(name)
            if isinstance(value, str):
                expanded.append((value, module.locals_path.get(name, path), 1))
        for name in _TEMPLATE.findall(text):
            data = module.data.get(("template_file", name))
            if data is not None:
                template = str(data.attrs.get("template", ""))
                expanded.append((template, data.path, 1))
                expanded.extend(_files(module, template, tree_roots, max_file_size))
        expanded.extend(_files(module, text, tree_roots, max_file_size))
    return expanded


def _files(module, text: str, tree_roots, max_file_size):
    for relative in _FILE_CALL.findall(text):
        from nglint.sources.terraform.hcl import inside

        path = os.path.normpath(os.path.join(module.directory, relative))
        if not inside(path, tree_roots):
            continue  # never read outside the checked tree
        from nglint.boundary import Refused, read_text

        try:
            yield read_text(path, min(max_file_size, MAX_USER_DATA)), path, 1
        except Refused:
            continue


def _line_of(path: str, start: int, needle: str, max_file_size: int) -> int:
    from nglint.boundary import Refused, read_text

    try:
        text = read_text(path, max_file_size)
    except Refused:
        return start
    for number, line in enumerate(text.split("\n"), 1):
        if number >= start and needle in line:
            return number
    return start
