"""The uvicorn reader: `uvicorn main:app --timeout-keep-alive 30`, UVICORN_* variables,
and `uvicorn.run(app, timeout_keep_alive=30)` in the Python file a process runs.

uvicorn has no config file of its own, so it claims no files: it answers for processes.
Precedence is click's: a command-line option beats its UVICORN_ variable.
"""

from __future__ import annotations

import os

from nglint.sources import LINE_COMMENT
from nglint.sources.base import FileReader


class Uvicorn(FileReader):
    kind = "uvicorn"
    defaults_module = "nglint.sources.uvicorn.defaults"
    comment = LINE_COMMENT
    comment_prefix = "#"

    def claims(self, path: str) -> bool:
        return False

    def parse(self, path: str, tree_roots: list[str], max_file_size: int):
        from nglint.backends import BackendFile

        return BackendFile(path)

    def from_process(self, process, tree_roots: list[str], max_file_size: int):
        from nglint.sources.argv import option, program_args
        from nglint.sources.servers import seconds_value, server_backend
        from nglint.tiers.model import Provenance

        args = program_args(process.argv, {"uvicorn"}, {"uvicorn"})
        run_call = None
        if args is None:
            run_call = self._run_call(process, tree_roots, max_file_size)
            if run_call is None:
                return None
        default = self.defaults.get("timeout_keep_alive")
        timeout, provenance = default.value, Provenance.from_default(default, "uvicorn's default timeout_keep_alive 5s")
        port = self.defaults.get("port").value
        where = process.argv_location or process.location
        env_value = process.env.get("UVICORN_TIMEOUT_KEEP_ALIVE")
        if env_value is not None:
            env_at = process.env_locations.get("UVICORN_TIMEOUT_KEEP_ALIVE", process.location)
            timeout, provenance = _seconds(env_value, env_at, "UVICORN_TIMEOUT_KEEP_ALIVE", f"UVICORN_TIMEOUT_KEEP_ALIVE={env_value}")
        if process.env.get("UVICORN_PORT", "").isdigit():
            port = int(process.env["UVICORN_PORT"])
        if args is not None:
            value, _ = option(args, ("--timeout-keep-alive",))
            if value is not None:
                timeout, provenance = _seconds(value, where, "--timeout-keep-alive", f"--timeout-keep-alive {value} in the command")
            value, _ = option(args, ("--port",))
            if value is not None and seconds_value(value) is not None:
                port = int(value)
            elif value is not None:
                port = None
        else:
            path, call_values = run_call
            if "timeout_keep_alive" in call_values:
                found = call_values["timeout_keep_alive"]
                if found.known and isinstance(found.value, (int, float)):
                    timeout = int(found.value * 1000)
                    provenance = Provenance.from_file(path, found.line, "timeout_keep_alive", f"uvicorn.run(timeout_keep_alive={found.value})")
                else:
                    timeout, provenance = None, Provenance.unknown(f"{found.reason} in {os.path.basename(path)}:{found.line}")
            if "port" in call_values:
                found = call_values["port"]
                port = found.value if found.known and isinstance(found.value, int) else None
        location = provenance.location or where
        return [server_backend("uvicorn", f"uvicorn in {process.name}", port, timeout, provenance, location, process,
                               anchor=provenance.key)]

    def _run_call(self, process, tree_roots, max_file_size):
        """(path, keyword values) of `uvicorn.run(...)` in the script `python X.py` runs."""
        from nglint.sources.argv import commands
        from nglint.sources.files import read_text
        from nglint.sources.pyconfig import calls, keyword, parse_python
        from nglint.sources.servers import given_file

        for command in commands(process.argv):
            if not command or not os.path.basename(command[0]).startswith("python"):
                continue
            script = next((w for w in command[1:] if w.endswith(".py")), None)
            local = given_file(process, script) if script else None
            if local is None:
                continue
            text = read_text(local, tree_roots, max_file_size, [])
            tree, _error = parse_python(text) if text is not None else (None, None)
            if tree is None:
                continue
            for call in calls(tree, {"run"}):
                func = call.func
                if getattr(func, "value", None) is not None and getattr(func.value, "id", None) == "uvicorn":
                    values = {}
                    for name in ("timeout_keep_alive", "port"):
                        found = keyword(call, name)
                        if found is not None:
                            values[name] = found
                    return local, values
        return None


def _seconds(value: str, where, key: str, detail: str):
    from nglint.sources.servers import seconds_value
    from nglint.tiers.model import Provenance

    seconds = seconds_value(value)
    if seconds is None:
        return None, Provenance.unknown(f"{detail}: not a number nglint can read")
    return seconds * 1000, Provenance.from_file(where.path, where.line, key, detail)
