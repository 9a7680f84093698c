"""N001: an inline suppression without a reason, naming an unknown rule, or silencing nothing."""

from __future__ import annotations

from typing import Iterable

from nglint.api import AFTER_SUPPRESSIONS, Finding, Location, Related, Rule, Severity, display_path

RULE = Rule(
    code="N001",
    name="bad-suppression",
    severity=Severity.WARNING,
    summary="An `nglint: disable` comment has no reason, names an unknown rule, or suppresses nothing.",
    rationale="""
A suppression hides a finding from every later review, so it must say why. One that names a
rule code nglint does not know (a typo, a rule from another tool) silences nothing, and one
whose finding has gone away (the config was fixed, the directive moved) would silently hide
the next real regression on that line. Suppressed findings are still counted in the summary
and listed in SARIF with the reason.
""",
    bad_example="""
keepalive_timeout 45s;  # nglint: disable=KA001
# nglint: disable=KA01 legacy pool
""",
    good_example="""
keepalive_timeout 45s;  # nglint: disable=KA001 backend retries POST, see OPS-1234
""",
    fix="Add the reason after the codes, correct the code, or delete the comment.",
    tags=("suppression",),
    # It judges the suppressions: which one silenced nothing is known only once they are applied.
    stage=AFTER_SUPPRESSIONS,
    needs=("suppressions",),
)


def check_suppressions(applied) -> Iterable[Finding]:
    """Problems visible in the comments themselves (malformed, unknown code, no reason),
    then one finding per suppression that silenced nothing. `applied` is the suppress
    stage's result: every file's comments and the findings they left active."""
    from nglint.suppressions import nearest_finding

    own = list(_comment_findings(applied.files))
    candidates = applied.active + own  # a suppression of N001 itself is pointed at the nearest N001
    yield from own
    for suppression, codes in applied.unused:
        yield unused_finding(suppression, codes, nearest_finding(suppression, codes, candidates))


def _comment_findings(files) -> Iterable[Finding]:
    from nglint.registry import all_rules

    known = {rule.code for rule in all_rules()}
    for file in files:
        for malformed in file.malformed:
            yield _finding(malformed.path, malformed.line, f"Malformed nglint suppression comment: {malformed.reason}")
        for suppression in file.suppressions:
            unknown = [code for code in suppression.codes if code not in known]
            if unknown:
                names = ", ".join(unknown)
                yield _finding(
                    suppression.path,
                    suppression.line,
                    f"Suppression names unknown rule code{'s' if len(unknown) > 1 else ''} {names}: "
                    "correct or remove it (see `nglint rules`)",
                    ["an unknown code silences nothing"],
                )
            if not suppression.justification:
                yield _finding(
                    suppression.path,
                    suppression.line,
                    f"Suppression of {', '.join(suppression.codes)} gives no reason: write why after the codes",
                    ["e.g. `nglint: disable=KA001 backend retries, see OPS-12`"],
                )


def unused_finding(suppression, codes: tuple[str, ...], nearest: Finding | None = None) -> Finding:
    """N001 for the codes of a suppression that silenced no finding (of rules that ran).

    When a finding of those codes exists elsewhere (`nearest`), the message says where:
    a suppression one line off is the usual mistake, and the fix is to move it there."""
    where = "in this file" if suppression.file_wide else ("on the element it precedes" if suppression.path.endswith(".xml") else "on the line it covers")
    what = "delete it" if len(codes) == len(suppression.codes) else f"remove {', '.join(codes)} from it"
    sources = ["a suppression left in place would hide a future regression of that code"]
    related = []
    if nearest is not None:
        place = f"{display_path(nearest.location.path)}:{nearest.location.line}"
        message = f"Suppression of {', '.join(codes)} suppresses nothing {where}; the nearest {nearest.rule} is at {place}: move it there or {what}"
        related = [Related(nearest.location, f"the nearest {nearest.rule} finding")]
    else:
        message = f"Suppression of {', '.join(codes)} suppresses nothing {where}: {what}"
    finding = _finding(suppression.path, suppression.line, message, sources)
    finding.related = related
    return finding


def _finding(path: str, line: int, message: str, sources: list[str] | None = None) -> Finding:
    return Finding(rule=RULE.code, severity=RULE.severity, message=message, location=Location(path, line), sources=sources or [])
