"""`nglint topology [PATH...] [--format text|json|mermaid|dot]`."""

from __future__ import annotations

import os
import sys

FORMATS = ("text", "json", "mermaid", "dot")


def add_parser(sub) -> None:
    topology = sub.add_parser("topology", help="print every chain of connections found, with both idle timeouts per hop")
    topology.add_argument("paths", nargs="*", default=None, metavar="PATH", help="files or directories (default: .)")
    topology.add_argument("--format", choices=FORMATS, default="text")
    topology.add_argument("--config", metavar="FILE", help="config file (.nglint.toml or pyproject.toml)")
    topology.add_argument("--nginx-version", metavar="V", help="nginx version the config runs on (changes keepalive defaults)")


def run_topology(args) -> int:
    """0 when no hop races, 1 when one does, 2 for an unusable invocation."""
    from nglint.config import ConfigError, load_settings, parse_version
    from nglint.discovery import UsageError
    from nglint.project import load_project
    from nglint.topology.chains import RACE, build_chains
    from nglint.topology.render import render

    paths = args.paths or ["."]
    cwd = os.getcwd()
    try:
        settings = load_settings(args.config, paths[0])
        if args.nginx_version:
            try:
                settings.nginx_version = parse_version(args.nginx_version)
            except ValueError as exc:
                raise ConfigError(f"--nginx-version: {exc}") from None
        project = load_project(paths, settings, cwd)
    except (ConfigError, UsageError) as exc:
        print(f"nglint: error: {exc}", file=sys.stderr)
        return 2
    chains = build_chains(project)

    def display(path: str) -> str:
        relative = os.path.relpath(path, cwd)
        return path if relative.startswith("..") else relative

    sys.stdout.write(render(chains, args.format, display))
    return 1 if any(view.verdict == RACE for chain in chains for view in chain.hops) else 0
