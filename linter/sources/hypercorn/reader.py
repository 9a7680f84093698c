"""The hypercorn reader: `hypercorn --keep-alive N --bind HOST:PORT app:app`."""

from __future__ import annotations

from nglint.sources.servers import CommandLineServer


class Hypercorn(CommandLineServer):
    kind = "hypercorn"
    programs = {"hypercorn"}
    modules = {"hypercorn"}
    timeout_options = ("--keep-alive",)
    port_options = ("-b", "--bind")
    label = "hypercorn"

    @property
    def defaults(self):
        from nglint.sources.hypercorn.defaults import DEFAULTS

        return DEFAULTS
