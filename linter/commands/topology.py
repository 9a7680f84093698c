"""`nglint topology [PATH...] [--format text|json|mermaid|dot]`: the options; nglint.topology does the work."""

from __future__ import annotations

import argparse

FORMATS = ("text", "json", "mermaid", "dot")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", default=None, metavar="PATH", help="files or directories (default: .)")
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("--config", metavar="FILE", help="config file (.nglint.toml or pyproject.toml)")
    parser.add_argument("--nginx-version", metavar="V", help="nginx version the config runs on (changes keepalive defaults)")


def run(args: argparse.Namespace) -> int:
    from nglint.topology.command import run_topology

    return run_topology(args)
