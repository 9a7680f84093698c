"""The systemd reader: a `*.service` unit whose `ExecStart=` runs a server becomes a
`Process`, like a Procfile line, so the server's own reader says what listens there.

Read as systemd reads it (systemd.service(5), systemd.exec(5)): the `[Service]` section,
lines continued with a trailing backslash, the last `ExecStart=` (an empty one resets the
list; the `-@:+!` prefixes are dropped), `Environment=` assignments (quoted words, later
ones win) and `EnvironmentFile=` (read only when the file lies inside the checked tree:
at its own path, else beside the unit), `${VAR}` and `$VAR` in the command filled from
that environment. The unit runs on a host, not in a container: the files of its
application (the unit file's folder, above `deploy/`-like folders) are mapped under
`WorkingDirectory=` (else `/`), so a `-c gunicorn.conf.py` or `--ini /srv/app/uwsgi.ini`
finds its file.
"""

from __future__ import annotations

import os
import re

from nglint.sources import LINE_COMMENT
from nglint.sources.base import FileReader

_SECTION = re.compile(rb"^[ \t]*\[Service\][ \t]*\r?$", re.MULTILINE)
_SPECIFIER = re.compile(r"%[a-zA-Z%]")


class SystemdUnit(FileReader):
    kind = "systemd"
    defaults_module = "nglint.sources.systemd.defaults"
    comment = LINE_COMMENT
    comment_prefix = "#"

    def claims(self, path: str) -> bool:
        if not path.endswith(".service"):
            return False
        from nglint.boundary import sniff

        head = sniff(path, 8192)
        return bool(head and _SECTION.search(head))

    def parse(self, path: str, tree_roots: list[str], max_file_size: int):
        from nglint.backends import BackendFile
        from nglint.findings import Location
        from nglint.problems import Problem
        from nglint.diagnostics import BACKEND_PARSE_ERROR
        from nglint.sources.argv import split_shell
        from nglint.sources.dockerfile.image import substitute
        from nglint.sources.files import expand_files, read_text
        from nglint.sources.process import Process, backends_for
        from nglint.tiers.units import UnitIndex

        result = BackendFile(path)
        text = read_text(path, tree_roots, max_file_size, result.problems)
        if text is None:
            return result
        entries = service_entries(text)
        exec_start = None
        env: dict[str, str] = {}
        env_locations: dict[str, Location] = {}
        workdir = "/"
        section_line = 1
        for key, value, line in entries:
            if key == "[Service]":
                section_line = line
            elif key == "ExecStart":
                exec_start = (value.lstrip("-@:+!"), line) if value else None
            elif key == "Environment":
                for word in split_shell(value) or []:
                    name, sep, setting = word.partition("=")
                    if sep and name:
                        env[name], env_locations[name] = setting, Location(path, line)
            elif key == "EnvironmentFile" and value:
                self._environment_file(path, value, line, tree_roots, max_file_size, env, env_locations, result.problems)
            elif key == "WorkingDirectory" and value.lstrip("-").startswith("/"):
                workdir = os.path.normpath(value.lstrip("-"))
        if exec_start is None:
            return result
        command, line = exec_start
        argv = split_shell(substitute(_SPECIFIER.sub("", command), env))
        if argv is None:
            result.problems.append(Problem(BACKEND_PARSE_ERROR, path, line, "ExecStart: unbalanced quotes in its command"))
            return result
        units = UnitIndex(tree_roots)
        files = expand_files(app_root(path, units.unit_dir(path)), workdir, tree_roots)
        name = os.path.basename(path)[: -len(".service")] or "service"
        where = Location(path, line)
        process = Process(name, Location(path, section_line), None, argv, where, env, env_locations, files, [],
                          units.unit_of(path))
        result.processes.append(process)
        result.backends.extend(backends_for(process, tree_roots, max_file_size))
        return result

    def _environment_file(self, path, value, line, tree_roots, max_file_size, env, env_locations, problems) -> None:
        from nglint.findings import Location
        from nglint.sources.compose.interpolate import read_env_file
        from nglint.sources.files import inside_tree, read_text

        name = value.lstrip("-")
        beside = os.path.join(os.path.dirname(os.path.abspath(path)), os.path.basename(name))
        local = next((c for c in (name, beside) if os.path.isabs(c) and inside_tree(c, tree_roots) and os.path.isfile(c)), None)
        if local is None:
            return  # on the host only (often a secret): its variables stay unknown
        text = read_text(local, tree_roots, max_file_size, problems, report_at=(path, line))
        if text is None:
            return
        for key, setting in read_env_file(text).items():
            env[key], env_locations[key] = setting, Location(local, 1)


_DEPLOY_DIRS = {"deploy", "deployment", "deployments", "systemd", "system", "etc", "ops", "config", "conf", "scripts",
                "infra", "services", "init", "dist", "packaging", "debian", "contrib", "units", "lib", "usr"}


def app_root(path: str, unit_dir: str) -> str:
    """The checked-out application the unit runs: the unit file's directory, or above it
    while that directory is a deployment folder (`deploy/`, `etc/systemd/system/`),
    never above the deployment unit. Mapping a whole monorepo would hand the server
    reader other stacks' files."""
    directory = os.path.dirname(os.path.abspath(path))
    while os.path.basename(directory).lower() in _DEPLOY_DIRS and directory != unit_dir:
        parent = os.path.dirname(directory)
        if parent == directory or not (parent == unit_dir or parent.startswith(unit_dir.rstrip(os.sep) + os.sep)):
            break
        directory = parent
    return directory


def service_entries(text: str) -> list[tuple[str, str, int]]:
    """(key, value, line) of the [Service] section, continuations joined; the section
    header itself as ("[Service]", "", line)."""
    found: list[tuple[str, str, int]] = []
    lines = text.splitlines()
    index, section = 0, None
    while index < len(lines):
        start = index + 1
        line = lines[index].strip()
        index += 1
        while line.endswith("\\") and index < len(lines):
            line = line[:-1] + " " + lines[index].strip()
            index += 1
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line
            if section == "[Service]":
                found.append(("[Service]", "", start))
            continue
        if section != "[Service]":
            continue
        key, sep, value = line.partition("=")
        if sep:
            found.append((key.strip(), value.strip(), start))
    return found
