"""`nglint rules`: one line per rule, built-ins and plugins, ordered by code."""

from __future__ import annotations

import argparse

from nglint.commands import EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No options: the listing is the same for every project."""


def run(args: argparse.Namespace) -> int:
    from nglint.registry import all_rules

    for rule in all_rules():
        fix = f" [fix: {rule.fix_safety}]" if rule.fix_safety else ""
        print(f"{rule.code:<6} {rule.severity.value:<8} {rule.name:<36} {rule.summary}{fix}")
    return EXIT_OK
