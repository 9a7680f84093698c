"""The byte-offset lexer agrees with crossplane, and the engine behaves on real configs.

The lexer is what turns crossplane's (line, name, args) into exact byte offsets, so it
must find every directive crossplane reports, in the samples and in the real-world
corpus, and its spans must be the bytes of the file.
"""

import os
import shutil
import subprocess

import pytest

from conftest import PROJECT_ROOT, run_cli
from fix_helpers import check_patch, nglint_bytes, require_tool, snapshot
from nglint.fixer.layout import NoFix, SourceFile
from nglint.fixer.lexer import LexError, lex, validate
from nglint.sources.nginx.parse import parse_nginx_file


def test_offsets_quotes_escapes_comments():
    data = b'a "x y" \'z\\\'q\' b\\;c; # note { ;\nblock arg {\n  inner 1;\n}\n'
    lexed = lex(data)
    first, block = lexed.statements
    assert (first.name, first.args) == ("a", ["x y", "z'q", "b\\;c"])
    assert data[first.start : first.end] == b'a "x y" \'z\\\'q\' b\\;c;'
    assert [c.value for c in lexed.comments] == ["# note { ;"]
    assert block.children[0].name == "inner" and block.line == 2
    assert data[block.open_brace : block.open_brace + 1] == b"{" and data[block.close_brace : block.end] == b"}"


def test_variable_braces_and_if_parentheses_match_crossplane(tmp_path):
    conf = tmp_path / "x.conf"
    conf.write_bytes(
        b"upstream u { server ${HOST} fail_timeout=0; }\n"
        b"server { location / { if ($arg_a = b) { return 204; } try_files /a/${uri} /b =404; } }\n"
    )
    parsed = parse_nginx_file(str(conf), 1 << 20)
    source = SourceFile.read(str(conf))
    for stmt in _walk(parsed.statements):
        found = source.statement(stmt["directive"], stmt["line"], stmt.get("args") or [])
        assert found.name == stmt["directive"]


def test_lua_blocks_are_skipped_like_crossplane(tmp_path):
    conf = tmp_path / "x.conf"
    conf.write_bytes(
        b"location / {\n"
        b"    content_by_lua_block { local t = { \"}\" } -- } in a comment\n"
        b"        ngx.say('{') }\n"
        b"    set_by_lua_block $res { return 1 }\n"
        b"    proxy_pass http://app;\n"
        b"}\n"
    )
    parsed = parse_nginx_file(str(conf), 1 << 20)
    assert parsed.error is None
    source = SourceFile.read(str(conf))
    for stmt in _walk(parsed.statements):
        source.statement(stmt["directive"], stmt["line"], stmt.get("args") or [])
    proxy = source.statement("proxy_pass", 5, ["http://app"])
    assert source.data[proxy.start : proxy.end] == b"proxy_pass http://app;"


@pytest.mark.parametrize("text", [b"a {\n", b"a;\n}\n", b'a "open;\n', b"a b }\n"])
def test_what_nginx_rejects_is_rejected(text):
    with pytest.raises(LexError):
        lex(text)


def _walk(statements):
    for stmt in statements:
        yield stmt
        yield from _walk(stmt.get("block") or [])


def _nginx_files(root):
    for path in sorted(root.rglob("*")):
        if path.is_file() and (path.suffix == ".conf" or path.name == "nginx.conf") and "logs" not in path.parts:
            yield path


def _agreement(files):
    """(files compared, files whose every directive was found); files crossplane or the
    stricter lexer rejects are not compared."""
    compared, agreed, missing = 0, 0, []
    for path in files:
        parsed = parse_nginx_file(str(path), 10 << 20)
        if parsed.error:
            continue
        try:
            source = SourceFile.read(str(path))
        except NoFix:
            continue
        compared += 1
        try:
            for stmt in _walk(parsed.statements):
                source.statement(stmt["directive"], stmt["line"], stmt.get("args") or [])
            agreed += 1
        except NoFix as exc:
            missing.append(str(exc))
    return compared, agreed, missing


def test_every_sample_directive_is_found_at_its_offsets():
    compared, agreed, missing = _agreement(_nginx_files(PROJECT_ROOT / "samples"))
    assert compared >= 15 and agreed == compared, missing



def test_lexer_agrees_with_crossplane_on_the_corpus(corpus):
    files = list(_nginx_files(corpus / "nginx"))
    compared, agreed, missing = _agreement(files)
    assert compared >= 0.9 * len(files)  # the rest is invalid nginx (crossplane's own error tests)
    assert agreed == compared, missing[:5]


def test_corpus_diff_applies_and_fix_reaches_the_same_tree(corpus, tmp_path):
    """On real configs: --diff is accepted by git and patch, --fix writes exactly what the
    diff says (no rollback on these), and a second run has nothing left to do."""
    fixed, patched = tmp_path / "fixed", tmp_path / "patched"
    for target in (fixed, patched):
        for part in ("nginx", "tomcat"):
            shutil.copytree(corpus / part, target / part)
        for dirpath, dirnames, filenames in os.walk(target):
            for name in dirnames + filenames:
                os.chmod(os.path.join(dirpath, name), 0o755 if name in dirnames else 0o644)
    diff = nglint_bytes("check", "--diff", "--unsafe-fixes", ".", cwd=fixed)
    assert diff.returncode == 1 and diff.stdout.startswith(b"--- a/nginx/")
    check_patch(diff.stdout, patched)
    git = require_tool("git")
    assert subprocess.run([git, "apply", str(tmp_path / "patched.patch")], cwd=patched).returncode == 0

    result = run_cli("check", "--fix", "--unsafe-fixes", ".", cwd=fixed)
    assert "fix not applied" not in result.stderr, result.stderr
    assert snapshot(fixed) == snapshot(patched)
    again = nglint_bytes("check", "--diff", "--unsafe-fixes", ".", cwd=fixed)
    assert again.stdout == b"" and again.returncode == 0


def _outcome(function, data: bytes):
    try:
        function(data)
    except LexError as exc:
        return str(exc)
    return None


_TOKENS = [b"a", b"b c", b";", b"{", b"}", b'"x;"', b"'}'", b"# c {\n", b"\n", b" ", b"\\;", b"${v}", b"d_by_lua_block", b"--", b'"']


@pytest.mark.parametrize("text", [b"a {\n", b"a;\n}\n", b'a "open;\n', b"a b }\n", b"a { b {\n", b"a { b", b"", b"a;", b"}", b"{",
                                  b"a { b; } }", b"x_by_lua_block { a { }\n", b"a { b } c;"])
def test_validate_raises_what_lex_raises(text):
    """`--fix` checks rewritten files with validate(): it must accept and refuse exactly
    what lex() does, with the same message (it is shown to the user)."""
    assert _outcome(validate, text) == _outcome(lex, text)


def test_validate_agrees_with_lex_on_generated_token_streams():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=400, deadline=None)
    @given(st.lists(st.sampled_from(_TOKENS), max_size=30).map(b" ".join))
    def agree(data):
        assert _outcome(validate, data) == _outcome(lex, data)

    agree()


def test_validate_agrees_with_lex_on_samples_and_corpus(corpus):
    files = list(_nginx_files(PROJECT_ROOT / "samples")) + list(_nginx_files(corpus / "nginx"))
    assert len(files) > 100
    for path in files:
        data = path.read_bytes()
        assert _outcome(validate, data) == _outcome(lex, data), path


# -- the regular-file reader against the byte-by-byte one ----------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from nglint.fixer import lexer as fix_lexer  # noqa: E402


def _shape(statements) -> list:
    """Statements as plain data (Statement compares by identity)."""
    return [
        (s.name, s.args, s.line, s.start, s.end, s.open_brace, s.close_brace, None if s.children is None else _shape(s.children))
        for s in statements
    ]


def _both(data: bytes):
    """(regular reader's statements and comments or None, the byte reader's or its LexError)."""
    try:
        tokens, comments = fix_lexer.tokenize(data)
        statements, _ = fix_lexer._statements(tokens, 0, top=True)
        slow = (_shape(statements), comments)
    except LexError as exc:
        slow = f"LexError: {exc}"
    regular = fix_lexer._regular_lex(data)
    return (None if regular is None else (_shape(regular.statements), regular.comments)), slow


def test_regular_reader_gives_the_byte_readers_statements_on_real_files(corpus):
    roots = [corpus, PROJECT_ROOT / "samples", PROJECT_ROOT / "fuzz" / "regressions"]
    files = [p for root in roots for p in sorted(root.rglob("*")) if p.is_file() and p.stat().st_size < 2_000_000]
    for path in files:
        fast, slow = _both(path.read_bytes())
        if fast is not None:
            assert fast == slow, path
    configs = list(_nginx_files(corpus / "nginx"))
    regular = sum(1 for path in configs if fix_lexer._regular_lex(path.read_bytes()) is not None)
    assert regular > 0.7 * len(configs)  # the speed-up is real only if most configs take it


LEXER_PIECES = [
    "a", "b", "$x", "$", "{", "}", ";", " ", "\t", "\n", "\r\n", "\x0b", '"', "'", "\\", "#", "${", "${v}",
    '"q r"', "'s'", "\\.", '\\"', "\\\n", "é", "content_by_lua_block", "set_by_lua_block", "location", "if", "(", ")",
    "\x1c", "a#b;", "x$ {", "a b;", "c {",
]


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(LEXER_PIECES), max_size=40).map("".join))
def test_regular_reader_gives_the_byte_readers_statements_on_any_text(text):
    fast, slow = _both(text.encode("utf-8"))
    if fast is not None:
        assert fast == slow
