"""Command line: `nglint check`, `nglint explain`, `nglint topology`, `nglint init`, `nglint rules`, `nglint rule CODE`, `nglint --version`.

This module only dispatches: each command is a module of nglint.commands with
`add_arguments(parser)` and `run(args)`, imported when that command runs, so the start-up
of `nglint check` (a pre-commit hook, run on every commit) never pays for the others.

Exit codes (fixed; CI and pre-commit depend on them): 0 no error or warning findings,
1 findings, 2 usage error or internal failure.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from nglint import __version__
from nglint.commands import EXIT_ERROR, EXIT_FINDINGS

# Command name -> (module, one-line help). The help is here, not in the module, so that
# `nglint --help` lists every command without importing any of them.
COMMANDS = {
    "check": ("nglint.commands.check", "lint nginx configs and the backends behind them"),
    "init": ("nglint.commands.init", "write a .nglint.toml from what nglint finds, and print the pre-commit snippet"),
    "explain": ("nglint.commands.explain", "explain nginx error-log lines: cause, where, which finding, what to change"),
    "topology": ("nglint.commands.topology", "print every chain of connections found, with both idle timeouts per hop"),
    "rules": ("nglint.commands.rules", "list all rules"),
    "rule": ("nglint.commands.rule", "show the documentation of one rule"),
}

# Names other code imported from here before the commands had modules of their own.
_MOVED = {"FORMATS": ("nglint.commands.check", "FORMATS"), "EXPLAIN_FORMATS": ("nglint.commands.explain", "FORMATS")}


def __getattr__(name: str):
    if name in _MOVED:
        module, attribute = _MOVED[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Parser(argparse.ArgumentParser):
    """argparse without abbreviations (`--sel` is a typo, not `--select`), and with
    a did-you-mean for a mistyped option, subcommand or choice."""

    def __init__(self, *args, **kwargs):
        from nglint.cli_format import Formatter

        kwargs.setdefault("allow_abbrev", False)
        kwargs.setdefault("formatter_class", Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # argparse exits 2 already; keep the message style
        from nglint.cli_hints import suggest

        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"nglint: error: {message}{suggest(self, message)}\n")


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The whole parser, or, given the arguments of a run naming a known command, a parser
    in which only that command has its options (the others keep their name and help).

    argparse needs every option only to print help or an error for them; a run of one
    command needs that command's options alone, and building the others would import
    their modules."""
    parser = _Parser(prog="nglint", description="Cross-tier linter for nginx and the servers behind it.")
    parser.add_argument("--version", action="version", version=f"nglint {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    chosen = _command_in(argv) if argv is not None else None
    for name, (module, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text)
        if chosen is None or name == chosen:
            importlib.import_module(module).add_arguments(command)
    return parser


def _command_in(argv: list[str]) -> str | None:
    """The command a run names (the first word that is not an option), if it is known.

    The top-level options (--help, --version) take no value, so the first other word is
    the command; anything else (no command, a typo) gets the whole parser and its hints."""
    for word in argv:
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def main(argv: list[str] | None = None) -> int:
    from nglint import interrupts
    from nglint.output import tolerant_streams

    previous: dict = {}
    try:
        try:
            previous = interrupts.install()
            tolerant_streams()
            return _main(argv)
        finally:
            interrupts.restore(previous)
    except KeyboardInterrupt as interrupt:  # Ctrl-C, or SIGTERM (interrupts.Terminated)
        return interrupts.exit_code(interrupt)


def _main(argv: list[str] | None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(words)
    args = parser.parse_args(words)
    if args.command not in COMMANDS:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        return importlib.import_module(COMMANDS[args.command][0]).run(args)
    except BrokenPipeError:
        _silence_broken_pipe()
        return EXIT_ERROR if args.command != "check" else EXIT_FINDINGS


def _silence_broken_pipe() -> None:
    """The reader went away (`| head -1`): stop writing without a traceback at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
