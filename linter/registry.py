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

from nglint.rules import AFTER_SUPPRESSIONS, NEEDS, STAGES, Rule

ENTRY_POINT_GROUP = "nglint.checks"

BUILTIN_CHECKS = (
    "nglint.checks.keepalive.ka001_idle_timeout_outlives_backend",
    "nglint.checks.keepalive.ka002_untuned_keepalive_timeout",
    "nglint.checks.keepalive.ka003_pool_never_used",
    "nglint.checks.keepalive.ka004_proxy_set_header_drops_connection",
    "nglint.checks.keepalive.ka005_pooled_by_default",
    "nglint.checks.health.hc001_tcp_health_check",
    "nglint.checks.front.lb001_front_tier_outlives_server",
    "nglint.checks.front.lb002_l4_device_forgets_flow",
    "nglint.checks.websocket.ws001_websocket_headers",
    "nglint.checks.websocket.ws002_websocket_idle_timer",
    "nglint.checks.loading.p001_nginx_parse_error",
    "nglint.checks.loading.p002_bad_include",
    "nglint.checks.loading.p003_backend_parse_error",
    "nglint.checks.loading.p004_unresolved_placeholder",
    "nglint.checks.loading.p005_unlinked_upstream",
    "nglint.checks.suppression.n001_bad_suppression",
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
        if not isinstance(rule, Rule):
            raise RegistryError(f"{check!r} is not a check: it needs RULE (nglint.rules.Rule) and check(project)")
        _validate_schedule(check, rule)
        if rule.code in seen:
            raise RegistryError(f"rule code {rule.code} is defined twice ({seen[rule.code]!r} and {check!r})")
        seen[rule.code] = check
    _check_reported_kinds([check.RULE for check in checks])
    return tuple(sorted(checks, key=lambda c: c.RULE.code))


def _check_reported_kinds(rules: list[Rule]) -> None:
    """Each diagnostic kind is reported by one rule at most, and only kinds of the closed
    vocabulary: two rules reporting one kind would say the same thing twice, and a kind no
    reader records would be a rule that never fires."""
    from nglint.diagnostics import KINDS

    owner: dict[str, str] = {}
    for rule in rules:
        for kind in rule.reports:
            if kind not in KINDS:
                raise RegistryError(f"rule {rule.code} reports {kind!r}, which is no diagnostic kind (nglint.diagnostics.KINDS)")
            if kind in owner:
                raise RegistryError(f"diagnostic kind {kind!r} is reported by both {owner[kind]} and {rule.code}")
            owner[kind] = rule.code


def rule_for_kind(kind: str) -> Rule | None:
    """The rule that reports diagnostics of `kind`, or None when no loaded rule does."""
    return next((rule for rule in all_rules() if kind in rule.reports), None)


def _validate_schedule(check, rule: Rule) -> None:
    """The entry point the rule's stage calls must exist; its needs must be ones the engine knows."""
    if rule.stage not in STAGES:
        raise RegistryError(f"rule {rule.code}: stage {rule.stage!r} is not one of {', '.join(STAGES)}")
    unknown = [need for need in rule.needs if need not in NEEDS]
    if unknown:
        raise RegistryError(f"rule {rule.code}: needs {', '.join(map(repr, unknown))}, not among {', '.join(NEEDS)}")
    entry = "check_suppressions" if rule.stage == AFTER_SUPPRESSIONS else "check"
    if not callable(getattr(check, entry, None)):
        signature = "check_suppressions(applied)" if entry == "check_suppressions" else "check(project)"
        raise RegistryError(f"{check!r} is not a check: rule {rule.code} runs at stage {rule.stage!r} and needs {signature}")


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
