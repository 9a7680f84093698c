"""The gunicorn reader: gunicorn.conf.py on its own, or a process that runs gunicorn.

Settings are layered as gunicorn layers them (gunicorn/app/base.py): defaults, then the
config file (`-c`, else ./gunicorn.conf.py), then GUNICORN_CMD_ARGS, then the command
line. The worker class decides whether `keepalive` means anything: the sync worker
closes every connection after its response (no reuse, no race); gthread, gevent,
eventlet, tornado and uvicorn's worker keep connections `keepalive` seconds.
"""

from __future__ import annotations

import os
import posixpath
import re
import shlex

from nglint.sources import LINE_COMMENT
from nglint.sources.base import FileReader

_CLAIMED = re.compile(r"^gunicorn([._-]?(conf|config|cfg|settings))?\.py$")
_KEEPALIVE_WORKERS = ("gthread", "gevent", "eventlet", "tornado", "uvicorn", "threadworker", "geventworker",
                      "eventletworker", "tornadoworker", "asyncio", "gaiohttp", "aiohttp")


class Gunicorn(FileReader):
    kind = "gunicorn"
    defaults_module = "nglint.sources.gunicorn.defaults"
    comment = LINE_COMMENT
    comment_prefix = "#"

    def claims(self, path: str) -> bool:
        return bool(_CLAIMED.match(os.path.basename(path)))

    def parse(self, path: str, tree_roots: list[str], max_file_size: int):
        from nglint.backends import BackendFile
        from nglint.sources.servers import standalone_allowed

        result = BackendFile(path)
        settings = _Settings(self.defaults)
        allowed = standalone_allowed(path, os.path.dirname(os.path.abspath(path)), tree_roots)
        if not allowed and not _binds_sockets_only(path):
            return result
        if not settings.read_file(path, tree_roots, max_file_size, result.problems):
            return result
        if not allowed and not (settings.bind and all(_socket(b) for b in settings.bind)):
            return result  # a default or TCP port deep in an unmarked tree may be any stack's
        result.backends.extend(settings.backends(f"gunicorn ({os.path.basename(path)})", None, path))
        return result

    def from_process(self, process, tree_roots: list[str], max_file_size: int):
        from nglint.sources.argv import option, program_args
        from nglint.sources.servers import given_file

        args = program_args(process.argv, {"gunicorn"}, {"gunicorn"})
        if args is None:
            return None
        settings = _Settings(self.defaults)
        env_args = shlex.split(process.env["GUNICORN_CMD_ARGS"]) if _splittable(process.env.get("GUNICORN_CMD_ARGS")) else []
        config, _ = option(args, ("-c", "--config"))
        if config is None:
            config, _ = option(env_args, ("-c", "--config"))
        local = given_file(process, config) if config else given_file(process, None, "gunicorn.conf.py")
        problems: list = []
        if local is not None:
            settings.read_file(local, tree_roots, max_file_size, problems)
        elif config and not config.startswith("python:"):
            settings.note = f"config file {config} is not in the checked tree"
        if env_args:
            where = process.env_locations.get("GUNICORN_CMD_ARGS") or process.location
            settings.read_args(env_args, where, "GUNICORN_CMD_ARGS")
        settings.read_args(args, process.argv_location or process.location, "the command")
        if "PORT" in process.env and settings.bind is None and process.env["PORT"].isdigit():
            settings.default_port = int(process.env["PORT"])
        return settings.backends(f"gunicorn in {process.name}", process, process.location.path, process.location)


def _socket(bind: str) -> str | None:
    """The socket path of a `unix:/run/app.sock` bind (a path: strong evidence, see UnixSocket)."""
    if not bind.startswith("unix:"):
        return None
    return posixpath.normpath("/" + bind[len("unix:"):].lstrip("/"))


def _binds_sockets_only(path: str) -> bool:
    """Cheap pre-check (the file name only) before reading a config that may not count."""
    return os.path.basename(path).startswith("gunicorn")


def _splittable(text: str | None) -> bool:
    if not text:
        return False
    try:
        shlex.split(text)
    except ValueError:
        return False
    return True


class _Settings:
    """gunicorn's settings as each layer sets them, with where they were set."""

    def __init__(self, defaults) -> None:
        from nglint.tiers.model import Provenance

        self.defaults = defaults
        default = defaults.get("keepalive")
        self.keepalive = (default.value, Provenance.from_default(default, "gunicorn's default keepalive 2s"))
        worker = defaults.get("worker_class")
        self.worker = ("sync", Provenance.from_default(worker, "gunicorn's default sync worker"))
        self.threads = 1
        self.bind: list[str] | None = None
        self.default_port = defaults.get("bind").value
        self.note = ""

    def read_file(self, path, tree_roots, max_file_size, problems) -> bool:
        from nglint.diagnostics import BACKEND_PARSE_ERROR
        from nglint.problems import Problem
        from nglint.sources.files import read_text
        from nglint.sources.pyconfig import module_assignments, parse_python
        from nglint.tiers.model import Provenance

        text = read_text(path, tree_roots, max_file_size, problems)
        if text is None:
            return False
        tree, error = parse_python(text)
        if tree is None:
            problems.append(Problem(BACKEND_PARSE_ERROR, path, error[1], error[0]))
            return False
        values = module_assignments(tree)
        if "keepalive" in values:
            value = values["keepalive"]
            if value.known and isinstance(value.value, (int, float)) and not isinstance(value.value, bool):
                self.keepalive = (int(value.value * 1000), Provenance.from_file(path, value.line, "keepalive", f"keepalive = {value.value}"))
            else:
                reason = value.reason or f"keepalive = {value.value!r} is not a number"
                self.keepalive = (None, Provenance.unknown(f"{reason} in {os.path.basename(path)}:{value.line}"))
        if "worker_class" in values:
            value = values["worker_class"]
            shown = value.value if value.known else None
            self.worker = (shown if isinstance(shown, str) else None,
                           Provenance.from_file(path, value.line, "worker_class", f"worker_class = {shown!r}") if isinstance(shown, str)
                           else Provenance.unknown(value.reason or "worker_class is not a string"))
        if "threads" in values and isinstance(values["threads"].value, int):
            self.threads = values["threads"].value
        if "bind" in values and values["bind"].known:
            bind = values["bind"].value
            self.bind = [bind] if isinstance(bind, str) else [b for b in bind if isinstance(b, str)] if isinstance(bind, (list, tuple)) else None
        return True

    def read_args(self, args: list[str], where, origin: str) -> None:
        from nglint.sources.argv import option
        from nglint.sources.servers import seconds_value
        from nglint.tiers.model import Provenance

        path, line = where.path, where.line
        value, _ = option(args, ("--keep-alive",))
        if value is not None:
            seconds = seconds_value(value)
            if seconds is None:
                self.keepalive = (None, Provenance.unknown(f"--keep-alive {value} in {origin} is not a number nglint can read"))
            else:
                self.keepalive = (seconds * 1000, Provenance.from_file(path, line, "--keep-alive", f"--keep-alive {value} in {origin}"))
        value, _ = option(args, ("-k", "--worker-class"))
        if value is not None:
            known = "$" not in value
            self.worker = (value if known else None,
                           Provenance.from_file(path, line, "--worker-class", f"-k {value} in {origin}") if known
                           else Provenance.unknown(f"worker class {value} in {origin} is not resolved"))
        value, _ = option(args, ("--threads",))
        if value is not None and value.isdigit():
            self.threads = int(value)
        binds = [args[i + 1] for i, w in enumerate(args[:-1]) if w in ("-b", "--bind")]
        binds += [w.split("=", 1)[1] for w in args if w.startswith("--bind=")]
        binds += [w[2:] for w in args if w.startswith("-b") and len(w) > 2 and not w.startswith("--")]
        if binds:
            self.bind = binds

    def policy(self):
        """(timeout ms, provenance, keepalive on)."""
        from nglint.tiers.model import Provenance

        worker, worker_provenance = self.worker
        if worker is None:
            return None, worker_provenance, True
        name = worker.lower()
        if (name == "sync" or name.endswith("syncworker")) and self.threads <= 1:
            detail = f"the sync worker closes every connection ({worker_provenance.describe()})"
            return None, Provenance(worker_provenance.origin, detail, worker_provenance.path, worker_provenance.line,
                                    worker_provenance.key, worker_provenance.default), False
        if not (name in ("sync",) or name.endswith("syncworker") or any(part in name for part in _KEEPALIVE_WORKERS)):
            return None, Provenance.unknown(f"worker class {worker}: nglint does not know how it keeps connections"), True
        timeout, provenance = self.keepalive
        return timeout, provenance, True

    def backends(self, label: str, process, path: str, location=None) -> list:
        from nglint.findings import Location
        from nglint.sources.servers import port_of_bind, server_backend

        timeout, provenance, keepalive = self.policy()
        binds = self.bind or []
        sockets = [socket for socket in map(_socket, binds) if socket]
        ports = [port_of_bind(b) for b in binds if not _socket(b)] if self.bind else [self.default_port]
        ports = [p for p in ports if p is not None] or ([] if sockets else ports[:1])
        where = provenance.location or location or Location(path, 1)
        worker = self.worker[0] or "unknown"
        if (worker == "sync" or worker.lower().endswith("syncworker")) and self.threads > 1:
            worker = f"gthread (sync with {self.threads} threads)"
        backends = [
            server_backend("gunicorn", f"{label} ({worker} worker)", port, timeout, provenance, where, process,
                           keepalive=keepalive, anchor=provenance.key, attributes={"worker_class": worker})
            for port in dict.fromkeys(ports)
        ]
        return backends + [
            server_backend("gunicorn", f"{label} ({worker} worker) on {socket}", None, timeout, provenance, where, process,
                           keepalive=keepalive, anchor=provenance.key, attributes={"worker_class": worker, "socket": socket})
            for socket in dict.fromkeys(sockets)
        ]
