"""Ending the `nglint` process without freeing what it built.

A run over a real tree builds a few hundred thousand small objects (statements, their
argument lists, findings) that all live until the report is written. Freeing them one by
one when the last reference goes costs about a tenth of a run on many small files, and
the process is about to end anyway; mypy ends the same way for the same reason.

Only the console command takes this path (`nglint.__main__.run`): it turns it on before
the run, and after the run flushes the standard streams and leaves with `os._exit`. A
caller of `nglint.cli.main()` in its own process (tests, editors, hooks) never turns it
on, so nothing is kept alive there and its interpreter ends normally.
"""

from __future__ import annotations

import os
import sys

_kept: object = None
_enabled = False


def keep_until_exit(value: object) -> None:
    """Hold `value` until the process ends, when the console command ends it (see above).

    One value is held: the next one replaces it, so `--fix`, which lints again after each
    pass, frees each earlier pass as before and its peak memory does not grow."""
    global _kept
    if _enabled:
        _kept = value


def ending() -> bool:
    """Whether this process ends right after the run (the console command)."""
    return _enabled


def enable() -> None:
    global _enabled
    _enabled = True


def end_process(code: int) -> None:
    """Flush what the run wrote and end the process with `code`, freeing nothing.

    Every file nglint writes is closed by then (reports through an atomic rename, `--fix`
    through its own atomic writes), worker pools are shut down by their `with` blocks,
    and no atexit handler of nglint's own exists; only the standard streams hold
    buffered output, and a stream that cannot be flushed (a closed pipe) is let go."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)
