"""Helpers every server reader shares: one Backend from a value and its provenance, and
the lookup of a file a process was given (`-c gunicorn.conf.py`, `config/puma.rb`)."""

from __future__ import annotations

import posixpath

from nglint.findings import Location
from nglint.sources.base import FileReader
from nglint.tiers.model import Provenance


def server_backend(kind: str, label: str, port: int | None, timeout_ms: int | None, provenance: Provenance,
                   location: Location, process=None, keepalive: bool = True, anchor: str | None = None,
                   attributes: dict | None = None):
    """A Backend whose idle policy is `timeout_ms` (None with a known provenance: never closes;
    an UNKNOWN provenance: unknown, with its reason)."""
    from nglint.backends import Backend
    from nglint.tiers.model import UNKNOWN

    known = provenance.origin != UNKNOWN
    return Backend(
        kind=kind,
        label=label,
        port=port,
        idle_timeout_ms=timeout_ms if known else None,
        idle_timeout_source=provenance.describe(),
        location=location,
        anchor=anchor,
        keepalive_disabled=not keepalive,
        timeout_known=known,
        attributes=dict(attributes or {}),
        provenance=provenance,
        host=process.name if process is not None else None,
        unit=process.unit if process is not None else None,
    )


def given_file(process, name: str | None, basename: str | None = None) -> str | None:
    """The local file the process sees at `name` (absolute, or relative to any directory:
    the working directory is rarely known), else the only file called `basename`."""
    files = process.files
    if name:
        if name.startswith("/"):
            return files.get(posixpath.normpath(name))
        suffix = "/" + posixpath.normpath(name).lstrip("./")
        matches = [local for inside, local in files.items() if inside.endswith(suffix)]
        if len(set(matches)) == 1:
            return matches[0]
        return None
    if basename:
        matches = [local for inside, local in files.items() if posixpath.basename(inside) == basename]
        if len(set(matches)) == 1:
            return matches[0]
    return None


def seconds_value(text: str) -> int | None:
    """An integer number of seconds as written in argv or env, or None."""
    text = text.strip()
    return int(text) if text.isdigit() else None


def port_of_bind(text: str) -> int | None:
    """The port of `0.0.0.0:8000`, `[::]:8000`, `:8000` or `8000`; None for unix sockets."""
    if text.startswith(("unix:", "fd://")) or "/" in text:
        return None
    tail = text.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else None


def standalone_allowed(path: str, app_root: str, tree_roots: list[str], by_socket: bool = False) -> bool:
    """Whether a server config file read on its own (not through a process) may offer
    backends: not inside a compose project (its services describe the server, with their
    environment), and in a marked project or at the top of the checked tree. In a folder
    of unmarked stacks side by side, a default port would link it to a neighbour's nginx;
    a unix socket path (`by_socket`) is evidence of its own, so only the first rule holds."""
    import os

    from nglint.sources.compose.names import is_compose_name
    from nglint.tiers.units import UnitIndex

    unit = UnitIndex(tree_roots).unit_dir(path)
    try:
        if any(is_compose_name(name) for name in os.listdir(unit)):
            return False
    except OSError:
        return False
    if by_socket:
        return True
    roots = {os.path.abspath(root) for root in tree_roots}
    return unit not in roots or unit == os.path.abspath(app_root)


class ProcessOnlyReader(FileReader):
    """A server kind known only through the processes that run it (an image, a command
    line, the source file a command names): it claims no file of its own. Subclasses set
    `kind`, `comment`/`comment_prefix` and `defaults_module`, and answer `from_process`."""

    def claims(self, path: str) -> bool:
        return False

    def parse(self, path: str, tree_roots: list[str], max_file_size: int):
        from nglint.backends import BackendFile

        return BackendFile(path)


class CommandLineServer(ProcessOnlyReader):
    """A server configured on its command line (and maybe one environment variable):
    subclasses name the programs, the idle-timeout option, its unit and the defaults keys.
    They claim no files; they answer for processes."""

    kind = ""
    programs: set[str] = set()
    modules: set[str] = set()
    timeout_options: tuple[str, ...] = ()
    timeout_env: str | None = None
    unit_ms = 1000  # the option's unit in milliseconds
    port_options: tuple[str, ...] = ()
    label = ""
    comment = "line"
    comment_prefix = "#"

    def port_from(self, value: str) -> int | None:
        return port_of_bind(value)

    def from_process(self, process, tree_roots: list[str], max_file_size: int):
        from nglint.sources.argv import option, program_args
        from nglint.tiers.model import Provenance

        args = program_args(process.argv, self.programs, self.modules)
        if args is None:
            return None
        default = self.defaults.get("idle_timeout")
        timeout, provenance = default.value, Provenance.from_default(default, f"{self.label}'s default {default.key.replace('_', ' ')} {default.value // 1000}s")
        where = process.argv_location or process.location
        found = [(process.env.get(self.timeout_env), process.env_locations.get(self.timeout_env, process.location), self.timeout_env)] \
            if self.timeout_env and self.timeout_env in process.env else []
        value, _ = option(args, self.timeout_options)
        if value is not None:
            found.append((value, where, self.timeout_options[0]))
        if found:
            text, at, key = found[-1]
            detail = f"{key} {text}" if key.startswith("-") else f"{key}={text}"
            if text.isdigit():
                timeout, provenance = int(text) * self.unit_ms, Provenance.from_file(at.path, at.line, key, detail)
            else:
                timeout, provenance = None, Provenance.unknown(f"{detail}: not a number nglint can read")
        port_text, _ = option(args, self.port_options) if self.port_options else (None, None)
        port = self.port_from(port_text) if port_text else self.defaults.get("port").value
        return [server_backend(self.kind, f"{self.label} in {process.name}", port, timeout, provenance,
                               provenance.location or where, process, anchor=provenance.key)]
