"""Fix plans: what a check wants changed, decided when it makes the finding.

A check holds the typed objects it judged (an upstream's pool, a proxy_pass site, a
controller's settings map), so it says there and then which setting changes and to
what, as small data: a `FixPlan` of `SettingChange`s, each naming its setting by the
tier model's `SettingRef` (format, file, line, key, and a typed handle). Nothing is
searched for again later from message text. The fix stage renders a plan through the
editor of the setting's format (nglint.fixer.editors): the bytes, the indentation, the
templates and jinja2 are the fix stage's business, so a run that shows no fix never
reads a file twice or renders a template.

This module imports nothing heavy: checks build plans on every run.
"""

from __future__ import annotations

from typing import Any

from nglint.records import field, record
from nglint.tiers.model import SettingRef


class NoFix(Exception):
    """The fix cannot be placed reliably; the finding is reported without one. Raised while
    planning (here, so checks need not load the editors) and while rendering."""

# SettingChange.op: how the setting changes.
REPLACE = "replace"  # the setting at ref (ref.exists) is rewritten from the template
INSERT_AFTER = "insert-after"  # a new setting, right after ref.handle (a sibling statement)
APPEND = "append"  # a new setting, as the last statement of block ref.handle
SET = "set"  # the format's editor sets ref.key to `value` (formats without templates here)
OPS = (REPLACE, INSERT_AFTER, APPEND, SET)


@record(frozen=True)
class Verbatim:
    """Template values that are existing statements, copied exactly as written (their
    text is read at render time, from the bytes that were checked)."""

    statements: tuple = ()


@record(frozen=True)
class SettingChange:
    """One change to one setting.

    `template` and `context` render the new text (nginx); a `Verbatim` value in the
    context becomes the list of those statements' raw text. `own_comment` lets a REPLACE
    take along the trailing comment an earlier nglint fix wrote on the line (the
    template then writes its note afresh), so a changed value keeps no stale explanation.
    """

    ref: SettingRef
    op: str
    template: str | None = None
    context: dict = field(default_factory=dict, compare=False, hash=False)
    value: Any = None
    own_comment: bool = False


@record(frozen=True)
class FixPlan:
    """The fix a finding proposes: its changes, how safe they are, and what it says.

    `subject` names what the fix settles (two fixes of one subject conflict); `reveals`
    lists the codes a fixed file may newly raise (see nglint.fixer.apply).
    """

    rule: str
    safety: str
    description: str
    changes: tuple[SettingChange, ...]
    subject: tuple | None = None
    reveals: tuple[str, ...] = ()


def nginx_ref(directive, key: str | None = None, exists: bool = True) -> SettingRef:
    """The SettingRef of an nginx statement: the setting itself (`exists`), or, for a
    new setting `key`, the statement or block it is placed at."""
    return SettingRef("nginx", directive.path, directive.line, key or directive.name, exists, directive)


def replace(directive, template: str, own_comment: bool = False, **context) -> SettingChange:
    return SettingChange(nginx_ref(directive), REPLACE, template, context, own_comment=own_comment)


def insert_after(anchor, key: str, template: str, **context) -> SettingChange:
    return SettingChange(nginx_ref(anchor, key, exists=False), INSERT_AFTER, template, context)


def append_to(block, key: str, template: str, **context) -> SettingChange:
    return SettingChange(nginx_ref(block, key, exists=False), APPEND, template, context)


def set_value(ref: SettingRef, value: Any) -> SettingChange:
    return SettingChange(ref, SET, value=value)


def plan(rule, description: str, changes, safety: str | None = None, subject: tuple | None = None,
         reveals: tuple[str, ...] = ()) -> FixPlan | None:
    """A FixPlan of `rule`, or None when there is nothing to change."""
    changes = tuple(changes)
    if not changes:
        return None
    return FixPlan(rule.code, safety or rule.fix_safety or "display", description, changes, subject, tuple(reveals))


def planned(make, *args, **kwargs) -> FixPlan | None:
    """`make(*args, **kwargs)`, or None when it finds no fix can be made (NoFix): the
    finding is reported without one, as before it was planned."""
    try:
        return make(*args, **kwargs)
    except NoFix:
        return None
