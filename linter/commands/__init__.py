"""One module per `nglint` command, each with `add_arguments(parser)` and `run(args) -> int`.

`nglint.cli` imports a command's module only when that command runs (or to print the
full help), so a pre-commit hook running `nglint check` pays for nothing else. What
several commands share (exit codes, the --jobs type) lives here and imports nothing.
"""

from __future__ import annotations

import argparse

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def jobs(text: str) -> int:
    """`--jobs N`: a positive process count, refused as a usage error otherwise."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid job count {text!r}: expected a positive integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"invalid job count {text!r}: expected a positive integer")
    return value
