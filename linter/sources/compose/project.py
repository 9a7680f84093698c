"""A compose project: its files merged (base, override, variant), services resolved into
processes (`extends`, build context Dockerfile, env files, volumes, ports).

Each service is a stack of layers, lowest first (an `extends` parent, the base file, the
override file); a key's value comes from the highest layer that sets it, except the
keys compose merges by appending (ports, expose, volumes, env_file), whose entries
accumulate. Every value keeps its file and line, so messages point at the layer that set it.
"""

from __future__ import annotations

import os
import re

from nglint.diagnostics import BACKEND_PARSE_ERROR, REFUSED_FILE
from nglint.findings import Location
from nglint.problems import Problem
from nglint.records import field, record
from nglint.sources.argv import split_shell
from nglint.sources.compose.interpolate import interpolate, read_env_file
from nglint.sources.files import expand_files, inside_tree, read_text
from nglint.sources.process import Process
from nglint.sources.compose.names import is_compose_name  # noqa: F401 (re-exported)
from nglint.sources.yamlnodes import Mapping, YamlError, load_documents

BASE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
_APPENDED = ("ports", "expose", "volumes", "env_file")
MAX_EXTENDS = 8


def is_override(name: str) -> bool:
    return bool(re.match(r"^(docker-)?compose\.override\.ya?ml$", name))


@record
class Layer:
    path: str
    body: Mapping


@record
class Service:
    """One service's layers (lowest first) and what the project gives it."""

    name: str
    layers: list[Layer] = field(default_factory=list)

    def get(self, key: str):
        """(value, Location) from the highest layer that sets `key`, else (None, None)."""
        for layer in reversed(self.layers):
            if key in layer.body:
                return layer.body[key], Location(layer.path, layer.body.line_of(key))
        return None, None

    def appended(self, key: str) -> list[tuple[object, Location]]:
        found = []
        for layer in self.layers:
            value = layer.body.get(key)
            items = value if isinstance(value, list) else ([value] if value is not None else [])
            for index, item in enumerate(items):
                line = value.line_of(index) if hasattr(value, "line_of") and isinstance(value, list) else layer.body.line_of(key)
                found.append((item, Location(layer.path, line)))
        return found

    @property
    def location(self) -> Location:
        top = self.layers[-1]
        return Location(top.path, top.body.line)


@record
class ServiceProcess:
    """A service's process plus the names and published ports the linker needs."""

    process: Process
    names: list[str] = field(default_factory=list)
    published: dict[int, int] = field(default_factory=dict)  # host port -> container port
    network_mode: str | None = None


class ComposeProject:
    """Reads the compose files of one deployment; never raises (problems collected)."""

    def __init__(self, files: list[str], tree_roots: list[str], max_file_size: int) -> None:
        self.files = files
        self.directory = os.path.dirname(os.path.abspath(files[0]))
        self.tree_roots = tree_roots
        self.max_file_size = max_file_size
        self.problems: list[Problem] = []
        self.variables: dict[str, str] = {}
        env_path = os.path.join(self.directory, ".env")
        if os.path.isfile(env_path):
            text = read_text(env_path, tree_roots, max_file_size, self.problems)
            if text is not None:
                self.variables = read_env_file(text)
        self._documents: dict[str, Mapping | None] = {}

    # -- loading ----------------------------------------------------------------------
    def document(self, path: str) -> Mapping | None:
        path = os.path.abspath(path)
        if path in self._documents:
            return self._documents[path]
        self._documents[path] = None
        text = read_text(path, self.tree_roots, self.max_file_size, self.problems)
        if text is None:
            return None
        try:
            documents = load_documents(text)
        except YamlError as exc:
            self.problems.append(Problem(BACKEND_PARSE_ERROR, path, exc.line, str(exc)))
            return None
        body = documents[0] if documents else None
        if body is None:
            return None
        if not isinstance(body, Mapping):
            self.problems.append(Problem(BACKEND_PARSE_ERROR, path, 1, "not a compose file: the top level is not a mapping"))
            return None
        self._documents[path] = body
        return body

    def service_bodies(self, path: str) -> Mapping:
        """The services mapping of a file, in any format version (version 1 has no `services`)."""
        body = self.document(path)
        if body is None:
            return Mapping()
        services = body.get("services")
        if isinstance(services, Mapping):
            return services
        if "services" in body or "version" in body:
            return Mapping()
        legacy = Mapping()  # format version 1: services at the top level
        legacy.line = body.line
        for name, value in body.items():
            if isinstance(value, Mapping) and ("image" in value or "build" in value):
                legacy[name] = value
                legacy.lines[name] = body.line_of(name)
        return legacy

    def services(self, only_from: str | None = None) -> list[Service]:
        """Services of all files merged; with `only_from`, only those that file mentions."""
        merged: dict[str, Service] = {}
        for path in self.files:
            for name, body in self.service_bodies(path).items():
                if not isinstance(body, Mapping):
                    continue
                service = merged.setdefault(str(name), Service(str(name)))
                if not service.layers:
                    service.layers.extend(self._extends(path, body, 0, set()))
                service.layers.append(Layer(os.path.abspath(path), body))
        if only_from is not None:
            wanted = set(map(str, self.service_bodies(only_from).keys()))
            return [service for name, service in merged.items() if name in wanted]
        return list(merged.values())

    def _extends(self, path: str, body: Mapping, depth: int, seen: set) -> list[Layer]:
        """Layers of the service `body` extends, lowest first (bounded, cycles refused)."""
        spec = body.get("extends")
        if spec is None:
            return []
        line = body.line_of("extends")
        if isinstance(spec, str):
            file, name = path, spec
        elif isinstance(spec, Mapping) and isinstance(spec.get("service"), str):
            name = spec["service"]
            file = os.path.join(os.path.dirname(path), self.text(spec["file"])) if isinstance(spec.get("file"), str) else path
        else:
            self.problems.append(Problem(BACKEND_PARSE_ERROR, path, line, "extends needs a service name"))
            return []
        file = os.path.abspath(file)
        key = (file, name)
        if key in seen or depth >= MAX_EXTENDS:
            self.problems.append(Problem(BACKEND_PARSE_ERROR, path, line, f"extends of service {name!r} loops or nests deeper than {MAX_EXTENDS}"))
            return []
        seen.add(key)
        if not inside_tree(file, self.tree_roots):
            self.problems.append(Problem(REFUSED_FILE, path, line, f"not read: extends file {os.path.basename(file)} lies outside the checked tree"))
            return []
        parent = self.service_bodies(file).get(name)
        if not isinstance(parent, Mapping):
            self.problems.append(Problem(BACKEND_PARSE_ERROR, path, line, f"extends names service {name!r}, which {os.path.basename(file)} does not define"))
            return []
        return self._extends(file, parent, depth + 1, seen) + [Layer(file, parent)]

    def text(self, value) -> str:
        return interpolate(str(value), self.variables) if value is not None else ""

    # -- resolving a service ----------------------------------------------------------
    def resolve(self, service: Service) -> ServiceProcess:
        from nglint.sources.dockerfile.image import read_image

        image_value, _ = service.get("image")
        image = self.text(image_value) if image_value is not None else None
        env: dict[str, str] = {}
        env_locations: dict[str, Location] = {}
        files: dict[str, str] = {}
        ports: list[int] = []
        base_argv: list[str] | None = None
        argv_location: Location | None = None
        image_entrypoint: list[str] = []
        nginx_version, nginx_unknown = None, ""

        build, build_at = service.get("build")
        if build is not None:
            built = self._build(build, build_at, read_image)
            if built is not None:
                image = built.base or image
                env.update(built.env)
                env_locations.update(built.env_locations)
                files.update(built.files)
                ports.extend(built.ports)
                base_argv, argv_location = built.argv, built.argv_location
                image_entrypoint = built.entrypoint or []
                nginx_version, nginx_unknown = built.nginx_version, built.nginx_unknown

        for item, where in service.appended("env_file"):
            self._env_file(item, where, env, env_locations)
        environment, at = service.get("environment")
        if isinstance(environment, Mapping):
            for key, value in environment.items():
                env[str(key)] = self._env_value(str(key), value)
                env_locations[str(key)] = Location(at.path, environment.line_of(key))
        elif isinstance(environment, list):
            for index, item in enumerate(environment):
                key, sep, value = str(item).partition("=")
                env[key] = self.text(value) if sep else self._env_value(key, None)
                env_locations[key] = Location(at.path, environment.line_of(index))

        entrypoint, entry_at = service.get("entrypoint")
        command, command_at = service.get("command")
        if entrypoint is not None:
            argv = self._argv(entrypoint) + (self._argv(command) if command is not None else [])
            argv_location = command_at if command is not None else entry_at
        elif command is not None:
            # `command:` replaces the image's CMD and keeps its ENTRYPOINT (known for built images)
            argv = image_entrypoint + self._argv(command)
            argv_location = command_at
        else:
            argv = base_argv

        published: dict[int, int] = {}
        for item, _where in service.appended("ports"):
            container, host = self._port(item)
            if container is not None and container not in ports:
                ports.append(container)
            if container is not None and host is not None:
                published[host] = container
        for item, _where in service.appended("expose"):
            port = str(self.text(item)).split("/", 1)[0]
            if port.isdigit() and int(port) not in ports:
                ports.append(int(port))
        for item, where in service.appended("volumes"):
            files.update(self._volume(item, where))

        names = [service.name]
        for key in ("container_name", "hostname"):
            value, _ = service.get(key)
            if isinstance(value, str):
                names.append(self.text(value))
        networks, _ = service.get("networks")
        if isinstance(networks, Mapping):
            for config in networks.values():
                if isinstance(config, Mapping) and isinstance(config.get("aliases"), list):
                    names.extend(self.text(alias) for alias in config["aliases"] if alias is not None)
        mode, _ = service.get("network_mode")
        process = Process(
            service.name, service.location, image, argv, argv_location, env, env_locations, files, ports, self.directory,
            nginx_version, nginx_unknown,
        )
        unique = list(dict.fromkeys(name.lower() for name in names if name))
        return ServiceProcess(process, unique, published, self.text(mode) if mode is not None else None)

    def _argv(self, value) -> list[str]:
        if isinstance(value, list):
            return [self.text(item) for item in value if item is not None]
        words = split_shell(self.text(value))
        return words if words is not None else ["/bin/sh", "-c", self.text(value)]

    def _env_value(self, key: str, value) -> str:
        if value is None:
            # passed through from the deploying shell; .env supplies it in compose too
            return self.variables.get(key, "${" + key + "}")
        if isinstance(value, bool):
            return "true" if value else "false"
        return self.text(value)

    def _env_file(self, item, where: Location, env: dict, env_locations: dict) -> None:
        if isinstance(item, Mapping):
            item = item.get("path")
        if not isinstance(item, str):
            return
        path = os.path.normpath(os.path.join(os.path.dirname(where.path), self.text(item)))
        # Containment before existence: whether a file outside the tree exists must not
        # change the report (read_text refuses it on the name).
        if inside_tree(path, self.tree_roots) and not os.path.lexists(path):
            return  # usually a git-ignored secrets file: its variables stay unknown
        text = read_text(path, self.tree_roots, self.max_file_size, self.problems, report_at=(where.path, where.line))
        if text is None:
            return
        for key, value in read_env_file(text).items():
            env[key] = value
            env_locations[key] = Location(path, 1)

    def _build(self, build, where: Location, read_image):
        if isinstance(build, Mapping):
            context = self.text(build.get("context", "."))
            dockerfile = self.text(build.get("dockerfile", "Dockerfile"))
            target = self.text(build["target"]) if build.get("target") is not None else None
            raw_args = build.get("args")
        else:
            context, dockerfile, target, raw_args = self.text(build), "Dockerfile", None, None
        if "://" in context or context.startswith("git@"):
            return None  # a remote context: nothing in the checked tree
        args: dict[str, str] = {}
        if isinstance(raw_args, Mapping):
            args = {str(k): self.text(v) for k, v in raw_args.items() if v is not None}
        elif isinstance(raw_args, list):
            args = {k: self.text(v) for k, sep, v in (str(i).partition("=") for i in raw_args) if sep}
        context_dir = os.path.normpath(os.path.join(os.path.dirname(where.path), context))
        path = os.path.normpath(os.path.join(context_dir, dockerfile))
        if not inside_tree(path, self.tree_roots):
            # Refused on the name, before any existence test, and reported where it is named.
            read_text(path, self.tree_roots, self.max_file_size, self.problems, report_at=(where.path, where.line))
            return None
        if not os.path.isfile(path):
            return None  # generated or kept elsewhere: the image's command stays unknown
        image = read_image(path, self.tree_roots, self.max_file_size, target, args, context_dir)
        self.problems.extend(image.problems)
        return image

    def _port(self, item) -> tuple[int | None, int | None]:
        """(container port, published host port) of a short or long port entry."""
        if isinstance(item, Mapping):
            target = item.get("target")
            published = item.get("published")
            container = int(target) if str(target).isdigit() else None
            host = int(published) if published is not None and str(self.text(published)).isdigit() else None
            return container, host
        text = self.text(item).split("/", 1)[0]
        parts = text.rsplit(":", 2) if text.count(":") <= 2 else [text]
        container_text = parts[-1]
        host_text = parts[-2] if len(parts) >= 2 else None
        if not container_text.isdigit():
            return None, None  # a range or a placeholder: no single port
        host = int(host_text) if host_text and host_text.isdigit() else None
        return int(container_text), host

    def _volume(self, item, where: Location) -> dict[str, str]:
        if isinstance(item, Mapping):
            if item.get("type", "volume") != "bind":
                return {}
            source, target = self.text(item.get("source")), self.text(item.get("target"))
        else:
            parts = self.text(item).split(":")
            if len(parts) < 2:
                return {}
            source, target = parts[0], parts[1]
        if not source.startswith((".", "/", "~")) or source.startswith("~") or not target.startswith("/"):
            return {}  # a named volume, or the deploying user's home directory
        local = os.path.normpath(os.path.join(os.path.dirname(where.path), source))
        return expand_files(local, target, self.tree_roots)
