"""Whether a fix template renders any line for given values, told without jinja2.

The text report only counts the fixes `--fix` would apply ("[*] 3 fixable with --fix"):
their edits must be placed, but their text is never shown. A fix fails for want of text
only when its template renders no line, so counting needs that one fact, not the text;
and loading jinja2 to learn it costs more than the rest of a small run.

This module reads the small part of the template language the shipped templates use:
literal text, `{{ name }}`, `{{ name | filter }}` with nglint's own filters, `{% if name %}` / `{% if not name %}`
with `{% elif %}` and `{% else %}`, `{% for item in name %}`, and `{# comments #}`. It
answers True (a non-blank line is certain), False (no line is possible) or None (it cannot
tell: anything outside that part, a value it cannot judge), and the caller renders with
jinja2 whenever it gets None. tests/test_fix_outline.py holds every answer to jinja2's.
"""

from __future__ import annotations

import re
from functools import lru_cache

_TOKEN = re.compile(r"\{%-?(?P<stmt>.*?)-?%\}|\{\{-?(?P<expr>.*?)-?\}\}|\{#.*?#\}", re.DOTALL)
_NAME = r"[A-Za-z_]\w*"
_IF = re.compile(rf"(?:el)?if\s+(?P<negate>not\s+)?(?P<name>{_NAME})\s*$")
_FOR = re.compile(rf"for\s+(?P<item>{_NAME})\s+in\s+(?P<name>{_NAME})\s*$")


class _Block:
    """Children of a template, an if branch or a loop body, in order: literal text,
    ("expr", text) for `{{ }}`, and _If / _For nodes."""

    def __init__(self) -> None:
        self.parts: list = []


class _If:
    """Branches (name tested, negated, body); the name of an `else` branch is None."""

    def __init__(self, name: str, negated: bool) -> None:
        self.branches: list[tuple[str | None, bool, _Block]] = [(name, negated, _Block())]


class _For:
    def __init__(self, item: str, name: str) -> None:
        self.item, self.name, self.body = item, name, _Block()


class _Unreadable(Exception):
    """The template leaves the part of the language this module reads."""


def renders_text(source: str, values: dict) -> bool | None:
    """True when rendering `source` with `values` certainly gives a non-blank line, False
    when it certainly gives none, None when only jinja2 can tell."""
    tree = _outline(source)
    if tree is None:
        return None
    return _evaluate(tree, values)


@lru_cache(maxsize=256)
def _outline(source: str) -> _Block | None:
    try:
        return _parse(source)
    except _Unreadable:
        return None


def _parse(source: str) -> _Block:
    root = _Block()
    stack: list = [root]  # _Block, or _If / _For whose current body is the last _Block
    body = root
    position = 0
    for match in _TOKEN.finditer(source):
        body.parts.append(source[position : match.start()])
        position = match.end()
        if match.group("expr") is not None:
            body.parts.append(("expr", match.group("expr")))
        elif match.group("stmt") is not None:
            body = _statement(match.group("stmt").strip(), stack, body)
    body.parts.append(source[position:])
    if len(stack) != 1:
        raise _Unreadable("a block is not closed")
    return root


def _statement(text: str, stack: list, body: _Block) -> _Block:
    """Apply one `{% ... %}` to the open blocks; the block text now goes into."""
    keyword = text.split(None, 1)[0] if text else ""
    if keyword == "if":
        match = _IF.match(text)
        if not match:
            raise _Unreadable(text)
        node = _If(match["name"], bool(match["negate"]))
        body.parts.append(node)
        stack.append(node)
        return node.branches[-1][2]
    if keyword in ("elif", "else"):
        node = stack[-1] if len(stack) > 1 else None
        if not isinstance(node, _If) or node.branches[-1][0] is None:
            raise _Unreadable(text)
        if keyword == "else":
            if text != "else":
                raise _Unreadable(text)
            node.branches.append((None, False, _Block()))
        else:
            match = _IF.match(text)
            if not match:
                raise _Unreadable(text)
            node.branches.append((match["name"], bool(match["negate"]), _Block()))
        return node.branches[-1][2]
    if keyword == "for":
        match = _FOR.match(text)
        if not match:
            raise _Unreadable(text)
        loop = _For(match["item"], match["name"])
        body.parts.append(loop)
        stack.append(loop)
        return loop.body
    if keyword in ("endif", "endfor") and text == keyword and len(stack) > 1:
        node = stack.pop()
        if (keyword == "endif") != isinstance(node, _If):
            raise _Unreadable(text)
        parent = stack[-1]
        return parent if isinstance(parent, _Block) else (parent.branches[-1][2] if isinstance(parent, _If) else parent.body)
    raise _Unreadable(text)


# What a part of a template tells: (text, sure). text is True (a non-blank line is
# certain), False (none) or None (unknown); sure is False when rendering might raise
# (an undefined name, a loop over something not a list), which only jinja2 can report.
_Told = tuple[bool | None, bool]


def _evaluate(block: _Block, values: dict) -> bool | None:
    text, sure = _block(block, values)
    return text if sure else None


def _block(block: _Block, values: dict) -> _Told:
    """Every part is read (a later part may raise even after certain text)."""
    answers = [_part(part, values) for part in block.parts]
    sure = all(answer[1] for answer in answers)
    texts = [answer[0] for answer in answers]
    if any(texts):
        return True, sure
    return (None if None in texts else False), sure


def _part(part, values: dict) -> _Told:
    if isinstance(part, str):
        return bool(part.strip()), True
    if isinstance(part, tuple):
        return _expression(part[1], values)
    if isinstance(part, _If):
        return _if(part, values)
    return _for(part, values)


# Filters nglint registers (nglint.fixer.render), by whether their output can be blank.
_FILTERS = {
    "nginx_quote": lambda value: True,  # a bare word, or quoted ("" for an empty value)
    "one_line": lambda value: bool(str(value).split()),
}
_EXPRESSION = re.compile(rf"\s*(?P<name>{_NAME})\s*(?:\|\s*(?P<filter>{_NAME})\s*)?$")


def _expression(text: str, values: dict) -> _Told:
    """`{{ name }}` or `{{ name | filter }}` with one of nglint's filters; jinja2 prints
    any defined value as str() does, so only blank text renders nothing."""
    match = _EXPRESSION.match(text)
    if not match or match["name"] not in values:
        return None, False
    value = values[match["name"]]
    if match["filter"] is None:
        return bool(str(value).strip()), True
    judge = _FILTERS.get(match["filter"])
    if judge is None:
        return None, False
    return judge(value), True


def _known_truth(values: dict, name: str) -> bool | None:
    """Python's truth of a plain value, which is jinja2's; None for anything else."""
    if name not in values:
        return None  # undefined: StrictUndefined raises, jinja2 must say so
    value = values[name]
    if value is None or isinstance(value, (bool, int, float, str, list, tuple)):
        return bool(value)
    return None


def _if(node: _If, values: dict) -> _Told:
    for name, negated, body in node.branches:
        if name is None:
            return _block(body, values)
        truth = _known_truth(values, name)
        if truth is None:
            return None, False
        if truth != negated:
            return _block(body, values)
    return False, True


def _for(loop: _For, values: dict) -> _Told:
    items = values.get(loop.name)
    if not isinstance(items, (list, tuple)):
        return None, False
    answers = [_block(loop.body, {**values, loop.item: item}) for item in items]
    sure = all(answer[1] for answer in answers)
    texts = [answer[0] for answer in answers]
    if any(texts):
        return True, sure
    return (None if None in texts else False), sure
