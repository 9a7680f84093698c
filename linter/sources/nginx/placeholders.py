"""nginx templates: parse errors a template's placeholders cause are notes, not breakage.

The official image runs envsubst over /etc/nginx/templates/*.template when the container
starts, so `listen ${NGINX_PORT};` is nginx only after rendering; ERB, Jinja2, Go and
Mustache templates are masked before parsing (nglint.sources.nginx.templating). A line the
parser still rejects because of a placeholder is reported as such (an unresolved placeholder,
at info level), not as an nginx parse error.
"""

from __future__ import annotations


from nglint.diagnostics import NGINX_PARSE_ERROR, UNRESOLVED_PLACEHOLDER
from nglint.findings import Severity
from nglint.problems import Problem
from nglint.records import replace
from nglint.boundary import Refused, open_limited
from nglint.sources.nginx.templating import dialect_of, tags_on_line

def is_template(path: str) -> bool:
    return dialect_of(path) is not None


def placeholders_on_line(path: str, line: int, max_bytes: int) -> tuple[int, list[str]]:
    """The template tags (`${VAR}`, `<%= ... %>`, `{{ ... }}`) on one line of a file, or on
    the nearest non-blank line before it: nginx reports a statement a placeholder left
    unterminated at the `}` or word after it (empty when unreadable)."""
    try:
        data = open_limited(path, max_bytes)
    except Refused:
        return line, []
    return tags_on_line(path, data, line)


def template_problems(problems: list[Problem], max_bytes: int) -> list[Problem]:
    """Parse errors at a placeholder of a template, turned into placeholder notes."""
    out = []
    for problem in problems:
        if problem.kind == NGINX_PARSE_ERROR and is_template(problem.path):
            line, names = placeholders_on_line(problem.path, problem.line, max_bytes)
            if names:
                dialect = dialect_of(problem.path)
                problem = replace(
                    problem,
                    line=line,
                    kind=UNRESOLVED_PLACEHOLDER,
                    severity=Severity.INFO,
                    message=f"Template placeholder {', '.join(_short(n) for n in names)} is filled in by {dialect.tool}; "
                    "this line is checked only once rendered",
                )
        out.append(problem)
    return out


def _short(tag: str) -> str:
    return tag if len(tag) <= 40 else tag[:37] + "..."
