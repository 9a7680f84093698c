"""The waitress reader: `waitress-serve --channel-timeout=N --listen=HOST:PORT app:app`."""

from __future__ import annotations

from nglint.sources.servers import CommandLineServer


class Waitress(CommandLineServer):
    kind = "waitress"
    defaults_module = "nglint.sources.waitress.defaults"
    programs = {"waitress-serve"}
    modules = {"waitress"}
    timeout_options = ("--channel-timeout",)
    port_options = ("--port", "--listen")
    label = "waitress"

    def port_from(self, value: str) -> int | None:
        tail = value.rsplit(":", 1)[-1]
        return int(tail) if tail.isdigit() else None
