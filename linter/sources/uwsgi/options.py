"""uWSGI options as uWSGI collects them: from config files (ini, YAML, JSON, XML), `UWSGI_*`
environment variables and the command line, in order, each with where it was written.

uWSGI lets most options repeat (`http = :8000` twice binds twice) and lets the last value
of a single-valued one win, so options stay an ordered list; the meaning is decided by
nglint.sources.uwsgi.reader. A value that uses a placeholder nglint cannot fill (`$(PORT)`
from an unknown environment, `%(var)` never defined) keeps its text, so the reader says
"unknown" instead of guessing.
"""

from __future__ import annotations

import json
import os
import re

from nglint.findings import Location
from nglint.problems import Problem
from nglint.diagnostics import BACKEND_PARSE_ERROR
from nglint.records import record

MAX_INCLUDES = 16
# Options that never take the next word as their value (getopt no_argument /
# optional_argument: a value must be written `--name=value`).
_FLAGS = {"master", "so-keepalive", "http-keepalive", "vacuum", "enable-threads", "die-on-term", "lazy-apps", "lazy",
          "single-interpreter", "strict", "need-app", "thunder-lock", "http-auto-chunked", "no-orphans",
          "harakiri-verbose", "disable-logging", "auto-procname", "memory-report", "honour-stdin", "catch-exceptions",
          "py-tracebacker", "log-master", "chmod-socket", "chmod", "offload-threads-auto", "cheap", "http-websockets"}
_SHORT = {"-s": "socket", "-z": "socket-timeout", "-p": "processes", "-w": "module", "-H": "home", "-t": "harakiri",
          "-b": "buffer-size", "-M": "master", "-T": "enable-threads", "-C": "chmod-socket", "-d": "daemonize",
          "-L": "disable-logging", "-x": "xml", "-y": "yaml", "-j": "json", "-i": "single-interpreter"}
_SHORT_FLAGS = {"-M", "-T", "-L", "-i", "-C"}
_CONFIG_OPTIONS = {"ini", "yaml", "yml", "json", "xml"}
_CONFIG_SUFFIXES = (".ini", ".yaml", ".yml", ".json", ".xml")
_ENV = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")
_VAR = re.compile(r"%\(([A-Za-z_][\w-]*)\)")


@record(frozen=True)
class Option:
    key: str
    value: str
    location: Location


def config_name(path: str) -> bool:
    """A file named like a uWSGI config: uwsgi.ini, uwsgi-prod.yaml, app.uwsgi.json."""
    name = os.path.basename(path).lower()
    stem, ext = os.path.splitext(name)
    return ext in _CONFIG_SUFFIXES and (stem.startswith("uwsgi") or stem.endswith((".uwsgi", "_uwsgi", "-uwsgi")))


def read_config(path: str, section: str, env: dict[str, str], tree_roots: list[str], max_file_size: int,
                problems: list[Problem], depth: int = 0) -> list[Option]:
    """The options of one uWSGI config file (its `[section]`, `uwsgi` by default); files it
    loads with `ini = ...` are read in place, bounded. Never raises."""
    from nglint.boundary import is_file
    from nglint.sources.files import inside_tree, read_text

    text = read_text(path, tree_roots, max_file_size, problems)
    if text is None:
        return []
    ext = os.path.splitext(path)[1].lower()
    if ext in (".yaml", ".yml"):
        raw = _yaml_options(text, path, section, problems)
    elif ext == ".json":
        raw = _json_options(text, path, section, problems)
    elif ext == ".xml":
        raw = _xml_options(text, path, section, problems)
    else:
        raw = _ini_options(text, path, section)
    options: list[Option] = []
    defined: dict[str, str] = {}
    for key, value, line in raw:
        value = _fill(value, defined, env)
        if key in _CONFIG_OPTIONS and depth < MAX_INCLUDES:
            included = _local(value, path)
            if included is not None and not inside_tree(included, tree_roots):
                # Decided on the name, before any existence test: whether a file outside
                # the tree exists must not change the report.
                read_text(included, tree_roots, max_file_size, problems, report_at=(path, line))
                continue
            if included is not None and is_file(included):
                options.extend(read_config(included, section, env, tree_roots, max_file_size, problems, depth + 1))
                continue
        defined[key] = value
        options.append(Option(key, value, Location(path, line)))
    return options


def _local(value: str, relative_to: str) -> str | None:
    name = value.split(":", 1)[0] if not value.startswith("/") or value.count(":") else value
    if not name or "://" in value or "$(" in name:
        return None
    return name if os.path.isabs(name) else os.path.join(os.path.dirname(os.path.abspath(relative_to)), name)


def _fill(value: str, defined: dict[str, str], env: dict[str, str]) -> str:
    """uWSGI's `%(name)` (an option set earlier in the file) and `$(NAME)` (environment)."""
    value = _VAR.sub(lambda m: defined.get(m.group(1), m.group(0)), value)
    return _ENV.sub(lambda m: env[m.group(1)] if m.group(1) in env and "${" not in env[m.group(1)] else m.group(0), value)


def _ini_options(text: str, path: str, section: str) -> list[tuple[str, str, int]]:
    found, current = [], None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
            continue
        if current != section:
            continue
        key, sep, value = line.partition("=")
        # uWSGI hands a key without `=` on with an empty value (core/ini.c ini_get_key)
        found.append((key.strip().lower(), value.strip() if sep else "", number))
    return found


def _yaml_options(text: str, path: str, section: str, problems: list[Problem]) -> list[tuple[str, str, int]]:
    from nglint.sources.yamlnodes import Mapping, Sequence, YamlError, load_documents

    try:
        documents = load_documents(text)
    except YamlError as exc:
        problems.append(Problem(BACKEND_PARSE_ERROR, path, exc.line, f"uWSGI YAML: {exc}"))
        return []
    found = []
    for document in documents:
        body = document.get(section) if isinstance(document, Mapping) else None
        if not isinstance(body, Mapping):
            continue
        for key, value in body.items():
            line = body.line_of(key)
            items = list(value) if isinstance(value, Sequence) else [value]
            for index, item in enumerate(items):
                at = value.lines.get(index, line) if isinstance(value, Sequence) else line
                found.append((str(key).lower(), _yaml_text(item), at))
    return found


def _yaml_text(item) -> str:
    """The text a YAML scalar was written as (uWSGI's YAML parser keeps text: `true` stays
    "true"); booleans and numbers from nglint's typed loader turned back into words."""
    if isinstance(item, bool):
        return "true" if item else "false"
    return "" if item is None else str(item)


def _json_options(text: str, path: str, section: str, problems: list[Problem]) -> list[tuple[str, str, int]]:
    try:
        document = json.loads(text)
    except ValueError as exc:
        problems.append(Problem(BACKEND_PARSE_ERROR, path, getattr(exc, "lineno", 1) or 1, f"uWSGI JSON: {getattr(exc, 'msg', exc)}"))
        return []
    body = document.get(section) if isinstance(document, dict) else None
    if not isinstance(body, dict):
        return []
    lines = text.splitlines()
    found = []
    for key, value in body.items():
        # json keeps no positions: the first line naming the key (a repeated key is rare in JSON)
        line = next((n for n, raw in enumerate(lines, 1) if f'"{key}"' in raw), 1)
        for item in value if isinstance(value, list) else [value]:
            found.append((str(key).lower(), _scalar(item), line))
    return found


def _xml_options(text: str, path: str, section: str, problems: list[Problem]) -> list[tuple[str, str, int]]:
    """`<uwsgi><http>:8000</http>...</uwsgi>` (the root, or a root's `<uwsgi id=...>` child),
    parsed like every XML nglint reads: no DTD, no entities, no network."""
    from nglint.backends import BackendFile
    from nglint.sources.tomcat.server_xml import parse_xml_bytes

    holder = BackendFile(path)
    parsed = parse_xml_bytes(text.encode("utf-8", errors="replace"), path, holder, "uWSGI XML")
    problems.extend(holder.problems)
    if parsed is None:
        return []
    root = parsed[0]
    body = root if root.tag == "uwsgi" and section == "uwsgi" else next(
        (child for child in root.iter("uwsgi") if child.get("id") == section or section == "uwsgi"), None)
    if body is None:
        return []
    # an empty element is "1" (core/xmlconf.c)
    return [(str(child.tag).lower(), (child.text or "").strip() or "1", child.sourceline or 1)
            for child in body if isinstance(child.tag, str)]


def _scalar(value) -> str:
    """A JSON value as uWSGI passes it on: booleans become "1"/"0" (core/json.c)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    return "" if value is None else str(value)


def command_options(args: list[str], where: Location, env: dict[str, str], process, tree_roots: list[str],
                    max_file_size: int, problems: list[Problem]) -> list[Option]:
    """Options of the uwsgi command line, in order; a config file it names (`--ini`, or a
    bare `app.ini`) is read where it appears, from the files the process was given."""
    from nglint.sources.servers import given_file

    options: list[Option] = []
    index = 0
    while index < len(args):
        word = args[index]
        index += 1
        key, value = None, None
        if word.startswith("--"):
            key, sep, value = word[2:].partition("=")
            if not sep:
                value = None
                if key not in _FLAGS and index < len(args) and not args[index].startswith("-"):
                    value, index = args[index], index + 1
        elif word.startswith("-") and word[:2] in _SHORT:
            key = _SHORT[word[:2]]
            if len(word) > 2:
                value = word[2:]
            elif word[:2] not in _SHORT_FLAGS and index < len(args) and not args[index].startswith("-"):
                value, index = args[index], index + 1
        elif word.split(":", 1)[0].lower().endswith(_CONFIG_SUFFIXES):
            key, value = "ini", word
        if key is None:
            continue
        key = key.lower()
        # getopt gives no value to a flag: uWSGI's int options then take 1 (uwsgi_opt_set_int)
        value = _fill("1" if value is None else value, {}, env)
        if key in _CONFIG_OPTIONS:
            name, _, section = value.partition(":") if not value.startswith("/") or value.count(":") else (value, "", "")
            local = given_file(process, name) if process is not None else None
            if local is not None:
                options.extend(read_config(local, section or "uwsgi", env, tree_roots, max_file_size, problems))
            else:
                options.append(Option("config-not-read", value, where))
            continue
        options.append(Option(key, value, where))
    return options


def env_options(env: dict[str, str], locations: dict[str, Location], fallback: Location) -> list[Option]:
    """`UWSGI_HTTP_KEEPALIVE=75` is `--http-keepalive=75` (uWSGI reads every UWSGI_* variable)."""
    options = []
    for name, value in env.items():
        if name.startswith("UWSGI_") and len(name) > 6 and name not in ("UWSGI_ORIGINAL_PROC_NAME", "UWSGI_RELOADS"):
            key = name[6:].lower().replace("_", "-")
            options.append(Option(key, value, locations.get(name, fallback)))
    return options
