"""Fix plans several rules share, so each rule's planning stays a few lines next to its RULE.

Placement follows nginx semantics: a directive goes into the block where it takes
effect, in the file that holds that block's own directives (never into a snippet
included from elsewhere, which other blocks may share). Everything here works on the
model objects the check already holds; nothing reads a file or renders a template.
"""

from __future__ import annotations

from nglint.diagnostics import INCLUDE_NOT_FOLLOWED
from nglint.fixer.plan import FixPlan, NoFix, SettingChange, append_to, insert_after, plan, replace
from nglint.messages import UPSTREAM_KEEPALIVE_TIMEOUT_SINCE
from nglint.sources.nginx.tree import Directive
from nglint.rules import Rule

# proxy_http_version and proxy_set_header are valid in http, server and location only.
_HEADER_LEVELS = ("location", "server", "http")


def set_upstream_timeout(rule: Rule, project, upstream, pool, template: str, seconds: int,
                         safety: str | None = None, **context) -> FixPlan | None:
    """Replace the upstream's keepalive_timeout, or add one after `keepalive` (else last)."""
    version = project.settings.nginx_version
    if version is not None and version < UPSTREAM_KEEPALIVE_TIMEOUT_SINCE:
        raise NoFix(
            f"keepalive_timeout in an upstream block needs nginx 1.15.3 or later; nginx-version is "
            f"{'.'.join(str(part) for part in version)}: upgrade nginx or disable the pool (keepalive 0)"
        )
    values = dict(context, seconds=seconds, upstream=upstream.name)
    if pool.timeout is not None:
        change = replace(pool.timeout, template, own_comment=True, **values)
    elif pool.keepalive is not None and pool.keepalive.path == upstream.directive.path:
        change = insert_after(pool.keepalive, "keepalive_timeout", template, note=True, **values)
    else:
        change = append_to(upstream.directive, "keepalive_timeout", template, note=True, **values)
    return plan(rule, f"Set keepalive_timeout {seconds}s in upstream {upstream.name!r}", [change], safety,
                subject=("upstream", upstream.name))


def header_level_index(site) -> int:
    """Index in site.levels of the innermost level where proxy_* headers may be set
    (a proxy_pass inside `if` or `limit_except` takes them from its location)."""
    for index in range(len(site.levels) - 1, -1, -1):
        if site.levels[index].kind in _HEADER_LEVELS:
            return index
    raise NoFix("no http, server or location block around proxy_pass")


def add_to_level(level, anchor: Directive | None, key: str, template: str, **context) -> SettingChange:
    """Add directives to `level`: after `anchor` when it sits in the level's own file,
    else as the last directives of the level's block."""
    if level.directive is None:
        raise NoFix("cannot add directives at the top level")
    if anchor is not None and anchor.path == level.directive.path:
        return insert_after(anchor, key, template, **context)
    return append_to(level.directive, key, template, **context)


def child_in_level(site, index: int) -> Directive:
    """The directive of `site.levels[index]` that holds the proxy_pass (itself or a block)."""
    if index == len(site.levels) - 1:
        return site.directive
    return site.levels[index + 1].directive


def failed_includes(project) -> set[tuple[str, int]]:
    """Positions of the `include` directives nglint could not follow: computed once per
    check run, not once per finding."""
    return {(p.path, p.line) for p in project.problems if p.kind in INCLUDE_NOT_FOLLOWED}


def unread_includes(failed: set[tuple[str, int]], levels) -> list[Directive]:
    """`include` directives of these levels that nglint could not follow (`failed`, from
    failed_includes): what they hold, e.g. proxy_set_header lines, is unknown."""
    return [d for level in levels for d in level.own("include") if (d.path, d.line) in failed]
