"""The Spring Boot reader: a process running a Spring Boot application, and the
application.properties/.yml it is built with.

The embedded server is chosen by the starter in pom.xml or build.gradle (jetty, undertow,
webflux without web = Netty, else Tomcat). Property sources are layered as Spring Boot
layers them (highest first): `--key=value` arguments, `-Dkey=value` system properties,
environment variables (relaxed binding: SERVER_TOMCAT_KEEPALIVETIMEOUT), profile files
(application-{profile}.properties/.yml for SPRING_PROFILES_ACTIVE or
-Dspring.profiles.active), then application.properties/.yml.
"""

from __future__ import annotations

import os
import posixpath
import re

from nglint.sources import LINE_COMMENT
from nglint.sources.servers import ProcessOnlyReader

_BUILD_FILES = ("pom.xml", "build.gradle", "build.gradle.kts")
_DURATION = re.compile(r"^\s*(-?\d+)\s*(ns|us|ms|s|m|h|d)?\s*$", re.IGNORECASE)
_ISO = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$", re.IGNORECASE)
_KEYS = {
    "tomcat": ("server.tomcat.keep-alive-timeout", "server.tomcat.connection-timeout", "server.connection-timeout"),
    "jetty": ("server.jetty.connection-idle-timeout",),
    "undertow": ("server.undertow.no-request-timeout",),
    "netty": ("server.netty.idle-timeout",),
}


class SpringBoot(ProcessOnlyReader):
    kind = "spring"
    comment = LINE_COMMENT
    comment_prefix = "#"
    defaults_module = "nglint.sources.spring.defaults"

    def from_process(self, process, tree_roots: list[str], max_file_size: int):
        from nglint.sources.files import read_text

        build = self._build_text(process, tree_roots, max_file_size)
        if build is None or "spring-boot" not in build:
            return None
        argv = process.argv or []
        if argv and not any(word in " ".join(argv) for word in ("java", "spring-boot:run", "bootRun", ".jar", "mvn", "gradle")):
            return None  # a Spring project's image running something else (a migration tool)
        server = _embedded_server(build)
        sources = _Sources(process, argv)
        profiles = sources.value("spring.profiles.active")
        active = [p.strip() for p in (profiles[0] if profiles else "").split(",") if p.strip()]
        for profile in reversed(active):
            for name in (f"application-{profile}.properties", f"application-{profile}.yml", f"application-{profile}.yaml"):
                local = _config_file(process, name)
                if local is not None:
                    sources.add_file(local, read_text(local, tree_roots, max_file_size, []), profile)
        for name in ("application.properties", "application.yml", "application.yaml"):
            local = _config_file(process, name)
            if local is not None:
                sources.add_file(local, read_text(local, tree_roots, max_file_size, []), None, active)
        return [self._backend(process, server, sources)]

    def _build_text(self, process, tree_roots, max_file_size) -> str | None:
        from nglint.sources.files import read_text

        candidates = sorted((inside for inside in process.files if posixpath.basename(inside) in _BUILD_FILES),
                            key=lambda inside: inside.count("/"))
        texts = [read_text(process.files[c], tree_roots, max_file_size, []) for c in candidates[:3]]
        texts = [t for t in texts if t]
        return "\n".join(texts) if texts else None

    def _backend(self, process, server: str, sources):
        from nglint.sources.servers import server_backend
        from nglint.tiers.model import Provenance

        port_value = sources.value("server.port")
        port = int(port_value[0]) if port_value and port_value[0].isdigit() else (
            None if port_value else self.defaults.get("server.port").value)
        label = f"Spring Boot ({server.capitalize()}) in {process.name}"
        timeout, provenance = None, None
        for key in _KEYS.get(server, ()):
            found = sources.value(key)
            if found is None:
                continue
            text, path, line, origin = found
            millis = parse_duration(text)
            if millis is None:
                provenance = Provenance.unknown(f"{key}={text} ({origin}) is not a duration nglint can read")
            else:
                timeout = None if millis < 0 else millis
                provenance = Provenance.from_file(path, line, key, f"{key}={text} ({origin})")
            break
        if provenance is None:
            if server == "undertow":
                provenance = Provenance.unknown("Undertow's idle timeout default is not in nglint's defaults table")
            else:
                default = self.defaults.get({"tomcat": "tomcat.connectionTimeout", "jetty": "jetty.idleTimeout",
                                             "netty": "netty.idleTimeout"}[server])
                timeout = default.value
                provenance = Provenance.from_default(default, default.note)
        location = provenance.location or process.location
        return server_backend("spring", label, port, timeout, provenance, location, process, anchor=provenance.key,
                              attributes={"embedded_server": server})


def _embedded_server(build: str) -> str:
    if "spring-boot-starter-jetty" in build:
        return "jetty"
    if "spring-boot-starter-undertow" in build:
        return "undertow"
    if "spring-boot-starter-webflux" in build and "spring-boot-starter-web\"" not in build \
            and "spring-boot-starter-web<" not in build and "spring-boot-starter-web'" not in build:
        return "netty"
    return "tomcat"


def _config_file(process, name: str) -> str | None:
    """The application file packaged from src/main/resources, or given beside the jar
    (./config/, the working directory)."""
    found = sorted((inside for inside in process.files if posixpath.basename(inside) == name),
                   key=lambda inside: ("/config/" not in inside, "src/main/resources" not in inside, inside.count("/")))
    found = [inside for inside in found if "/src/test/" not in inside]
    return process.files[found[0]] if found else None


def parse_duration(text: str) -> int | None:
    """Spring's Duration conversion: `20s`, `20000` (ms), `PT20S`, `-1`; None when unreadable."""
    text = text.strip()
    match = _DURATION.match(text)
    if match:
        value, unit = int(match.group(1)), (match.group(2) or "ms").lower()
        if value < 0:
            return -1
        factor = {"ns": 1e-6, "us": 1e-3, "ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}[unit]
        return int(value * factor)
    match = _ISO.match(text)
    if match and any(match.groups()):
        days, hours, minutes, seconds = match.groups()
        total = (int(days or 0) * 86400 + int(hours or 0) * 3600 + int(minutes or 0) * 60) * 1000
        return total + int(float(seconds or 0) * 1000)
    return None


class _Sources:
    """Property values by precedence, each with (value, path, line, origin words)."""

    def __init__(self, process, argv: list[str]) -> None:
        self.layers: list[dict[str, tuple[str, str, int, str]]] = []
        where = process.argv_location or process.location
        args, system = {}, {}
        for word in argv:
            if word.startswith("--") and "=" in word:
                key, value = word[2:].split("=", 1)
                args[_canonical(key)] = (value, where.path, where.line, "command-line argument")
            elif word.startswith("-D") and "=" in word:
                key, value = word[2:].split("=", 1)
                system[_canonical(key)] = (value, where.path, where.line, "-D system property")
        for name in ("JAVA_OPTS", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS"):
            for word in process.env.get(name, "").split():
                if word.startswith("-D") and "=" in word:
                    key, value = word[2:].split("=", 1)
                    at = process.env_locations.get(name, process.location)
                    system.setdefault(_canonical(key), (value, at.path, at.line, f"-D in {name}"))
        env = {}
        for name, value in process.env.items():
            at = process.env_locations.get(name, process.location)
            env[_from_env(name)] = (value, at.path, at.line, f"environment variable {name}")
        spring_json = process.env.get("SPRING_APPLICATION_JSON")
        self.layers = [args, system, env]
        if spring_json:
            self._json(spring_json, process.env_locations.get("SPRING_APPLICATION_JSON", process.location))

    def _json(self, text: str, at) -> None:
        import json

        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return
        flat = {}
        _flatten(data, "", flat, 0)
        self.layers.insert(2, {_canonical(k): (str(v), at.path, at.line, "SPRING_APPLICATION_JSON") for k, v in flat.items()})

    def value(self, key: str):
        canonical = _canonical(key)
        for layer in self.layers:
            if canonical in layer:
                return layer[canonical]
        return None

    def add_file(self, path: str, text: str | None, profile: str | None, active: list[str] | None = None) -> None:
        if not text:
            return
        origin = os.path.basename(path)
        if path.endswith((".yml", ".yaml")):
            layers = _yaml_layers(path, text, origin, active or ([profile] if profile else []))
        else:
            layers = [_properties(path, text, origin)]
        self.layers.extend(layers)


def _canonical(key: str) -> str:
    """Relaxed binding: `server.tomcat.keep-alive-timeout`, `keepAliveTimeout`, `keep_alive_timeout` alike."""
    return re.sub(r"[-_]", "", key.strip().lower())


def _from_env(name: str) -> str:
    return _canonical(name.replace("_", "."))


def _properties(path: str, text: str, origin: str) -> dict:
    from nglint.sources.properties import parse_properties

    values = parse_properties(text)
    lines: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        key = re.split(r"\s*[=:\s]", raw.strip(), 1)[0]
        if key and key not in lines:
            lines[key] = number
    return {_canonical(k): (v, path, lines.get(k, 1), origin) for k, v in values.items()}


def _yaml_layers(path: str, text: str, origin: str, active: list[str]) -> list[dict]:
    """Documents of application.yml, later documents first; a profile-specific document
    (spring.config.activate.on-profile / spring.profiles) counts only for active profiles."""
    from nglint.sources.yamlnodes import Mapping, YamlError, load_documents

    try:
        documents = load_documents(text)
    except YamlError:
        return []
    layers = []
    for document in documents:
        if not isinstance(document, Mapping):
            continue
        flat: dict = {}
        _flatten(document, "", flat, 0, lines=True)
        profile = flat.get("spring.config.activate.on-profile") or flat.get("spring.profiles")
        if profile is not None and not (set(str(profile[0]).replace("!", "").split(",")) & set(active)):
            continue
        layers.append({_canonical(k): (str(v[0]), path, v[1], origin) for k, v in flat.items()})
    return list(reversed(layers))


def _flatten(node, prefix: str, out: dict, depth: int, lines: bool = False) -> None:
    """`{server: {port: 8080}}` as `{"server.port": 8080}` (with its line when `lines`)."""
    if depth > 32 or not isinstance(node, dict):
        return
    for key, value in node.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(value, name + ".", out, depth + 1, lines)
        elif not isinstance(value, list):
            at = node.line_of(key) if hasattr(node, "line_of") else 1
            out[name] = (value, at) if lines else value
