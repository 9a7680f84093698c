"""Readers per file kind: the only modules that know a file format.

A reader claims files (cheaply by name, by a sniff of the first bytes where names are
ambiguous), reads one into plain, picklable data (`BackendFile`: endpoints plus the
problems met), says how a suppression comment is written in its format, names the files
whose reading depends on a given file (so `--changed` re-lints them), and brings the
defaults table of its tier kind. Built-in readers and third-party ones (entry-point group
`nglint.sources`) come through the same door, so a new kind needs no edit elsewhere.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from nglint.backends import BackendFile
    from nglint.tiers.defaults import DefaultsTable

ENTRY_POINT_GROUP = "nglint.sources"

# Built-in readers by module and class name: imported when first asked for, so start-up
# stays free of their parsers.
BUILTIN_READERS = (
    ("nglint.sources.tomcat.reader", "TomcatServerXml"),
    ("nglint.sources.compose.reader", "ComposeFile"),
    ("nglint.sources.dockerfile.reader", "Dockerfile"),
    ("nglint.sources.procfile.reader", "Procfile"),
    ("nglint.sources.gunicorn.reader", "Gunicorn"),
    ("nglint.sources.uvicorn.reader", "Uvicorn"),
    ("nglint.sources.node.reader", "NodeJs"),
    ("nglint.sources.spring.reader", "SpringBoot"),
    ("nglint.sources.puma.reader", "Puma"),
    ("nglint.sources.apache.reader", "ApacheHttpd"),
    ("nglint.sources.nginx.backend", "NginxBackend"),
    ("nglint.sources.waitress.reader", "Waitress"),
    ("nglint.sources.hypercorn.reader", "Hypercorn"),
    ("nglint.sources.kestrel.reader", "Kestrel"),
    ("nglint.sources.jetty.reader", "Jetty"),
    ("nglint.sources.uwsgi.reader", "Uwsgi"),
    ("nglint.sources.systemd.reader", "SystemdUnit"),
    ("nglint.sources.iis.reader", "Iis"),
    ("nglint.sources.k8s.reader", "KubernetesYaml"),
    ("nglint.sources.terraform.reader", "TerraformReader"),
    ("nglint.sources.aws.reader", "AwsLoadBalancerFiles"),
    ("nglint.sources.proxies.reader", "ProxyConfigs"),
    ("nglint.sources.haproxy.reader", "HaproxyConfigs"),
    ("nglint.sources.spring.stomp", "SpringStomp"),
    ("nglint.sources.gohttp.reader", "GoHttp"),  # last: a Go-built image may run another known server
)

# The file names each built-in reader may claim (first) and be fed by (second), as data
# (patterns: nglint.sources.names). A reader module is imported only when a file matches,
# so a run over nginx files imports none of them; the reader's own `claims`/`feeds`
# still decides (sniffing YAML, for one). A reader listed in BUILTIN_READERS without an
# entry here is imported and asked about every file, as a plugin reader is.
READER_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "nglint.sources.tomcat.reader": (("server.xml",), ("catalina.properties",)),
    "nglint.sources.compose.reader": (("compose*.yml", "compose*.yaml", "docker-compose*.yml", "docker-compose*.yaml"), (".env",)),
    "nglint.sources.dockerfile.reader": (("Dockerfile", "Dockerfile.*", "*.Dockerfile", "Containerfile"), ()),
    "nglint.sources.procfile.reader": (("Procfile", "Procfile.*"), ()),
    "nglint.sources.gunicorn.reader": (("gunicorn*.py",), ()),
    "nglint.sources.puma.reader": (("puma.rb",), ("Gemfile.lock",)),
    "nglint.sources.apache.reader": (("httpd.conf", "apache2.conf"), ()),
    "nglint.sources.jetty.reader": (("start.ini", "start.d/*.ini"), ()),
    "nglint.sources.k8s.reader": (("*.yaml", "*.yml", "Kustomization"), ("nginx.tmpl",)),
    "nglint.sources.terraform.reader": (
        ("*.tf", "*.tf.json"),
        ("terraform.tfvars", "terraform.tfvars.json", "*.auto.tfvars", "*.auto.tfvars.json"),
    ),
    "nglint.sources.aws.reader": (("*.yaml", "*.yml", "*.json", "*.template"), ()),
    "nglint.sources.proxies.reader": (("*.yaml", "*.yml"), ()),
    "nglint.sources.haproxy.reader": (("*.cfg", "haproxy*.conf", "*haproxy.conf", "haproxy/*.conf"), ()),
    "nglint.sources.spring.stomp": (("*.java", "*.kt"), ()),
    "nglint.sources.uwsgi.reader": (("*.ini", "uwsgi*.yaml", "uwsgi*.yml", "uwsgi*.json", "uwsgi*.xml", "*uwsgi.yaml",
                                     "*uwsgi.yml", "*uwsgi.json", "*uwsgi.xml"), ()),
    "nglint.sources.systemd.reader": (("*.service",), ()),
    "nglint.sources.iis.reader": (("applicationhost.config", "web.config"), ()),
    # Readers of what a process runs (a command line, the source file it names): no file of their own.
    "nglint.sources.uvicorn.reader": ((), ()),
    "nglint.sources.node.reader": ((), ()),
    "nglint.sources.spring.reader": ((), ()),
    "nglint.sources.nginx.backend": ((), ()),
    "nglint.sources.waitress.reader": ((), ()),
    "nglint.sources.hypercorn.reader": ((), ()),
    "nglint.sources.kestrel.reader": ((), ()),
    "nglint.sources.gohttp.reader": ((), ()),
}

# Kinds whose defaults live beside a reader that is not a backend reader (nginx itself).
BUILTIN_DEFAULTS = {
    "nginx": "nglint.sources.nginx.defaults",
    "tomcat": "nglint.sources.tomcat.defaults",
    "ingress-nginx": "nglint.sources.k8s.defaults",
    "nginx-ingress": "nglint.sources.k8s.f5_defaults",
    "frontend": "nglint.sources.frontend.defaults",
    "heartbeat": "nglint.sources.frontend.heartbeats",
    "close-style": "nglint.sources.closing",
    "gunicorn": "nglint.sources.gunicorn.defaults",
    "uvicorn": "nglint.sources.uvicorn.defaults",
    "node": "nglint.sources.node.defaults",
    "spring": "nglint.sources.spring.defaults",
    "puma": "nglint.sources.puma.defaults",
    "apache": "nglint.sources.apache.defaults",
    "waitress": "nglint.sources.waitress.defaults",
    "hypercorn": "nglint.sources.hypercorn.defaults",
    "kestrel": "nglint.sources.kestrel.defaults",
    "go": "nglint.sources.gohttp.defaults",
    "jetty": "nglint.sources.jetty.defaults",
    "uwsgi": "nglint.sources.uwsgi.defaults",
    "iis": "nglint.sources.iis.defaults",
}

LINE_COMMENT, XML_COMMENT = "line", "xml"


class Reader(Protocol):
    """One file kind.

    `kind` is the tier kind the files describe (`tomcat`); `comment` is LINE_COMMENT with
    `comment_prefix` (`#`) or XML_COMMENT, for inline suppressions; `defaults` is the
    kind's DefaultsTable.
    """

    kind: str
    comment: str
    comment_prefix: str

    def claims(self, path: str) -> bool:
        """True when `path` is a file of this kind, decided from the name (and `sniff`)."""

    def parse(self, path: str, tree_roots: list[str], max_file_size: int) -> "BackendFile":
        """Read `path` into endpoints and problems; never raise on bad input."""

    def feeds(self, path: str) -> bool:
        """True for a file this kind's files depend on without being one (catalina.properties)."""

    def affected_by(self, path: str, loaded: list[str], tree_roots: list[str]) -> list[str]:
        """The `loaded` files of this kind whose reading depends on `path` (a changed
        catalina.properties changes what its server.xml means)."""

    @property
    def defaults(self) -> "DefaultsTable": ...


@lru_cache(maxsize=1)
def readers() -> tuple:
    """Built-in readers then plugin readers, each instantiated once (this imports them all:
    for questions no file name answers, such as what a container's process is)."""
    return tuple(_builtin(module, name) for module, name in BUILTIN_READERS) + _plugin_readers()


_INSTANCES: dict[str, object] = {}


def _builtin(module: str, name: str):
    """The one instance of a built-in reader, its module imported on first use."""
    reader = _INSTANCES.get(module)
    if reader is None:
        import importlib

        reader = _INSTANCES[module] = getattr(importlib.import_module(module), name)()
    return reader


@lru_cache(maxsize=1)
def _plugin_readers() -> tuple:
    from nglint.registry import load_plugins

    return tuple(plugin() if isinstance(plugin, type) else plugin for plugin in load_plugins(ENTRY_POINT_GROUP))


@lru_cache(maxsize=1)
def _name_index() -> tuple:
    """(module, class, claim patterns, feed patterns) per built-in reader, in order; None
    patterns for a reader that declares no names (it is asked about every file)."""
    from nglint.sources.names import NamePatterns

    rows = []
    for module, name in BUILTIN_READERS:
        declared = READER_NAMES.get(module)
        if declared is None:
            rows.append((module, name, None, None))
        else:
            rows.append((module, name, NamePatterns(declared[0]), NamePatterns(declared[1])))
    return tuple(rows)


@lru_cache(maxsize=256)
def _rows_for_extension(extension: str) -> tuple:
    """The rows whose claim patterns may fit a file name ending in `.extension` ("" for a
    name without a dot), in order: a thousand conf.d files ask about a few rows, not all."""
    return tuple(row for row in _name_index() if row[2] is None or row[2].may_end_with(extension))


def reader_for(path: str):
    """The reader claiming `path`, or None: the first built-in reader whose declared names
    fit and whose `claims` agrees, else the first plugin reader that claims it."""
    base = os.path.basename(path)
    extension = base.rpartition(".")[2].lower() if "." in base else ""
    for module, name, claims, _feeds in _rows_for_extension(extension):
        if claims is None or claims.match(path, base):
            reader = _builtin(module, name)
            if reader.claims(path):
                return reader
    return next((reader for reader in _plugin_readers() if reader.claims(path)), None)


def reader_of_kind(kind: str):
    return next((reader for reader in readers() if reader.kind == kind), None)


def defaults_table(kind: str) -> "DefaultsTable":
    """The defaults table of `kind`: built-in tables first, then a plugin reader's."""
    import importlib

    module = BUILTIN_DEFAULTS.get(kind)
    if module is not None:
        return importlib.import_module(module).DEFAULTS
    reader = reader_of_kind(kind)
    if reader is None:
        raise KeyError(f"no reader or defaults table for tier kind {kind!r}")
    return reader.defaults


def edit_setting(rule, finding, project, setting, seconds: int):
    """A fix setting an idle timeout through the editor of the setting's format, or None
    when that format's reader has no editor (the finding then explains the change)."""
    reader = reader_of_kind(setting.format)
    editor = getattr(reader, "edit_setting", None) if reader is not None else None
    if editor is None:
        return None
    return editor(rule, finding, project, setting, seconds)


def feeds_a_reader(path: str) -> bool:
    """True for a file some reader's files depend on without being claimed (catalina.properties)."""
    base = os.path.basename(path)
    for module, name, _claims, feeds in _name_index():
        if (feeds is None or feeds.match(path, base)) and getattr(_builtin(module, name), "feeds", lambda _path: False)(path):
            return True
    return any(getattr(reader, "feeds", lambda _path: False)(path) for reader in _plugin_readers())
