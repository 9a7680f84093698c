"""Text for `nglint check --show-settings` and `--statistics`.

`--show-settings` answers "why did (or didn't) this rule run here?": every setting with
its resolved value and where it came from (a config file, a command-line flag, or the
default), in the spirit of `ruff check --show-settings`.
"""

from __future__ import annotations

import os

from nglint.config import Settings
from nglint.paths import display_path
from nglint.report import Report

# (config key, Settings attribute), in the order the README documents them.
_KEYS = (
    ("nginx-version", "nginx_version"),
    ("select", "select"),
    ("ignore", "ignore"),
    ("margin", "margin"),
    ("nginx-roots", "nginx_roots"),
    ("nginx-prefix", "nginx_prefix"),
    ("exclude", "exclude"),
    ("per-file-ignores", "per_file_ignores"),
    ("max-file-size", "max_file_size"),
    ("max-include-depth", "max_include_depth"),
    ("max-files", "max_files"),
    ("backend", "backends"),
    ("severity", "severity"),
    ("fail-on", "fail_on"),
    ("respect-gitignore", "respect_gitignore"),
    ("frontend", "frontends"),
)


def _value(key: str, value) -> str:
    if key == "nginx-version":
        return ".".join(str(p) for p in value) if value else "(not set: nginx before 1.29.7 defaults)"
    if key == "margin":
        return f"{value.describe()} (minimum {value.minimum_ms // 1000}s)"
    if key in ("nginx-roots",):
        return "[" + ", ".join(display_path(p) for p in value) + "]" if value else "[] (discovered)"
    if key == "nginx-prefix":
        return "{" + ", ".join(f"{k} = {display_path(v)}" for k, v in value.items()) + "}"
    if key == "backend":
        if not value:
            return "[]"
        parts = []
        for spec in value:
            target = display_path(spec.server_xml) if spec.server_xml else f"idle-timeout {spec.idle_timeout_ms}ms"
            parts.append(f"{spec.upstream} -> {target}" + (f" port {spec.port}" if spec.port else ""))
        return "[" + "; ".join(parts) + "]"
    if key == "severity":
        return "{" + ", ".join(f"{k} = {v.value}" for k, v in value.items()) + "}"
    if key == "fail-on":
        return value.value
    if key == "frontend":
        return "[" + "; ".join(_frontend(spec) for spec in value) + "]"
    if isinstance(value, list):
        return "[" + ", ".join(value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = [{', '.join(v)}]" for k, v in value.items()) + "}"
    return str(value)


def _frontend(spec) -> str:
    idle = f"idle-timeout {spec.idle_timeout_ms}ms" if spec.idle_timeout_ms is not None else "default idle timeout"
    if spec.target:
        target = display_path(spec.target)
    elif spec.target_kind:
        target = f"{spec.target_kind} idle-timeout {spec.target_idle_ms}ms"
    else:
        target = "target found by unit"
    return f"{spec.kind} ({idle}) -> {target}" + (f" port {spec.port}" if spec.port else "")


def render_settings(settings: Settings, paths: list[str]) -> str:
    config = display_path(settings.config_file) if settings.config_file else "(none found; defaults)"
    root = display_path(settings.project_root) if settings.project_root else display_path(os.getcwd())
    lines = [
        f"config file: {config}",
        f"project root: {root}",
        f"paths: {', '.join(paths)}",
        "",
    ]
    width = max(len(key) for key, _ in _KEYS)
    for key, attribute in _KEYS:
        origin = settings.origins.get(key)
        source = "default" if origin is None else (origin if origin.startswith("--") else display_path(origin))
        lines.append(f"{key:<{width}} = {_value(key, getattr(settings, attribute))}    # {source}")
    return "\n".join(lines) + "\n"


def render_statistics(report: Report, quiet: bool = False) -> str:
    """One line per rule and severity: count, code, severity, name; suppressed counts apart."""
    from nglint.statistics import rows

    lines = []
    for row in rows(report):
        extra = f"  ({row.suppressed} suppressed)" if row.suppressed else ""
        lines.append(f"{row.count:>5}  {row.code:<6} {row.severity:<8} {row.name}{extra}")
    if not quiet:
        from nglint.reporters.text import summary_line

        lines.append(summary_line(report))
    return "\n".join(lines) + ("\n" if lines else "")
