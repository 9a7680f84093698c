"""A custom ingress-nginx `nginx.tmpl`: the `upstream upstream_balancer` block every Ingress shares.

The template is Go text/template around nginx syntax. Its `{{ ... }}` actions are opaque
here: they are blanked (same length, so offsets and lines stay) before the block is
found by brace matching, and a directive whose argument is an action takes its value
from the controller's config as the stock template does. A literal argument is the
template's own decision, reported at its line.
"""

from __future__ import annotations

import re

from nglint.findings import Location
from nglint.records import record

_ACTION = re.compile(r"\{\{.*?\}\}", re.DOTALL)
_BLOCK = re.compile(r"\bupstream\s+upstream_balancer\s*\{")
_DIRECTIVE = re.compile(r"^[ \t]*(keepalive|keepalive_timeout)[ \t]+([^;\n]*);", re.MULTILINE)


@record
class TemplatePool:
    """The upstream_balancer block: each directive as (raw argument, Location), None when absent."""

    location: Location
    keepalive: tuple | None = None
    keepalive_timeout: tuple | None = None


def upstream_balancer(text: str, origin: Location) -> TemplatePool | None:
    """The block of a template whose line 1 is `origin`, or None when it has none."""
    blank = _ACTION.sub(lambda match: re.sub(r"[^\n]", " ", match.group()), text)
    found = _BLOCK.search(blank)
    if found is None:
        return None
    depth, end = 1, len(blank)
    for index in range(found.end(), len(blank)):
        char = blank[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                end = index
                break

    def where(offset: int) -> Location:
        return Location(origin.path, origin.line + text.count("\n", 0, offset))

    pool = TemplatePool(where(found.start()))
    for match in _DIRECTIVE.finditer(text, found.end(), end):
        if "\n" in blank[match.start():match.end()].strip() or blank[match.start(1):match.end(1)].strip() != match.group(1):
            continue
        setattr(pool, match.group(1), (match.group(2).strip(), where(match.start(1))))
    return pool
