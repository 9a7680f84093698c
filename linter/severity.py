"""Per-rule severity from config (`[severity] KA002 = "error"`) and the backend-table check.

Severity is applied after all findings are final, so every reporter, `--statistics` and
the exit code (see Report.fails and `fail-on`) see the severity a finding actually has.
The most specific selector wins: `KA = "info"` with `KA001 = "error"` leaves KA001 an
error. Suppressed findings get the same treatment so SARIF shows them consistently.
"""

from __future__ import annotations


from nglint.config import ConfigError, Settings
from nglint.diagnostics import NGINX_UNREAD
from nglint.findings import Finding, Severity


def apply_severity(findings: list[Finding], table: dict[str, Severity]) -> None:
    if not table:
        return
    selectors = sorted(table, key=len, reverse=True)  # longest (most specific) first
    for finding in findings:
        for selector in selectors:
            if finding.rule.startswith(selector):
                finding.severity = table[selector]
                break


def check_backend_upstreams(project, settings: Settings) -> None:
    """A `[[backend]]` table must name an upstream block that exists in the checked configs.

    Only said when every nginx file was read: an upstream may sit in a file that failed
    to parse or could not be included, and then nglint does not know it is missing.
    """
    if not settings.backends or not project.configs:
        return
    if any(problem.kind in NGINX_UNREAD for problem in project.problems):
        return
    names = {upstream.name.lower(): upstream.name for model in project.models for upstream in model.upstreams}
    for spec in settings.backends:
        if spec.upstream.lower() in names:
            continue
        close = __import__('difflib').get_close_matches(spec.upstream.lower(), list(names), n=1)
        hint = f" (did you mean {names[close[0]]!r}?)" if close else ""
        known = ", ".join(sorted(names.values())) or "none"
        raise ConfigError(
            f"{spec.origin}: key 'backend': entry {spec.entry}: upstream {spec.upstream!r} does not exist in the "
            f"checked nginx configs{hint}; upstream blocks found: {known}"
        )
