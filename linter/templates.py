"""nginx templates rendered at start-up: the official image's `*.conf.template` files.

The official image runs envsubst over /etc/nginx/templates/*.template when the container
starts, so `listen ${NGINX_PORT};` is nginx only after rendering. A line the parser
rejects because of a `${VAR}` placeholder is an unresolved placeholder (at info level),
not an nginx parse error.
"""

from __future__ import annotations

import re

from nglint.diagnostics import NGINX_PARSE_ERROR, UNRESOLVED_PLACEHOLDER
from nglint.findings import Severity
from nglint.problems import Problem
from nglint.records import replace

TEMPLATE_SUFFIXES = (".template",)
_PLACEHOLDER = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")


def is_template(path: str) -> bool:
    return path.endswith(TEMPLATE_SUFFIXES)


def placeholders_on_line(path: str, line: int, max_bytes: int) -> list[str]:
    """The `${VAR}` placeholders on one line of a file, or on the nearest non-blank line
    before it: nginx reports a statement a placeholder left unterminated at the `}` or
    word after it (empty when unreadable)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes)
    except OSError:
        return []
    lines = data.decode("utf-8", "replace").split("\n")
    if not 1 <= line <= len(lines):
        return []
    found = _PLACEHOLDER.findall(lines[line - 1])
    index = line - 2
    while not found and index >= 0 and index >= line - 50:
        if lines[index].strip():
            found = _PLACEHOLDER.findall(lines[index])
            break
        index -= 1
    return list(dict.fromkeys(found))


def template_problems(problems: list[Problem], max_bytes: int) -> list[Problem]:
    """Parse errors at a placeholder of a template, turned into placeholder notes."""
    out = []
    for problem in problems:
        if problem.kind == NGINX_PARSE_ERROR and is_template(problem.path):
            names = placeholders_on_line(problem.path, problem.line, max_bytes)
            if names:
                problem = replace(
                    problem,
                    kind=UNRESOLVED_PLACEHOLDER,
                    severity=Severity.INFO,
                    message=f"Template placeholder {', '.join(names)} is filled in by envsubst at start-up; "
                    "this line is checked only once rendered",
                )
        out.append(problem)
    return out
