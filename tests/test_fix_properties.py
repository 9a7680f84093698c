"""Property: whatever the file's layout, a KA001 fix keeps every original byte, follows the
file's line endings and indentation, parses, removes the finding, and is idempotent."""

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import lint_paths
from nglint.fixer.apply import fix_project
from nglint.fixer.lexer import lex

SERVER_XML = b'<Server><Service name="s"><Connector port="8080" connectionTimeout="20000"/></Service></Server>\n'


@st.composite
def layouts(draw):
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    unit = draw(st.sampled_from(["\t", "  ", "    ", "   "]))
    one_line = draw(st.booleans())
    comment = draw(st.sampled_from(["", "  # pool", " #{;}", "\t# café"]))
    final_newline = draw(st.booleans())
    keepalive_first = draw(st.booleans())
    inner = ["server 127.0.0.1:8080;", "keepalive 8;"]
    if keepalive_first:
        inner.reverse()
    if one_line:
        upstream = [f"{unit}upstream app {{ {' '.join(inner)} }}{comment}"]
    else:
        upstream = [f"{unit}upstream app {{{comment}"] + [f"{unit * 2}{d}" for d in inner] + [f"{unit}}}"]
    lines = ["events {}", "http {", *upstream,
             f"{unit}server {{", f"{unit * 2}listen 8000;", f"{unit * 2}location / {{",
             f"{unit * 3}proxy_pass http://app;", f"{unit * 3}proxy_http_version 1.1;",
             f'{unit * 3}proxy_set_header Connection "";', f"{unit * 2}}}", f"{unit}}}", "}"]
    text = eol.join(lines) + (eol if final_newline else "")
    return text.encode("utf-8"), eol, unit, one_line


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layouts())
def test_ka001_fix_respects_any_layout(layout):
    data, eol, unit, one_line = layout
    root = Path(tempfile.mkdtemp(prefix="nglint-prop-"))
    try:
        (root / "nginx").mkdir()
        (root / "tomcat").mkdir()
        conf = root / "nginx" / "nginx.conf"
        conf.write_bytes(data)
        (root / "tomcat" / "server.xml").write_bytes(SERVER_XML)
        relint = lambda: lint_paths([str(root)], cwd=root, discover_config=False)  # noqa: E731
        outcome = fix_project(relint, relint())
        assert not outcome.failures and len(outcome.applied) == 1
        fixed = conf.read_bytes()
        lex(fixed)
        (edit,) = outcome.applied[0].fix.edits
        assert fixed[: edit.start] == data[: edit.start] and fixed[edit.start + len(edit.data):] == data[edit.start:]
        if one_line:
            assert edit.data == b" keepalive_timeout 18s;" and b"#" not in edit.data
        else:
            assert edit.data.startswith((unit * 2 + "keepalive_timeout 18s;").encode()) or edit.data.startswith(
                (eol + unit * 2 + "keepalive_timeout 18s;").encode())
            assert edit.data.count(b"\n") == edit.data.count(eol.encode())
        assert [f.rule for f in outcome.report.findings] == []
        again = fix_project(relint, outcome.report)
        assert not again.applied and conf.read_bytes() == fixed
    finally:
        shutil.rmtree(root)
