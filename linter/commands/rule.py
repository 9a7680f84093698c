"""`nglint rule CODE`: one rule's documentation, as its generated page says it."""

from __future__ import annotations

import argparse
import sys

from nglint.commands import EXIT_ERROR, EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code")


def run(args: argparse.Namespace) -> int:
    from nglint.registry import rule_by_code

    code = args.code
    rule = rule_by_code(code)
    if rule is None:
        from nglint.codes import did_you_mean, known_codes

        print(f"nglint: error: unknown rule {code!r}{did_you_mean(code.upper(), known_codes())} (see `nglint rules`)",
              file=sys.stderr)
        return EXIT_ERROR
    sys.stdout.write(rule.render_text())
    sys.stdout.write(f"\nDocumentation: {rule.help_uri}\n")
    return EXIT_OK
