"""Fragments: files no entry file includes, linted without the http level around them.

A snippet's proxy_pass inherits proxy_http_version and headers from a context nglint has
not seen, so rules tagged `needs-context` stay silent inside fragments. Kept apart from
changed_files so a plain run does not load the pre-commit machinery.
"""

from __future__ import annotations

from nglint.findings import Finding

CONTEXT_TAG = "needs-context"


def fragment_only_files(project) -> set[str]:
    """Files read only through fragment entries (never through a real entry file)."""
    if not project.fragments:
        return set()
    in_entries: set[str] = set()
    in_fragments: set[str] = set()
    for config in project.configs:
        (in_fragments if config.path in project.fragments else in_entries).update(config.files)
    return in_fragments - in_entries


def drop_context_findings(findings: list[Finding], project, rules) -> list[Finding]:
    """Turn off context-dependent rules inside fragments: a snippet's proxy_pass inherits
    proxy_http_version and headers from an http level nglint has not seen."""
    context_codes = {rule.code for rule in rules if CONTEXT_TAG in rule.tags}
    if not context_codes:
        return findings
    blind = fragment_only_files(project)
    if not blind:
        return findings
    return [f for f in findings if not (f.rule in context_codes and f.path in blind)]
