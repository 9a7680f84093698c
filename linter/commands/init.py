"""`nglint init [DIR] [--force]`: load the project as `check` would, write what was found as config."""

from __future__ import annotations

import argparse
import os
import sys

from nglint.commands import EXIT_ERROR, EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", default=".", metavar="DIR", help="project directory (default: .)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing .nglint.toml")


def run(args: argparse.Namespace) -> int:
    from nglint.config import ConfigError, Settings, apply_table, load_settings
    from nglint.discovery import UsageError
    from nglint.init import CONFIG_NAME, nginx_version, precommit_snippet, render_config
    from nglint.project import load_project

    directory, force = args.path, args.force
    target = os.path.join(directory, CONFIG_NAME)
    if not os.path.isdir(directory):
        print(f"nglint: error: {directory}: not a directory", file=sys.stderr)
        return EXIT_ERROR
    if os.path.lexists(target) and not force:
        print(f"nglint: error: {target} exists; use --force to overwrite it", file=sys.stderr)
        return EXIT_ERROR
    try:
        settings = load_settings(None, directory) if not os.path.lexists(target) else Settings()
        project = load_project([directory], settings, os.getcwd())
        text = render_config(project, os.path.abspath(directory), nginx_version(directory))
        _check_generated(text, target, apply_table)
        with open(target, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except (ConfigError, UsageError) as exc:
        print(f"nglint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        print(f"nglint: error: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    print(f"Wrote {target}. Add nglint to pre-commit:\n", file=sys.stderr)
    sys.stdout.write(precommit_snippet())
    return EXIT_OK


def _check_generated(text: str, target: str, apply_table) -> None:
    """What init writes must load: parse it and validate it before it reaches disk."""
    from nglint.config import Settings

    try:
        import tomllib  # type: ignore[import-not-found]
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    apply_table(Settings(), tomllib.loads(text), os.path.abspath(target))
