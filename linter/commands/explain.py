"""`nglint explain [LOG ...]`: the options; the work is nglint.explain's, imported only to run it."""

from __future__ import annotations

import argparse

from nglint.commands import jobs

FORMATS = ("text", "json", "markdown")  # nglint.explain.render.FORMATS names the same


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("logs", nargs="*", metavar="LOG", help="nginx error logs (plain, rotated, .gz); - for stdin")
    parser.add_argument("--config-path", action="append", default=None, metavar="PATH",
                        help="configuration to match the lines to (repeatable; default: the project around .)")
    parser.add_argument("--no-config", action="store_true", help="do not look for a configuration")
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument("--since", metavar="T", help="only lines at or after T (2025-10-09, 2025-10-09T20:26[:23], 'YYYY/MM/DD HH:MM:SS')")
    parser.add_argument("--until", metavar="T", help="only lines at or before T (same forms as --since)")
    parser.add_argument("--jobs", type=jobs, default=None, metavar="N",
                        help="count a large plain log in N processes (default: number of CPUs); same output as --jobs 1")


def run(args: argparse.Namespace) -> int:
    from nglint.explain.command import run as explain

    return explain(args)
