"""The Procfile reader: `web: gunicorn app:app --keep-alive 5`, one process per line.

The platform sets `$PORT` when it starts the process, so a port given as `$PORT` is
unknown to nglint and such a backend links only by what else names it. The processes run
in the Procfile's directory (the app root, /app on Heroku): its files are theirs.
"""

from __future__ import annotations

import os
import re

from nglint.sources import LINE_COMMENT
from nglint.sources.base import FileReader

_LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.*)$")


class Procfile(FileReader):
    kind = "procfile"
    comment = LINE_COMMENT
    comment_prefix = "#"

    def claims(self, path: str) -> bool:
        name = os.path.basename(path)
        return name == "Procfile" or name.startswith("Procfile.")

    def parse(self, path: str, tree_roots: list[str], max_file_size: int):
        from nglint.backends import BackendFile
        from nglint.diagnostics import BACKEND_PARSE_ERROR
        from nglint.findings import Location
        from nglint.problems import Problem
        from nglint.sources.argv import split_shell
        from nglint.sources.files import expand_files, read_text
        from nglint.sources.process import Process, backends_for
        from nglint.tiers.units import UnitIndex

        result = BackendFile(path)
        text = read_text(path, tree_roots, max_file_size, result.problems)
        if text is None:
            return result
        unit = UnitIndex(tree_roots).unit_of(path)
        files = expand_files(os.path.dirname(os.path.abspath(path)), "/app", tree_roots)
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            match = _LINE.match(line)
            if match is None:
                result.problems.append(Problem(BACKEND_PARSE_ERROR, path, number, "not a Procfile line (`name: command`)"))
                continue
            name, command = match.groups()
            argv = split_shell(command)
            if argv is None:
                result.problems.append(Problem(BACKEND_PARSE_ERROR, path, number, f"process {name!r}: unbalanced quotes in its command"))
                continue
            where = Location(path, number)
            process = Process(name, where, None, argv, where, {}, {}, dict(files), [], unit)
            result.processes.append(process)
            result.backends.extend(backends_for(process, tree_roots, max_file_size))
        return result

    @property
    def defaults(self):
        from nglint.sources.procfile.defaults import DEFAULTS

        return DEFAULTS
