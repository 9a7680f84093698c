"""Rule code selectors (`KA001`, `KA`, `P`) as users write them in flags and config.

A selector that selects nothing is a typo, and a typo in a CI linter's config is a
check that silently stops running, so every place that takes codes (`--select`,
`--ignore`, `select`, `ignore`, `per-file-ignores`, `[severity]`, `nglint rule`) checks
them here and says what was probably meant.
"""

from __future__ import annotations

import re

_SELECTOR = re.compile(r"[A-Za-z]+[0-9]*")


def known_codes() -> list[str]:
    from nglint.registry import all_rules

    return [rule.code for rule in all_rules()]


def selector_problem(selector: str, codes: list[str] | None = None) -> str | None:
    """Why `selector` selects no rule, with a suggestion; None when it is fine."""
    codes = known_codes() if codes is None else codes
    if not isinstance(selector, str) or not _SELECTOR.fullmatch(selector):
        return f"malformed rule code {selector!r}: expected a code like KA001 or a prefix like KA"
    if any(code.startswith(selector.upper()) for code in codes):
        return None
    return f"unknown rule code or prefix {selector!r}{did_you_mean(selector.upper(), codes)} (see `nglint rules`)"


def did_you_mean(word: str, candidates: list[str]) -> str:
    """` (did you mean 'X'?)` for the closest candidate, or an empty string."""
    prefixes = sorted({re.match(r"[A-Z]+", code).group() for code in candidates if re.match(r"[A-Z]+", code)})
    matches = __import__('difflib').get_close_matches(word, list(candidates) + prefixes, n=1, cutoff=0.6)
    return f" (did you mean {matches[0]!r}?)" if matches else ""


def check_selectors(selectors: list[str]) -> list[str]:
    """`selectors` unchanged; ValueError naming the first one that selects nothing."""
    codes = known_codes()
    for selector in selectors:
        problem = selector_problem(selector, codes)
        if problem:
            raise ValueError(problem)
    return selectors
