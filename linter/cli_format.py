"""argparse's help layout for nglint, with the terminal width found without shutil.

argparse builds a HelpFormatter for every option it adds (to validate its metavar), and
HelpFormatter imports shutil for `get_terminal_size`; shutil brings bz2, lzma and fnmatch
with it: a few per cent of every run, help shown or not. The width is found here the way
shutil finds it, so help looks the same.
"""

from __future__ import annotations

import argparse
import os
import sys


class Formatter(argparse.HelpFormatter):
    def __init__(self, prog, indent_increment=2, max_help_position=24, width=None):
        super().__init__(prog, indent_increment, max_help_position, terminal_columns() - 2 if width is None else width)


def terminal_columns(fallback: int = 80) -> int:
    """shutil.get_terminal_size().columns: COLUMNS if a positive integer, else the width
    of the terminal on sys.__stdout__, else `fallback`."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or fallback
    except (AttributeError, ValueError, OSError):
        return fallback
