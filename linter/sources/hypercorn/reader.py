"""The hypercorn reader: `hypercorn --keep-alive N --bind HOST:PORT app:app`."""

from __future__ import annotations

from nglint.sources.servers import CommandLineServer


class Hypercorn(CommandLineServer):
    kind = "hypercorn"
    defaults_module = "nglint.sources.hypercorn.defaults"
    programs = {"hypercorn"}
    modules = {"hypercorn"}
    timeout_options = ("--keep-alive",)
    port_options = ("-b", "--bind")
    label = "hypercorn"
