"""nglint's configuration: `[tool.nglint]` in pyproject.toml or `.nglint.toml`, plus CLI flags.

The file is found from the first checked path upwards (`.nglint.toml` wins over
`pyproject.toml` in the same directory, as ruff does); `--config FILE` overrides.
Every key is validated: an unknown key or a bad value is a usage error (exit 2) that
names the file, the key and the reason, because a silently ignored typo in a CI
linter's config is a check that silently does not run.
"""

from __future__ import annotations

import os
import re
from typing import Any, Callable

from nglint.findings import Severity
from nglint.records import field, record
from nglint.sources.nginx.defaults import POOLED_BY_DEFAULT_SINCE as NEW_DEFAULTS_VERSION
from nglint.units import UnitError, parse_duration, parse_nginx_size


class ConfigError(Exception):
    """A configuration problem the user must fix; always names where it came from."""


@record(frozen=True)
class Margin:
    """How much shorter nginx's idle timeout must be than the backend's."""

    percent: float | None = 10.0
    fixed_ms: int | None = None
    minimum_ms: int = 1000

    def required_gap_ms(self, backend_ms: int) -> int:
        gap = self.fixed_ms if self.fixed_ms is not None else int(backend_ms * (self.percent or 0) / 100)
        return max(self.minimum_ms, gap)

    def describe(self) -> str:
        return f"{self.percent:g}%" if self.fixed_ms is None else f"{self.fixed_ms}ms"


@record(frozen=True)
class BackendSpec:
    """An explicit upstream-to-backend link from `[[tool.nglint.backend]]`."""

    upstream: str
    server_xml: str | None = None
    idle_timeout_ms: int | None = None
    port: int | None = None
    origin: str = ""
    entry: int = 1  # position in the config's array of backend tables, for messages
    kind: str | None = None  # what runs there (iis, gunicorn...), when declared


@record(frozen=True)
class FrontendSpec:
    """A device in front that no file in the repository describes, from `[[tool.nglint.frontend]]`.

    `target` is an nginx config path (absolute after loading) or None; `target_kind` and
    `target_idle_ms` declare an app server the device forwards to directly.
    """

    kind: str
    idle_timeout_ms: int | None = None
    target: str | None = None
    port: int | None = None
    target_kind: str | None = None
    target_idle_ms: int | None = None
    index: int = 0
    origin: str = ""


FRONTEND_KINDS = ("aws-alb", "aws-clb", "aws-nlb", "azure-lb", "gcp-alb", "cloudflare", "heroku", "cloudfoundry", "traefik", "envoy", "haproxy")


@record
class Settings:
    nginx_version: tuple[int, ...] | None = None
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    margin: Margin = field(default_factory=Margin)
    backends: list[BackendSpec] = field(default_factory=list)
    frontends: list[FrontendSpec] = field(default_factory=list)
    nginx_roots: list[str] = field(default_factory=list)
    nginx_prefix: dict[str, str] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    # `[severity]`: rule code or prefix -> the severity its findings are reported with
    severity: dict[str, Severity] = field(default_factory=dict)
    fail_on: Severity = Severity.WARNING  # least severity that makes the run exit 1
    respect_gitignore: bool = True  # skip what git ignores when walking directories
    max_file_size: int = 10 * 1024 * 1024
    max_include_depth: int = 32
    max_files: int = 10_000
    config_file: str | None = None
    project_root: str | None = None
    origins: dict[str, str] = field(default_factory=dict)

    @property
    def new_nginx_defaults(self) -> bool:
        """True when the configured nginx pools upstream blocks and speaks HTTP/1.1 by default."""
        return self.nginx_version is not None and self.nginx_version >= NEW_DEFAULTS_VERSION


def parse_version(text: str) -> tuple[int, ...]:
    if not re.fullmatch(r"\d+(\.\d+){0,2}", str(text).strip()):
        raise ValueError(f"expected a version like 1.30 or 1.29.7, got {text!r}")
    parts = tuple(int(p) for p in str(text).strip().split("."))
    return parts + (0,) * (3 - len(parts))


def parse_margin(text: Any) -> Margin:
    value = str(text).strip()
    if value.endswith("%"):
        try:
            percent = float(value[:-1])
        except ValueError:
            raise ValueError(f"expected a percentage like 10% or a duration like 2s, got {text!r}") from None
        if not 0 <= percent < 100:
            raise ValueError(f"percentage must be between 0% and 100%, got {text!r}")
        return Margin(percent=percent)
    try:
        return Margin(percent=None, fixed_ms=parse_duration(value))
    except UnitError:
        raise ValueError(f"expected a percentage like 10% or a duration like 2s, got {text!r}") from None


def _str_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("expected a list of strings")
    return list(value)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError("expected a positive integer")
    return value


def _size(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str):
        try:
            return parse_nginx_size(value)
        except UnitError as exc:
            raise ValueError(str(exc)) from None
    raise ValueError("expected a size like 10m or a number of bytes")


def _str_table(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValueError("expected a table of strings")
    return dict(value)


def _code_table(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise ValueError("expected a table of glob = [codes]")
    table = {}
    for pattern, codes in value.items():
        try:
            table[str(pattern)] = _codes(codes)
        except ValueError as exc:
            raise ValueError(f"pattern {pattern!r}: {exc}") from None
    return table


def _codes(value: Any) -> list[str]:
    """A list of rule codes or prefixes that each select at least one rule."""
    from nglint.codes import check_selectors

    return check_selectors(_str_list(value))


def parse_severity(value: Any) -> Severity:
    names = [severity.value for severity in Severity]
    if not isinstance(value, str) or value.lower() not in names:
        raise ValueError(f"expected one of {', '.join(repr(n) for n in names)}, got {value!r}")
    return Severity(value.lower())


def _severity_table(value: Any) -> dict[str, Severity]:
    if not isinstance(value, dict):
        raise ValueError('expected a table of CODE = "error" | "warning" | "info"')
    table = {}
    for code, severity in value.items():
        _codes([code])
        try:
            table[str(code).upper()] = parse_severity(severity)
        except ValueError as exc:
            raise ValueError(f"{code}: {exc}") from None
    return table


# key -> (attribute, converter); converters raise ValueError with the reason.
_SIMPLE_KEYS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "nginx-version": ("nginx_version", lambda v: parse_version(str(v))),
    "select": ("select", _codes),
    "ignore": ("ignore", _codes),
    "margin": ("margin", parse_margin),
    "exclude": ("exclude", _str_list),
    "per-file-ignores": ("per_file_ignores", _code_table),
    "max-file-size": ("max_file_size", _size),
    "max-include-depth": ("max_include_depth", _positive_int),
    "max-files": ("max_files", _positive_int),
    "severity": ("severity", _severity_table),
    "fail-on": ("fail_on", parse_severity),
    "respect-gitignore": ("respect_gitignore", _bool),
}
_PATH_KEYS = {"nginx-roots", "nginx-prefix", "backend", "frontend"}
KNOWN_KEYS = sorted(set(_SIMPLE_KEYS) | _PATH_KEYS)


def find_config_file(start: str) -> tuple[str, dict[str, Any]] | None:
    """Nearest `.nglint.toml` or `pyproject.toml` with `[tool.nglint]`, from start upwards."""
    current = os.path.abspath(start)
    if not os.path.isdir(current):
        current = os.path.dirname(current)
    while True:
        dotfile = os.path.join(current, ".nglint.toml")
        if os.path.isfile(dotfile):
            return dotfile, _read_toml(dotfile)
        pyproject = os.path.join(current, "pyproject.toml")
        if os.path.isfile(pyproject):
            data = _read_toml(pyproject)
            table = data.get("tool", {}).get("nglint") if isinstance(data.get("tool"), dict) else None
            if isinstance(table, dict):
                return pyproject, data
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


# A configuration file is a few hundred bytes; a pyproject.toml rarely tens of KB. The
# limit cannot come from the file itself, so it is fixed.
MAX_CONFIG_SIZE = 1024 * 1024


def _read_toml(path: str) -> dict[str, Any]:
    try:
        import tomllib  # type: ignore[import-not-found]
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    from nglint.boundary import Refused, open_limited

    try:
        # Found in the checked repository, so a pull request controls it: a FIFO named
        # .nglint.toml must not block the run, nor a huge pyproject.toml fill memory.
        data = open_limited(path, MAX_CONFIG_SIZE)
    except Refused as refused:
        raise ConfigError(f"{path}: cannot read: {refused.reason.removeprefix('cannot read file: ')}") from None
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:  # tomllib raises the latter on non-UTF-8 bytes
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def load_settings(config_path: str | None, start: str, allow_outside: list[str] | tuple[str, ...] = ()) -> Settings:
    """Settings from an explicit file or the nearest discovered one (defaults when none).

    Paths the file names are held to its own directory (the project), or to a directory
    given on the command line with `--allow-outside` (see hold_paths_to_project)."""
    settings = Settings()
    if config_path is not None:
        if not os.path.isfile(config_path):
            raise ConfigError(f"{config_path}: config file not found")
        data = _read_toml(config_path)
        path = os.path.abspath(config_path)
    else:
        found = find_config_file(start)
        if found is None:
            return settings
        path, data = found
    table = data
    if os.path.basename(path) == "pyproject.toml":
        tool = data.get("tool", {})
        table = tool.get("nglint", {}) if isinstance(tool, dict) else {}
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.nglint] must be a table")
    apply_table(settings, table, path)
    settings.config_file = path
    settings.project_root = os.path.dirname(path)
    hold_paths_to_project(settings, list(allow_outside))
    return settings


def hold_paths_to_project(settings: Settings, allow_outside: list[str]) -> None:
    """Refuse a configured path that leads outside the project (the config file's directory).

    The configuration comes from the checked repository, so a pull request can change it;
    `server-xml = "/proc/self/environ"` would otherwise be read and quoted into the
    report. The test is the one includes pass (real path, symlinks resolved); only the
    command line can widen it."""
    from nglint.boundary import Boundary

    if settings.project_root is None:
        return
    project = Boundary([settings.project_root, *allow_outside])
    named = [("nginx-roots", root) for root in settings.nginx_roots]
    named += [("nginx-prefix", target) for target in settings.nginx_prefix.values()]
    named += [("backend", spec.server_xml) for spec in settings.backends if spec.server_xml]
    for key, path in named:
        if not project.contains(path):
            raise ConfigError(
                f"{settings.config_file}: key {key!r}: {path} is outside the project ({settings.project_root}); "
                "pass --allow-outside DIR to read files there"
            )


def apply_table(settings: Settings, table: dict[str, Any], path: str) -> None:
    """Validate and apply one config table; raise ConfigError naming file and key."""
    base = os.path.dirname(os.path.abspath(path))
    for key, value in table.items():
        try:
            if key in _SIMPLE_KEYS:
                attribute, convert = _SIMPLE_KEYS[key]
                setattr(settings, attribute, convert(value))
            elif key == "nginx-roots":
                settings.nginx_roots = [os.path.normpath(os.path.join(base, p)) for p in _str_list(value)]
            elif key == "nginx-prefix":
                mapping = _str_table(value)
                for absolute in mapping:
                    if not absolute.startswith("/"):
                        raise ValueError(f"prefix {absolute!r} must be an absolute path")
                settings.nginx_prefix = {k: os.path.normpath(os.path.join(base, v)) for k, v in mapping.items()}
            elif key == "backend":
                settings.backends = _backend_specs(value, base, path)
            elif key == "frontend":
                settings.frontends = _frontend_specs(value, base, path)
            else:
                hint = _closest(key)
                raise ValueError("unknown key" + (f" (did you mean {hint!r}?)" if hint else f"; known keys: {', '.join(KNOWN_KEYS)}"))
        except ValueError as exc:
            raise ConfigError(f"{path}: key {key!r}: {exc}") from None
        settings.origins[key] = path


def _backend_specs(value: Any, base: str, path: str) -> list[BackendSpec]:
    if not isinstance(value, list):
        raise ValueError("expected an array of tables ([[tool.nglint.backend]])")
    specs = []
    for index, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise ValueError(f"entry {index + 1} is not a table")
        unknown = set(entry) - {"upstream", "server-xml", "idle-timeout", "port", "kind"}
        if unknown:
            raise ValueError(f"entry {index + 1}: unknown key(s) {', '.join(sorted(unknown))}")
        upstream = entry.get("upstream")
        if not isinstance(upstream, str) or not upstream:
            raise ValueError(f"entry {index + 1}: 'upstream' (the upstream block name) is required")
        server_xml = entry.get("server-xml")
        idle = entry.get("idle-timeout")
        if (server_xml is None) == (idle is None):
            raise ValueError(f"entry {index + 1}: give exactly one of 'server-xml' or 'idle-timeout'")
        idle_ms = None
        if idle is not None:
            try:
                idle_ms = parse_duration(str(idle))
            except UnitError as exc:
                raise ValueError(f"entry {index + 1}: idle-timeout: {exc}") from None
        if server_xml is not None and not isinstance(server_xml, str):
            raise ValueError(f"entry {index + 1}: server-xml must be a path string")
        port = entry.get("port")
        if port is not None:
            port = _positive_int(port)
        kind = entry.get("kind")
        if kind is not None and (not isinstance(kind, str) or not kind.isidentifier()):
            raise ValueError(f"entry {index + 1}: kind must be a word such as iis or gunicorn")
        specs.append(
            BackendSpec(
                kind=kind,
                upstream=upstream,
                server_xml=os.path.normpath(os.path.join(base, server_xml)) if server_xml else None,
                idle_timeout_ms=idle_ms,
                port=port,
                origin=path,
                entry=index + 1,
            )
        )
    return specs


def _frontend_specs(value: Any, base: str, path: str) -> list[FrontendSpec]:
    if not isinstance(value, list):
        raise ValueError("expected an array of tables ([[tool.nglint.frontend]])")
    specs = []
    for index, entry in enumerate(value):
        where = f"entry {index + 1}"
        if not isinstance(entry, dict):
            raise ValueError(f"{where} is not a table")
        unknown = set(entry) - {"kind", "idle-timeout", "target", "port", "target-kind", "target-idle-timeout"}
        if unknown:
            raise ValueError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        kind = entry.get("kind")
        if kind not in FRONTEND_KINDS:
            raise ValueError(f"{where}: 'kind' must be one of {', '.join(FRONTEND_KINDS)}, got {kind!r}")
        durations = {}
        for key in ("idle-timeout", "target-idle-timeout"):
            if key in entry:
                try:
                    durations[key] = parse_duration(str(entry[key]))
                except UnitError as exc:
                    raise ValueError(f"{where}: {key}: {exc}") from None
        target = entry.get("target")
        if target is not None and (not isinstance(target, str) or not target):
            raise ValueError(f"{where}: target must be the path of an nginx config")
        target_kind = entry.get("target-kind")
        if (target_kind is None) != ("target-idle-timeout" not in durations):
            raise ValueError(f"{where}: give both 'target-kind' and 'target-idle-timeout' to declare an app server behind it")
        if target is not None and target_kind is not None:
            raise ValueError(f"{where}: give either 'target' (an nginx config) or 'target-kind' (an app server), not both")
        port = entry.get("port")
        specs.append(
            FrontendSpec(
                kind=kind,
                idle_timeout_ms=durations.get("idle-timeout"),
                target=os.path.normpath(os.path.join(base, target)) if target else None,
                port=_positive_int(port) if port is not None else None,
                target_kind=target_kind if isinstance(target_kind, str) else None,
                target_idle_ms=durations.get("target-idle-timeout"),
                index=index + 1,
                origin=path,
            )
        )
    return specs


def _closest(key: str) -> str | None:
    import difflib

    matches = difflib.get_close_matches(key, KNOWN_KEYS, n=1)
    return matches[0] if matches else None
