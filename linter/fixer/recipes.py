"""Edits several rules share, so each rule's hook stays a few lines next to its RULE.

Placement follows nginx semantics: a directive goes into the block where it takes
effect, in the file that holds that block's own directives (never into a snippet
included from elsewhere, which other blocks may share).
"""

from __future__ import annotations

import re

from nglint.diagnostics import INCLUDE_NOT_FOLLOWED
from nglint.findings import Finding
from nglint.messages import UPSTREAM_KEEPALIVE_TIMEOUT_SINCE
from nglint.fixer.builder import FixBuilder, upstream_for, upstreams_named
from nglint.fixer.layout import NoFix
from nglint.fixer.model import Fix
from nglint.nginx_tree import Directive
from nglint.rules import Rule

# The trailing comments the keepalive_timeout templates write (checks/keepalive/ka00*.j2):
# a later fix rewrites them with the value instead of leaving a stale explanation.
_OWN_TIMEOUT_COMMENT = re.compile(r"#\s.*closes idle connections after \d[\w.]*\s*$|#\s+nginx's default made explicit\b")

# proxy_http_version and proxy_set_header are valid in http, server and location only.
_HEADER_LEVELS = ("location", "server", "http")


def set_upstream_timeout(rule: Rule, finding: Finding, project, template: str, seconds: int,
                         safety: str | None = None, **context) -> Fix | None:
    """Replace the upstream's keepalive_timeout, or add one after `keepalive` (else last)."""
    version = project.settings.nginx_version
    if version is not None and version < UPSTREAM_KEEPALIVE_TIMEOUT_SINCE:
        raise NoFix(
            f"keepalive_timeout in an upstream block needs nginx 1.15.3 or later; nginx-version is "
            f"{'.'.join(str(part) for part in version)}: upgrade nginx or disable the pool (keepalive 0)"
        )
    upstream = upstream_for(project, finding)
    pool = project.keepalive.pool(upstream)
    fix = FixBuilder(rule, finding, project, safety, subject=("upstream", upstream.name))
    values = dict(context, seconds=seconds, upstream=upstream.name)
    if pool.timeout is not None:
        if not fix.replace_with_own_comment(pool.timeout, template, _OWN_TIMEOUT_COMMENT.match, note=True, **values):
            fix.replace(pool.timeout, template, note=False, **values)
    elif pool.keepalive is not None and pool.keepalive.path == upstream.directive.path:
        fix.insert_after(pool.keepalive, template, note=True, **values)
    else:
        fix.append_to_block(upstream.directive, template, note=True, **values)
    return fix.build(f"Set keepalive_timeout {seconds}s in upstream {upstream.name!r}")


def site_for(project, finding: Finding):
    """The proxy_pass site a finding was reported at."""
    where = (finding.location.path, finding.location.line)
    # Sites indexed by position once per project: a scan per finding was quadratic.
    index = project.__dict__.get("_sites_by_position")
    if index is None:
        index = project.__dict__["_sites_by_position"] = {}
        for upstream in project.keepalive.all_upstreams():
            for site in project.keepalive.sites(upstream):
                index.setdefault((site.directive.path, site.directive.line), []).append((upstream, site))
    named = {id(upstream) for upstream in upstreams_named(project, finding)}
    for upstream, site in index.get(where, ()):
        if id(upstream) in named:
            return site
    raise NoFix("proxy_pass not found at the finding's position")


def header_level_index(site) -> int:
    """Index in site.levels of the innermost level where proxy_* headers may be set
    (a proxy_pass inside `if` or `limit_except` takes them from its location)."""
    for index in range(len(site.levels) - 1, -1, -1):
        if site.levels[index].kind in _HEADER_LEVELS:
            return index
    raise NoFix("no http, server or location block around proxy_pass")


def add_to_level(fix: FixBuilder, level, anchor: Directive | None, template: str, **context) -> None:
    """Add directives to `level`: after `anchor` when it sits in the level's own file,
    else as the last directives of the level's block."""
    if level.directive is None:
        raise NoFix("cannot add directives at the top level")
    if anchor is not None and anchor.path == level.directive.path:
        fix.insert_after(anchor, template, **context)
    else:
        fix.append_to_block(level.directive, template, **context)


def child_in_level(site, index: int) -> Directive:
    """The directive of `site.levels[index]` that holds the proxy_pass (itself or a block)."""
    if index == len(site.levels) - 1:
        return site.directive
    return site.levels[index + 1].directive


def unread_includes(project, levels) -> list[Directive]:
    """`include` directives of these levels that nglint could not follow: what
    they hold, e.g. proxy_set_header lines, is unknown."""
    failed = {(p.path, p.line) for p in project.problems if p.kind in INCLUDE_NOT_FOLLOWED}
    return [d for level in levels for d in level.own("include") if (d.path, d.line) in failed]
