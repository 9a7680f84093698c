"""The fast nginx reader returns exactly crossplane's result, or declines the file.

Every comparison here runs real crossplane (`nginx_parse.crossplane_parse`) on the same
bytes. A file the fast reader accepts must be one crossplane parses without error into
the same statements and comments; a file it declines goes to crossplane, so nglint's
output cannot depend on which path read it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import PROJECT_ROOT, found, write_tree
from nglint.sources.nginx.parse import crossplane_parse, parse_nginx_file

sys.path.insert(0, str(PROJECT_ROOT / "fuzz"))
import targets  # noqa: E402  (fuzz/targets.py: the differential oracle)

NGINX_SUFFIXES = (".conf", ".nginx", ".vhost", ".inc", ".tmpl", ".template")


def compare(data: bytes) -> str:
    """'fast' if the fast reader took the file (and matched crossplane), else 'declined'.

    The fuzz target is the oracle: it raises AssertionError on any difference."""
    return targets.fastparse_matches_crossplane(data)


def test_regex_whitespace_is_what_crossplane_skips():
    # crossplane splits tokens on str.isspace(); the fast reader on the regex `\s`.
    space = re.compile(r"\s")
    differ = [hex(cp) for cp in range(sys.maxunicode + 1) if bool(space.fullmatch(chr(cp))) != chr(cp).isspace()]
    assert differ == []


REGULAR = {
    "blocks and args": b"http {\n  server { listen 80; server_name a b; }\n}\n",
    "quotes and escapes": b"a \"x\\\"y\" 'p\\'q' \"\\n\" e\\ f;\n",
    "quote then a closing parenthesis": b"if ($a = \"x\") { }\n",
    "comments everywhere": b"# top\nhttp { # open\n  a 1 # in args\n  2; # after\n}\n# end\n",
    "comment in a block head": b"location / # why\n{ return 200; }\n# last\n",
    "if parentheses": b"if ($a = 1) { return 403; }\nif ( $b ) { }\nif ($c ~ \"(x)\" ) { }\n",
    "crlf and lone cr": b"a 1;\r\nb 2;\rc 3;\r\n",
    "quote inside a word": b"a b\"c d'e;\n",
    "hash inside a word": b"a b#c;\n",
    "unicode spaces split words": "a b\u00a0c\u2028d\x1ce;\n".encode(),
    "escaped newline inside a word": b"a b\\\nc;\n",
    "word starting with an escaped newline": b"\\\nname 1;\n",
    "comment ended by an escaped newline": b"# a \\\nb 1;\n",
    "comment cut by the end of the file": b"a 1;\n# no newline",
    "byte order mark": b"\xef\xbb\xbfhttp { }\n",
    "invalid utf-8": b"a \xff\xfe\x80;\n",
    "empty": b"",
    "only whitespace": b" \n\t\n",
    "quoted directive": b"\"a b\" c;\n'}' d;\n",
    "nul byte": b"a \x00;\n",
    "plain parameter expansion": b"a ${b}/x x${c}y $${d}; b ${};\nc ${e}.conf;\n${f}_g h;\n",
    "parameter expansion then a block": b"location ${a}{ return 200; }\n",
    "long word within nginx's buffer": b"a " + b"x" * 3000 + b";\n",
    "long quoted string within nginx's buffer": b"a \"" + b"y \n" * 1000 + b"\";\n",
    "long comment within nginx's buffer": b"# " + b"z" * 3500 + b"\na 1;\n",
}


@pytest.mark.parametrize("name", sorted(REGULAR))
def test_regular_text_is_read_fast_and_matches_crossplane(name):
    assert compare(REGULAR[name]) == "fast"


DECLINED = {
    "unexpected }": b"a 1;\n}\n",
    "unclosed block": b"http {\n a 1;\n",
    "statement ended by }": b"http { a 1 }\n",
    "statement cut by the end of the file": b"a 1;\nb 2",
    "statement cut after a space": b"a 1;\nb 2 ",
    "quoted arg at the end": b"a \"b\"",
    "semicolon as a directive": b";\n",
    "brace as a directive": b"{ }\n",
    "parameter expansion": b"a ${b c};\n",
    "parameter expansion after an escape": b"a \\${x};\n",
    "parameter expansion of more than a name": b"a ${b-c};\n",
    "parameter expansion then a brace": b"a ${b}};\n",
    "parameter expansion then a space": b"a ${b} c;\n",
    "word at nginx's buffer": b"a " + b"x" * 4095 + b";\n",
    "multi-byte word at nginx's buffer": "a ".encode() + "\u00e9".encode() * 2046 + b";\n",
    "quoted string at nginx's buffer": b"a \"" + b"q" * 4094 + b"\";\n",
    "comment at nginx's buffer": b"# " + b"z" * 4100 + b"\na 1;\n",
    "unterminated quote": b"a \"b;\n",
    "lone trailing backslash": b"a 1;\nb\\",
    "quoted # directive": b"\"#\" a;\n",
    "lua block": b"content_by_lua_block { ngx.say(\"}\") }\n",
    "nested too deep": b"a {" * 101 + b"}" * 101,
    "a word right after a quote": b"a \"b\"c;\n",
    "a comment right after a quote": b"a 'b'#c\n;\n",
    "two quoted strings touching": b"a \"b\"'c';\n",
    "a brace inside a word": b"return 200 a}b;\n",
    "a backslash before CRLF": b"a b\\\r\n c;\r\n",
}


@pytest.mark.parametrize("name", sorted(DECLINED))
def test_irregular_text_goes_to_crossplane(name):
    assert compare(DECLINED[name]) == "declined"


def test_nesting_up_to_the_limit_is_read_fast():
    assert compare(b"a {" * 100 + b"}" * 100) == "fast"


@pytest.mark.parametrize(
    "text, line",
    [
        ("events {}\nhttp {\n}\nfoo bar", 4),  # crossplane drops `foo bar` without a word
        ("events {}\nhttp {\n}\nfoo bar \n\n", 6),  # nginx -t: the line at the end of the file
        ("events {}\nfoo \"bar\"\n", 3),
    ],
)
def test_a_file_cut_inside_a_statement_is_p001_not_silence(lint, text, line):
    report = lint({"nginx.conf": text})
    assert found(report) == [("P001", "nginx.conf", line)]
    assert report.findings[0].message.startswith('unexpected end of file, expecting ";" or "}"')


def test_errors_are_nginx_s(lint):
    report = lint({"nginx.conf": "events {}\nhttp {\n  server { }\n}\n}\n"})
    assert found(report) == [("P001", "nginx.conf", 5)]
    assert report.findings[0].message == 'unexpected "}"'


def test_a_regular_file_does_not_import_crossplane(tmp_path):
    write_tree(tmp_path, {"regular.conf": "http { server { listen 80; } }\n", "odd.conf": "a ${b c};\n"})
    code = (
        "import sys\n"
        "from nglint.sources.nginx.parse import parse_nginx_file\n"
        f"parse_nginx_file({str(tmp_path / 'regular.conf')!r}, 1 << 20)\n"
        "print('crossplane' in sys.modules)\n"
        f"parse_nginx_file({str(tmp_path / 'odd.conf')!r}, 1 << 20)\n"
        "print('crossplane' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True"]


def test_both_paths_give_the_same_parsed_file(tmp_path):
    text = "# nglint: disable-file=KA001 -- why\nhttp {\n  upstream a { server 1.2.3.4:80; } # t\n}\n"
    path = tmp_path / "nginx.conf"
    path.write_text(text)
    parsed = parse_nginx_file(str(path), 1 << 20)
    statements, comments, errors = crossplane_parse(str(path))
    assert (parsed.statements, parsed.comments, parsed.error) == (statements, comments, None)
    assert errors == []


def _nginx_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and (p.suffix in NGINX_SUFFIXES or p.name.startswith("nginx")))


def test_corpus_matches_crossplane_and_is_mostly_read_fast(corpus):
    files = _nginx_files(corpus / "nginx")
    assert len(files) > 300
    paths = {path: compare(path.read_bytes()) for path in files}
    fast = sum(1 for how in paths.values() if how == "fast")
    # The speed-up is real only if most real-world files take the fast path.
    assert fast / len(files) > 0.9, f"only {fast} of {len(files)} corpus files read fast"


def test_samples_fix_fixtures_and_fuzz_inputs_match_crossplane():
    roots = [PROJECT_ROOT / "samples", PROJECT_ROOT / "fuzz" / "regressions", PROJECT_ROOT / "tests" / "data"]
    files = [p for root in roots for p in sorted(root.rglob("*")) if p.is_file() and not p.name.endswith((".xml", ".properties", ".md", ".json"))]
    assert len(files) > 20
    outcomes = [compare(path.read_bytes()) for path in files]
    assert outcomes.count("fast") > len(files) // 2


PIECES = [
    "a", "b", "if", "(", ")", "$x", "$", "{", "}", ";", " ", "\t", "\n", "\r", "\r\n", '"', "'", "\\", "#",
    "${", "\x0b", "\x1c", "\u00a0", "\u2028", "\ufeff", "é", "\x00", "server", "location /",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=60).map("".join))
@example("a b\\")
@example('a "b\\"')
@example("a #c\\")
def test_any_text_is_declined_or_matches_crossplane(text):
    compare(text.encode("utf-8", "surrogatepass"))


# A backslash takes the next character with it; a word may not end in an odd one, or it
# would take the space after it and run into the next token.
WORD = st.text(alphabet="abcxyz019_/.:$@~*-=(),\\#'\"", min_size=1, max_size=8).filter(
    lambda w: w[0] not in "#'\"" and (len(w) - len(w.rstrip("\\"))) % 2 == 0
)
QUOTED = st.text(alphabet="ab {};#'$\\\n", max_size=6).map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"')
COMMENT = st.text(alphabet="ab #{};'\"", max_size=10).map(lambda s: "# " + s + "\n")


def _statement(children=None):
    """`name args;` or, given children, possibly `name args { children }`."""
    head = st.tuples(st.sampled_from(["a", "if", "location", "server", "set"]), st.lists(st.one_of(WORD, QUOTED, COMMENT.map(lambda c: "\n" + c)), max_size=4))
    return st.builds(
        lambda h, body: f"{h[0]} {' '.join(h[1])}" + ("\n;\n" if body is None else " {\n" + "".join(body) + "}\n"),
        head,
        st.none() if children is None else st.one_of(st.none(), st.lists(children, max_size=3)),
    )


WELL_FORMED = st.recursive(st.one_of(COMMENT, _statement()), lambda children: st.one_of(COMMENT, _statement(children)), max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(WELL_FORMED, max_size=5).map("".join))
def test_well_formed_configs_are_read_fast_and_match(text):
    assert compare(text.encode()) == "fast"
