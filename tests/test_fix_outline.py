"""nglint.fixer.outline tells whether a template renders a line exactly as jinja2 does, or
declines to tell.

The text report counts fixes from this answer instead of rendering them, so a wrong
"yes" would count a fix `--fix` then drops, and a wrong "no" would hide one. Every
shipped template and generated ones are rendered with jinja2 (the real environment of
nglint.fixer.render) for many values, and each answer is held to the rendered lines.
"""

from __future__ import annotations

import itertools

import jinja2
import jinja2.meta
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nglint.fixer.layout import NoFix
from nglint.fixer.outline import renders_text
from nglint.fixer.render import environment, template_names, template_source

VALUES = [None, True, False, 0, 7, "", "  ", "x", "a b", [], [""], ["x"], ["", "y"], ("z",)]


def _jinja_lines(source: str, values: dict) -> bool | None:
    """Whether jinja2 renders a non-blank line; None when it raises (an undefined name)."""
    try:
        text = environment().from_string(source).render(**values)
    except jinja2.exceptions.UndefinedError:
        return None
    except TypeError:  # iterating a number, and the like: not a value a rule passes
        return None
    return any(line.strip() for line in text.split("\n"))


def _names(source: str) -> list[str]:
    return sorted(jinja2.meta.find_undeclared_variables(environment().parse(source)))


def _agrees(source: str, values: dict) -> bool | None:
    told = renders_text(source, values)
    rendered = _jinja_lines(source, values)
    if told is not None:
        assert rendered is not None, f"outline answered {told} where jinja2 raises: {values}"
        assert told == rendered, f"outline says {told}, jinja2 renders {rendered}: {values}\n{source}"
    return told


@pytest.mark.parametrize("name", template_names())
def test_every_shipped_template_is_read_and_agrees_with_jinja(name):
    source = template_source(name)
    names = _names(source)
    answered = 0
    combos = itertools.product(VALUES, repeat=len(names)) if len(names) <= 3 else (
        {n: VALUES[(i * 5 + j) % len(VALUES)] for j, n in enumerate(names)} for i in range(400)
    )
    for combo in combos:
        values = combo if isinstance(combo, dict) else dict(zip(names, combo))
        answered += _agrees(source, values) is not None
    assert answered, f"{name}: never answered, so the text report would load jinja2 for it"


@pytest.mark.parametrize("name, values, expected", [
    ("ka003.j2", {"http_version": True, "inherited_headers": [], "connection": False}, True),
    ("ka003.j2", {"http_version": False, "inherited_headers": ["proxy_set_header Host $host;"], "connection": False}, True),
    ("ka003.j2", {"http_version": False, "inherited_headers": [], "connection": False}, False),
    ("ka001.j2", {"seconds": 18, "note": True, "backend_label": "Tomcat", "backend_timeout": "20s"}, True),
    ("ka001_k8s.j2", {"note": "", "key": "upstream-keepalive-timeout", "value": '"18"'}, True),
])
def test_the_values_rules_pass_are_answered(name, values, expected):
    assert renders_text(template_source(name), values) is expected


@pytest.mark.parametrize("source", [
    "{% if a == 1 %}x{% endif %}",  # an operator
    "{% set a = 1 %}{{ a }}",  # a statement outside the subset
    "{% for a in b %}{{ a.c }}{% endfor %}",
    "{% if a %}x",  # not closed
    "{% endif %}",
    "{% if a %}x{% else %}y{% else %}z{% endif %}",
    "{{ a ~ b }}",
])
def test_what_it_cannot_read_it_leaves_to_jinja(source):
    assert renders_text(source, {"a": "1", "b": ["q"], "c": 1}) is None


def test_an_undefined_name_is_left_to_jinja():
    assert renders_text("{% if missing %}x{% endif %}", {}) is None
    assert renders_text("{{ missing }}", {}) is None


PIECES = [
    "text", " ", "\n", "{{ a }}", "{{ b }}", "{{ a | one_line }}", "{# c #}", "{%- if a %}", "{% if not b %}",
    "{% elif c %}", "{% else %}", "{% endif %}", "{% for i in l %}", "{{ i }}", "{% endfor %}", "{% if c -%}", ";",
]


@settings(max_examples=500, deadline=None)
@given(
    pieces=st.lists(st.sampled_from(PIECES), max_size=14),
    a=st.sampled_from(VALUES),
    b=st.sampled_from(VALUES),
    c=st.sampled_from(VALUES),
    items=st.sampled_from([[], [""], ["x"], [" ", "y"], ["", ""]]),
)
def test_generated_templates_agree_with_jinja(pieces, a, b, c, items):
    source = "".join(pieces)
    try:
        environment().parse(source)
    except jinja2.exceptions.TemplateSyntaxError:
        return  # not a template at all
    _agrees(source, {"a": a, "b": b, "c": c, "l": items})


def test_placement_only_counting_raises_nofix_where_rendering_would(tmp_path):
    """The fix context's placement-only lines: NoFix exactly when render_lines says nothing
    renders, the real lines when the outline cannot tell."""
    from nglint.fixer.builder import FixContext
    from nglint.fixer.render import render_lines

    counting = FixContext(project=None, placement_only=True)
    empty = {"http_version": False, "inherited_headers": [], "connection": False}
    with pytest.raises(NoFix):
        render_lines("ka003.j2", **empty)
    with pytest.raises(NoFix):
        counting.lines("ka003.j2", **empty)
    assert counting.lines("ka003.j2", **{**empty, "connection": True}) != []
    unsure = {"value": "a\ufffdb"}  # a value that is not UTF-8: rendering decides
    with pytest.raises(NoFix):
        counting.lines("ka004.j2", **unsure)


def test_the_text_report_counts_fixes_without_loading_jinja(tmp_path):
    """`nglint check` (text) prints the fixable count; JSON, which shows fix text, renders."""
    import subprocess
    import sys

    from conftest import write_tree

    write_tree(tmp_path, {"nginx.conf": (
        "events {}\nhttp {\n  upstream app { server 10.0.0.1:8080; keepalive 8; }\n"
        "  server { listen 80; location / { proxy_pass http://app; } }\n}\n"
    )})
    code = (
        "import sys\nfrom nglint.cli import main\n"
        "fmt = sys.argv[1]\n"
        "main(['check', '--jobs', '1', '--format', fmt, sys.argv[2]])\n"
        "print('jinja2' in sys.modules, file=sys.stderr)\n"
    )
    text = subprocess.run([sys.executable, "-c", code, "text", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert "fixable with --fix" in text.stderr or "--unsafe-fixes" in text.stderr, text.stderr
    assert text.stderr.rstrip().endswith("False"), text.stderr
    shown = subprocess.run([sys.executable, "-c", code, "json", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert '"fix": {' in shown.stdout
    assert shown.stderr.rstrip().endswith("True"), shown.stderr
