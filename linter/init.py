"""`nglint init`: a first `.nglint.toml` written from what nglint finds, and the hook snippet.

Adopting a linter starts with "what did it find and what must I tell it?". init loads
the project as `nglint check` would and writes down the answers as config: the entry
configs (nginx-roots), the nginx version when the repository pins an nginx image, and
each upstream with its backend link, or, when none could be made, a commented
`[[backend]]` table to fill in. Facts nglint could not establish stay comments that
say why; init never guesses a value into the config. An existing file is left alone
unless `--force`.
"""

from __future__ import annotations

import os
import re

from nglint import __version__
from nglint.paths import display_path

CONFIG_NAME = ".nglint.toml"
REPOSITORY = "https://github.com/nglint/nglint"
_IMAGE = re.compile(r"\bnginx(?:inc/nginx-unprivileged)?:(?P<version>\d+\.\d+(?:\.\d+)?)\b")
_VERSION_FILES = re.compile(r"^(Dockerfile.*|.*\.dockerfile|(docker-)?compose.*\.ya?ml|.*\.ya?ml)$", re.IGNORECASE)
_MAX_SCAN = 1024 * 1024


def precommit_snippet() -> str:
    """The pre-commit config block for this nglint's release tag."""
    return (
        "# .pre-commit-config.yaml\n"
        "repos:\n"
        f"  - repo: {REPOSITORY}\n"
        f"    rev: v{__version__}\n"
        "    hooks:\n"
        "      - id: nglint\n"
    )


def render_config(project, root: str, version: tuple[str, str] | None) -> str:
    """The .nglint.toml text for a loaded project (paths relative to `root`)."""

    def rel(path: str) -> str:
        return os.path.relpath(path, root).replace(os.sep, "/")

    entries = [config.path for config in project.configs if config.path not in project.fragments]
    lines = [
        f"# nglint configuration, written by `nglint init` (nglint {__version__}).",
        f"# Every key: {REPOSITORY}/blob/main/docs/configuration.md",
        "",
        "# Entry configs found (nginx files no other file includes).",
        "nginx-roots = [" + ", ".join(_toml_string(rel(p)) for p in entries) + "]",
        "",
    ]
    if version:
        lines += [f"# From {version[1]}.", f"nginx-version = {_toml_string(version[0])}", ""]
    else:
        lines += ["# nginx version: unknown (no nginx image tag found in Dockerfiles or compose/Kubernetes files).",
                  "# Set the version you run; nginx 1.29.7 and later pool upstream connections by default.",
                  '# nginx-version = "1.30"', ""]
    linked, unlinked = [], []
    for upstream, links in sorted(project.links.items(), key=lambda item: (item[0].directive.path, item[0].directive.line)):
        where = f"{rel(upstream.directive.path)}:{upstream.directive.line}"
        if links.links:
            targets = ", ".join(f"{rel(link.backend.location.path)}:{link.backend.location.line} ({link.via})"
                                for link in links.links)
            linked.append(f"#   {upstream.name} ({where}) -> {targets}")
        else:
            reason = "ambiguous: several backends match" if links.ambiguous else "no backend found on its ports"
            unlinked.append((upstream, where, reason))
    if linked:
        lines += ["# Upstreams linked to their backend automatically:", *linked, ""]
    for upstream, where, reason in unlinked:
        lines += [
            f"# Upstream {upstream.name!r} ({where}) is not linked: {reason}.",
            "# Declare its backend to have its idle timeout checked (one of server-xml or idle-timeout):",
            "# [[backend]]",
            f"# upstream = {_toml_string(upstream.name)}",
            '# server-xml = "path/to/server.xml"',
            '# idle-timeout = "60s"',
            "",
        ]
    return "\n".join(lines).rstrip("\n") + "\n"


def nginx_version(root: str, limit_files: int = 2000) -> tuple[str, str] | None:
    """(version, where) when the repository's container files pin one nginx version."""
    from nglint.boundary import Boundary, Refused, open_limited

    tree = Boundary([root])
    found: dict[str, str] = {}
    seen = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in ("node_modules", "venv"))
        for name in sorted(filenames):
            if not _VERSION_FILES.match(name):
                continue
            seen += 1
            if seen > limit_files:
                break
            path = os.path.join(dirpath, name)
            # The repository is untrusted like any checked tree: a FIFO named Dockerfile
            # must not block `nglint init`, nor a symlink make it read outside the root.
            if not tree.contains(path):
                continue
            try:
                text = open_limited(path, _MAX_SCAN).decode("utf-8", errors="replace")
            except Refused:
                continue
            for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
                match = _IMAGE.search(line)
                if match:
                    found.setdefault(match["version"], f"{display_path(path)}:{number} ({match.group(0)})")
    if len(found) != 1:
        return None  # none, or several different ones: unknown which runs
    version, where = next(iter(found.items()))
    return version, where


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
