"""The fix stage's renderer: a FixPlan becomes a Fix through its format's editor.

nginx settings are edited by FixBuilder (exact bytes, the file's own layout, Jinja
templates beside each rule in checks/<family>/); a setting of another format (a controller's ConfigMap
key) by the `edit_setting` of the reader of that kind (nglint.sources). Either raises
NoFix when a change cannot be placed exactly, and the finding keeps no fix.
"""

from __future__ import annotations

import re

from nglint.findings import Finding
from nglint.fixer.builder import FixBuilder, FixContext
from nglint.fixer.layout import NoFix
from nglint.fixer.model import Fix
from nglint.fixer.plan import APPEND, INSERT_AFTER, REPLACE, SET, FixPlan, SettingChange, Verbatim

# The trailing comments the keepalive_timeout templates write (checks/keepalive/ka00*.j2):
# a later fix rewrites them with the value instead of leaving a stale explanation.
OWN_TIMEOUT_COMMENT = re.compile(r"#\s.*closes idle connections after \d[\w.]*\s*$|#\s+nginx's default made explicit\b")


def render(plan: FixPlan, rule, finding: Finding, context: FixContext) -> Fix | None:
    """The Fix that carries out `plan` on the bytes that were checked."""
    formats = {change.ref.format for change in plan.changes}
    if formats != {"nginx"}:
        return _format_editor(plan, rule, finding, context)
    builder = FixBuilder(rule, finding, context, plan.safety, subject=plan.subject, reveals=plan.reveals)
    for change in plan.changes:
        _nginx_change(builder, change)
    return builder.build(plan.description)


def _nginx_change(builder: FixBuilder, change: SettingChange) -> None:
    values = {key: _value(builder, value) for key, value in change.context.items()}
    handle = change.ref.handle
    if change.op == REPLACE:
        if change.own_comment:
            if builder.replace_with_own_comment(handle, change.template, OWN_TIMEOUT_COMMENT.match, note=True, **values):
                return
            values["note"] = False
        builder.replace(handle, change.template, **values)
    elif change.op == INSERT_AFTER:
        builder.insert_after(handle, change.template, **values)
    elif change.op == APPEND:
        builder.append_to_block(handle, change.template, **values)
    else:
        raise NoFix(f"nginx settings are not changed by {change.op!r}")


def _value(builder: FixBuilder, value):
    if isinstance(value, Verbatim):
        return [builder.raw_text(statement) for statement in value.statements]
    return value


def _format_editor(plan: FixPlan, rule, finding: Finding, context: FixContext) -> Fix | None:
    """One SET change of a format whose reader edits its own settings (edit_setting)."""
    from nglint.sources import edit_setting

    if len(plan.changes) != 1 or plan.changes[0].op != SET:
        raise NoFix("a plan outside nginx is one setting set to a value")
    change = plan.changes[0]
    return edit_setting(rule, finding, context.project, change.ref, change.value)
