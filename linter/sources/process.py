"""What a container or service runs, as the files that start it describe it.

Compose services, Dockerfiles, Procfiles and Kubernetes containers all say the same
things about a server process: an image, a command line, environment variables, ports,
and files placed inside it (a mounted ConfigMap holding server.xml, a COPY of
gunicorn.conf.py). Their readers fill in a `Process`; `backends_for` asks every reader
that knows a server kind (`from_process`) what listens there and with which idle policy,
so the orchestration readers never learn server formats.
"""

from __future__ import annotations

from nglint.findings import Location
from nglint.records import field, record


@record
class Process:
    """One server process as an orchestration file declares it.

    `argv` is the effective command line (entrypoint + command, shell form split with
    shlex; None when the image's own default command runs); `env` the environment with
    where each variable was set (`env_locations`); `files` maps a path inside the
    container to the checked-tree file that provides it; `ports` the container ports it
    listens on; `location` where the process is declared (a compose service, a container);
    `nginx_version` the nginx a Dockerfile installs as a package, when it does.
    """

    name: str
    location: Location
    image: str | None = None
    argv: list[str] | None = None
    argv_location: Location | None = None
    env: dict[str, str] = field(default_factory=dict)
    env_locations: dict[str, Location] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    ports: list[int] = field(default_factory=list)
    unit: str | None = None
    # The nginx version the image installs from distribution packages (a NginxVersion at
    # its Dockerfile RUN line), when the image tag says nothing.
    nginx_version: object = None
    nginx_version_unknown: str = ""  # why an nginx the image installs has no known version


def image_name(image: str | None) -> tuple[str, str | None]:
    """(repository without registry or digest, tag or None): `docker.io/library/tomcat:9` -> ('tomcat', '9')."""
    if not image:
        return "", None
    ref = image.split("@", 1)[0]
    name, tag = ref, None
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        name, tag = ref[:colon], ref[colon + 1:]
    parts = name.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]  # a registry host
    if parts[:1] == ["library"]:
        parts = parts[1:]
    return "/".join(parts).lower(), tag


def backends_for(process: Process, tree_roots: list[str], max_file_size: int) -> list:
    """Backends the process serves, from the first reader that recognises it; [] when none does.

    Values an orchestrator fills at run time (a Kubernetes secretKeyRef, a compose variable
    from the deploying shell) reach readers as `${NAME}`, so every reader sees strings and
    says "unknown" instead of failing on None. A reader that still fails on odd input is
    skipped for this process, never allowed to stop the run."""
    process = _normalised(process, tree_roots, max_file_size)
    programs = _supervised(process, tree_roots, max_file_size)
    if programs is not None:
        return [backend for program in programs for backend in _first_answer(program, tree_roots, max_file_size)]
    return _first_answer(process, tree_roots, max_file_size)


def _first_answer(process: Process, tree_roots: list[str], max_file_size: int) -> list:
    from nglint.sources import readers

    for reader in readers():
        describe = getattr(reader, "from_process", None)
        if describe is None:
            continue
        try:
            found = describe(process, tree_roots, max_file_size)
        except (TypeError, ValueError, AttributeError, KeyError, IndexError, RecursionError, OSError, UnicodeError):
            continue
        if found is not None:
            return found
    return []


MAX_SCRIPT_BYTES = 64 * 1024


def _supervised(process: Process, tree_roots: list[str], max_file_size: int) -> list[Process] | None:
    """The programs of a container whose command is supervisord, each as a process of that
    container (nglint.sources.supervisord); None when supervisord does not run or its
    configuration is not among the container's files."""
    from nglint.sources import supervisord

    args = supervisord.is_supervisord(process.argv)
    if args is None:
        return None
    inside = supervisord.config_inside(args, process.files)
    local = supervisord.local_config(inside, process.files) if inside else None
    if local is None:
        return None
    from nglint.records import replace
    from nglint.sources.argv import split_shell
    from nglint.sources.files import read_text

    text = read_text(local, tree_roots, max_file_size, [])
    if text is None:
        return None
    programs = []
    for _name, command, line in supervisord.program_commands(text):
        argv = split_shell(command)
        if argv:
            program = replace(process, argv=argv, argv_location=Location(local, line))
            programs.append(_normalised(program, tree_roots, max_file_size))
    return programs


def _through_start_script(argv: list[str] | None, files: dict[str, str], tree_roots: list[str],
                          max_file_size: int) -> list[str] | None:
    """A command that runs a start script of the tree (`./start.sh`, `entrypoint.sh gunicorn
    app`) becomes the script's commands as one shell line, `"$@"` replaced by the
    arguments it was given: the server it `exec`s is then visible to the readers."""
    import posixpath
    import shlex

    if not argv or not argv[0].endswith(".sh"):
        return argv
    name = posixpath.basename(argv[0])
    local = files.get(argv[0]) if argv[0].startswith("/") else None
    if local is None:
        matches = {v for k, v in files.items() if posixpath.basename(k) == name}
        local = matches.pop() if len(matches) == 1 else None
    if local is None:
        return argv
    from nglint.sources.files import read_text

    text = read_text(local, tree_roots, min(max_file_size, MAX_SCRIPT_BYTES), [])
    if text is None:
        return argv  # outside the checked tree, not a regular file, or too large: never read
    rest = shlex.join(argv[1:])
    lines = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or line.endswith(("{", "}", "then", "do", "else")) or line in ("fi", "done", "esac"):
            continue
        lines.append(line.replace('"$@"', rest).replace("$@", rest))
    return ["/bin/sh", "-c", " ; ".join(lines)] if lines else argv


def _normalised(process: Process, tree_roots: list[str] | None = None, max_file_size: int = MAX_SCRIPT_BYTES) -> Process:
    from nglint.records import replace

    env = {str(key): ("${" + str(key) + "}" if value is None else str(value)) for key, value in (process.env or {}).items()}
    argv = [str(word) for word in process.argv] if process.argv is not None else None
    ports = [port for port in (process.ports or []) if isinstance(port, int) and not isinstance(port, bool)]
    files = {str(k): str(v) for k, v in (process.files or {}).items() if k and v}
    argv = _through_start_script(argv, files, tree_roots or [], max_file_size)
    if env == process.env and argv == process.argv and ports == process.ports and files == process.files:
        return process
    return replace(process, env=env, argv=argv, ports=ports, files=files)
