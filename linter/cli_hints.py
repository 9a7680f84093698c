"""Did-you-mean hints for argparse errors: a mistyped option, subcommand or choice.

argparse says what it did not understand but not what was meant. ruff and git both
suggest the closest spelling; this does the same from the parser's own options, so
a hint never names an option that does not exist.
"""

from __future__ import annotations

import argparse
import difflib
import re

_UNRECOGNIZED = re.compile(r"unrecognized arguments: (?P<args>.*)")
_INVALID_CHOICE = re.compile(r"invalid choice: '(?P<value>[^']*)' \(choose from (?P<choices>.*)\)")


def suggest(parser: argparse.ArgumentParser, message: str) -> str:
    """A sentence to append to argparse's error message, or an empty string."""
    choice = _INVALID_CHOICE.search(message)
    if choice:
        choices = re.findall(r"'([^']*)'", choice["choices"]) or [c.strip() for c in choice["choices"].split(",")]
        return _hint(choice["value"], choices)
    unknown = _UNRECOGNIZED.search(message)
    if unknown:
        options = option_strings(parser)
        for word in unknown["args"].split():
            if word.startswith("-"):
                hint = _hint(word.split("=", 1)[0], options)
                if hint:
                    return hint
    return ""


def option_strings(parser: argparse.ArgumentParser) -> list[str]:
    """Every long option of the parser and of its subcommands."""
    found: list[str] = []
    for action in parser._actions:  # argparse has no public accessor for its actions
        found += [option for option in action.option_strings if option.startswith("--")]
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += option_strings(sub)
    return sorted(set(found))


def _hint(word: str, candidates: list[str]) -> str:
    matches = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f" (did you mean {matches[0]!r}?)" if matches else ""
