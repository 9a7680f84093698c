"""Readers per file kind: the only modules that know a file format.

A reader claims files (cheaply by name, by a sniff of the first bytes where names are
ambiguous), reads one into plain, picklable data (`BackendFile`: endpoints plus the
problems met), says how a suppression comment is written in its format, names the files
whose reading depends on a given file (so `--changed` re-lints them), and brings the
defaults table of its tier kind. Built-in readers and third-party ones (entry-point group
`nglint.sources`) come through the same door, so a new kind needs no edit elsewhere.
"""

from __future__ import annotations

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
    """Built-in readers then plugin readers, each instantiated once."""
    import importlib

    from nglint.registry import load_plugins

    found = [getattr(importlib.import_module(module), name)() for module, name in BUILTIN_READERS]
    for plugin in load_plugins(ENTRY_POINT_GROUP):
        found.append(plugin() if isinstance(plugin, type) else plugin)
    return tuple(found)


def reader_for(path: str):
    """The reader claiming `path`, or None."""
    return next((reader for reader in readers() if reader.claims(path)), None)


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
    return any(getattr(reader, "feeds", lambda _path: False)(path) for reader in readers())
