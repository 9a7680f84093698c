"""The one place that lists checks: built-ins by module name, plugins by entry point.

Built-in modules are imported on demand so `nglint --version` stays instant.
Third-party checks register in the `nglint.checks` entry-point group with the same
interface (an object with `RULE` and `check(project)`).
"""

from __future__ import annotations

import importlib
import os
import sys
from functools import lru_cache

from nglint.rules import Rule

ENTRY_POINT_GROUP = "nglint.checks"

BUILTIN_CHECKS = (
    "nglint.checks.ka001_idle_timeout_outlives_backend",
    "nglint.checks.ka002_untuned_keepalive_timeout",
    "nglint.checks.ka003_pool_never_used",
    "nglint.checks.ka004_proxy_set_header_drops_connection",
    "nglint.checks.ka005_pooled_by_default",
    "nglint.checks.hc001_tcp_health_check",
    "nglint.checks.lb001_front_tier_outlives_server",
    "nglint.checks.lb002_l4_device_forgets_flow",
    "nglint.checks.ws001_websocket_headers",
    "nglint.checks.ws002_websocket_idle_timer",
    "nglint.checks.p001_nginx_parse_error",
    "nglint.checks.p002_bad_include",
    "nglint.checks.p003_backend_parse_error",
    "nglint.checks.p004_unresolved_placeholder",
    "nglint.checks.p005_unlinked_upstream",
    "nglint.checks.n001_bad_suppression",
)


class RegistryError(Exception):
    """A plugin that cannot be loaded or clashes with another rule code."""


@lru_cache(maxsize=1)
def all_checks() -> tuple:
    """Built-in checks then plugins, each exactly once, ordered by rule code."""
    checks = [importlib.import_module(name) for name in BUILTIN_CHECKS]
    checks.extend(_plugin_checks())
    seen: dict[str, object] = {}
    for check in checks:
        rule = getattr(check, "RULE", None)
        if not isinstance(rule, Rule) or not callable(getattr(check, "check", None)):
            raise RegistryError(f"{check!r} is not a check: it needs RULE (nglint.rules.Rule) and check(project)")
        if rule.code in seen:
            raise RegistryError(f"rule code {rule.code} is defined twice ({seen[rule.code]!r} and {check!r})")
        seen[rule.code] = check
    return tuple(sorted(checks, key=lambda c: c.RULE.code))


def all_rules() -> list[Rule]:
    return [check.RULE for check in all_checks()]


def rule_by_code(code: str) -> Rule | None:
    for rule in all_rules():
        if rule.code == code.upper():
            return rule
    return None


def _plugin_checks() -> list:
    return load_plugins(ENTRY_POINT_GROUP)


def load_plugins(group: str) -> list:
    """Every object registered in the entry-point `group`, loaded; one door for checks,
    readers and linkers alike."""
    if not _plugin_group_declared(group):
        return []
    from importlib.metadata import entry_points

    loaded = []
    for entry_point in entry_points(group=group):
        try:
            loaded.append(entry_point.load())
        except Exception as exc:  # a broken plugin is a usage problem, not a crash
            raise RegistryError(f"cannot load nglint plugin {entry_point.name!r} ({entry_point.value}): {exc}") from exc
    return loaded


def _plugin_group_declared(group: str = ENTRY_POINT_GROUP) -> bool:
    """Cheap pre-check: may any distribution on sys.path declare an entry point in `group`?

    Importing importlib.metadata and letting it read every distribution's metadata costs
    about 30 ms, a third of `nglint check` on one small file, and most installs have no
    plugin. This reads only entry_points.txt files and answers True on any doubt (a zip
    or egg on sys.path, a mention of the group), so the real lookup still decides.
    """
    mentions = _nglint_entry_points()
    return mentions is None or any(group.encode() in text for text in mentions)


@lru_cache(maxsize=1)
def _nglint_entry_points() -> tuple[bytes, ...] | None:
    """The entry_points.txt texts on sys.path that mention nglint, read once per process
    (checks, readers, linkers and hop builders each ask); None on any doubt."""
    found = []
    for base in sys.path:
        if base and os.path.isfile(base):
            return None  # a zip archive: let importlib.metadata look inside
        try:
            entries = list(os.scandir(base or "."))
        except OSError:
            continue
        for entry in entries:
            low = entry.name.lower()
            if low.endswith((".dist-info", ".egg-info")) or low == "egg-info":
                try:
                    with open(os.path.join(entry.path, "entry_points.txt"), "rb") as handle:
                        text = handle.read()
                except OSError:
                    continue
                if b"nglint" in text:
                    found.append(text)
            elif low.endswith(".egg"):
                return None
    return tuple(found)


def matches(code: str, selectors: list[str]) -> bool:
    return any(code.startswith(selector.upper()) for selector in selectors)


def selected_checks(select: list[str], ignore: list[str]) -> list:
    """Checks whose code matches a select prefix (all when empty) and no ignore prefix."""
    from nglint.codes import selector_problem

    codes = [check.RULE.code for check in all_checks()]
    for selector in list(select) + list(ignore):
        problem = selector_problem(selector, codes)
        if problem:
            raise RegistryError(problem)
    return [
        check
        for check in all_checks()
        if (not select or matches(check.RULE.code, select)) and not matches(check.RULE.code, ignore)
    ]
