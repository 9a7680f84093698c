"""Ctrl-C and `kill`: end the run cleanly, and never in the middle of writing a file.

pre-commit, editors and CI stop nglint with SIGINT or SIGTERM. Either must end the run
with the shell's conventional exit code (130, 143) and no traceback, and `--fix` must
leave every file with its old or its new bytes and no temporary file behind. SIGTERM is
turned into an exception so the same `finally` blocks that clean up after Ctrl-C run;
the few steps that must not be cut in two (temporary file, fsync, rename) hold both
signals back and take them right after.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

EXIT_SIGINT = 128 + signal.SIGINT
EXIT_SIGTERM = 128 + signal.SIGTERM
_HELD = {signal.SIGINT, signal.SIGTERM}


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Python was when it arrived (like KeyboardInterrupt for SIGINT)."""


_early: list[int] = []


def _raise_terminated(signum, frame):
    raise Terminated()


def _remember(signum, frame):
    _early.append(signum)


def install_early() -> None:
    """Remember SIGINT and SIGTERM while the CLI loads; `install` acts on them."""
    with contextlib.suppress(ValueError, OSError):
        for signum in _HELD:
            signal.signal(signum, _remember)


def ignore_from_now_on() -> None:
    """Ignore SIGINT and SIGTERM for the rest of the process. Python puts the default
    handlers back while it shuts down, and a SIGTERM then would kill the process after
    its work is done and replace its exit code; ignored signals are left ignored."""
    with contextlib.suppress(ValueError, OSError):
        for signum in _HELD:
            signal.signal(signum, signal.SIG_IGN)


def install() -> dict:
    """Raise KeyboardInterrupt on SIGINT and Terminated on SIGTERM in this process (the
    CLI's main thread only); a signal remembered while loading is raised now. Returns
    the previous handlers, for `restore`."""
    previous = {}
    with contextlib.suppress(ValueError, OSError):  # not the main thread: leave signals alone
        previous = {signum: signal.getsignal(signum) for signum in _HELD}
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _raise_terminated)
    if _early:
        raise Terminated() if _early[0] == signal.SIGTERM else KeyboardInterrupt()
    return previous


def restore(previous: dict) -> None:
    """Put the handlers from before `install` back. For the command, those only remember
    a signal: one that comes after the run is over cannot turn its exit code into a
    traceback. A caller of main() in its own process gets its own handlers back."""
    with contextlib.suppress(ValueError, OSError, TypeError):
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def exit_code(interrupt: KeyboardInterrupt) -> int:
    return EXIT_SIGTERM if isinstance(interrupt, Terminated) else EXIT_SIGINT


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back for the duration; one that arrived meanwhile is
    delivered (and raises) as soon as the block is left."""
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None:  # Windows: no signal masks; the window stays as small as the block
        yield
        return
    previous = mask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, previous)


def ignore_in_worker() -> None:
    """Pool workers leave interrupts to the main process: a Ctrl-C reaches the whole
    process group, and each worker would otherwise print its own traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
