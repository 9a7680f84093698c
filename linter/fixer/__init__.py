"""Fixes: checks plan them when they make a finding, the fix stage renders exact bytes.

Modules: `plan` (FixPlan, SettingChange: what a check wants changed), `model` (Fix,
Edit), `lexer` (statements with byte offsets), `layout` (indent, line endings, where
text goes), `render` (templates), `builder` (nginx's editor, and the API fix hooks
use), `editors` (a plan through its format's editor), `apply` (atomic writes,
verification, rollback, fixpoint), `diff` (unified diffs). Only `model` and `plan` are
imported by checks and reporters; jinja2 loads when a fix is rendered.
"""

from __future__ import annotations

from nglint.findings import Finding
from nglint.fixer.model import DISPLAY, SAFE, SAFETIES, UNSAFE, Edit, Fix
from nglint.source import Region

__all__ = ["DISPLAY", "SAFE", "SAFETIES", "UNSAFE", "Edit", "Fix", "FixHookFailed", "attach_fixes", "fix_edits", "fix_mapping"]


# finding.data key: why no fix can be made for the finding's file (told by --fix, --diff).
UNFIXABLE = "unfixable"


class FixHookFailed(Exception):
    """A rule's fix hook raised something other than NoFix: a bug, reported like a crash."""


def attach_fixes(findings: list[Finding], project, checks, placement_only: bool = False) -> None:
    """Set `finding.fix` from the plan the check attached to the finding (`finding.plan`),
    or, for checks written before plans, from their `fix(finding, project)` hook.

    `placement_only` builds fixes to be counted, not shown: every edit is placed, but the
    text of a template that certainly renders is not rendered (see FixContext.lines)."""
    rules = {check.RULE.code: check.RULE for check in checks}
    hooks = {check.RULE.code: check.fix for check in checks if callable(getattr(check, "fix", None))}
    if not any(finding.plan is not None or finding.rule in hooks for finding in findings):
        return
    from nglint.fixer.builder import FixContext
    from nglint.fixer.editors import render
    from nglint.fixer.layout import NoFix, Unfixable

    context = FixContext(project, placement_only)
    for finding in findings:
        plan, hook = finding.plan, hooks.get(finding.rule)
        if (plan is None and hook is None) or finding.rule not in rules:
            continue
        if placement_only and plan is not None and plan.safety == DISPLAY:
            continue  # never applied, so never counted: not worth placing
        what = "fix" if plan is None else "fix plan"
        try:
            fix = render(plan, rules[finding.rule], finding, context) if plan is not None else hook(finding, context)
        except Unfixable as exc:
            fix = None
            finding.data[UNFIXABLE] = str(exc)
        except NoFix:
            fix = None
        except Exception as exc:
            raise FixHookFailed(f"{what} of {finding.rule} failed: {type(exc).__name__}: {exc}") from exc
        if fix is not None and (not isinstance(fix, Fix) or fix.safety not in SAFETIES):
            raise FixHookFailed(f"{what} of {finding.rule} returned {fix!r}, not a Fix with safety in {SAFETIES}")
        finding.fix = fix


def fix_edits(finding: Finding) -> list[tuple[str, Region, str]]:
    """The finding's fix as (absolute path, replaced region, inserted text) triples.

    Regions are 1-based and end-exclusive, columns in code points like finding columns
    (an insertion has start == end). This is what SARIF `fixes[]` is built from.
    """
    fix = finding.fix
    if not isinstance(fix, Fix):
        return []
    return [(edit.path, edit.region, edit.display_text) for edit in fix.edits if edit.region is not None]


def fix_mapping(fix, display_path=None):
    """A Fix as plain data: `{"safety", "description", "edits": [{"path", "start": {"line",
    "column"}, "end": {...}, "text"}]}` (the JSON `fix` field; SARIF `fixes[]` reads the
    same shape). Paths stay absolute unless `display_path` maps them. Anything that is
    not a Fix is returned unchanged."""
    if not isinstance(fix, Fix):
        return fix
    show = display_path or (lambda path: path)
    return {
        "safety": fix.safety,
        "description": fix.description,
        "edits": [
            {
                "path": show(edit.path),
                "start": {"line": edit.region.start_line, "column": edit.region.start_column},
                "end": {"line": edit.region.end_line, "column": edit.region.end_column},
                "text": edit.display_text,
            }
            for edit in fix.edits
            if edit.region is not None
        ],
    }
