"""`nglint topology`: load the project, build its chains of hops, render them (options: nglint.commands.topology)."""

from __future__ import annotations

import os
import sys


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
