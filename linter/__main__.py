"""`python -m nglint` and the `nglint` command.

Interrupts are taken over before anything else is imported: a Ctrl-C or SIGTERM that
arrives while the CLI is still loading is remembered and ends the run with 130/143 as
soon as it starts, instead of a KeyboardInterrupt traceback from an import (or, for
SIGTERM, a death without an exit code)."""

from nglint.interrupts import ignore_from_now_on, install_early


def run() -> int:
    install_early()
    from nglint import lifetime
    from nglint.cli import main

    lifetime.enable()
    code = main()
    ignore_from_now_on()  # the run is over: its exit code stands
    lifetime.end_process(code)  # nothing built by the run is freed (see nglint.lifetime)
    return code  # not reached


if __name__ == "__main__":
    raise SystemExit(run())
