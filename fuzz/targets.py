"""Fuzz targets for nglint's untrusted inputs (configs and logs), usable with or without atheris.

`fastparse` is a differential target: it checks the fast nginx reader against
crossplane and against nginx's tokenizer (nginx_syntax) on the same bytes, and any
difference is a crash.

Each target writes the input bytes into a fresh temporary tree, runs the real runner
(discovery, include resolution, parsers, every check) and every reporter. nglint's
contract is that loading never raises on bad input, so *any* exception escaping a
target is a bug: atheris reports it as a crash, and tests/test_fuzz.py replays the
saved inputs in fuzz/regressions/ on every test run.

Input layout: the bytes are split on b"\\x00\\x00" into up to three files, so a single
input can describe an include relationship (nginx.conf, a.conf, conf.d/b.conf) or a
server.xml with its catalina.properties. `error_log` takes the bytes as one log. `tree`
decodes the bytes into a whole hostile tree (names, symlinks, globs, deep directories,
a config naming files) and runs the CLI in every format (see whole_tree.py).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import whole_tree  # noqa: E402

_WORKDIR = tempfile.mkdtemp(prefix="nglint-fuzz-")
_COUNTER = [0]

NGINX_FOR_TOMCAT = (
    b"events {}\nhttp {\n  upstream app { server 127.0.0.1:8080; keepalive 8; }\n"
    b'  server { location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; } }\n}\n'
)


def warm() -> None:
    """Import everything a target touches, so atheris can instrument it up front."""
    import nglint.checks  # noqa: F401
    import nglint.cli  # noqa: F401
    import nglint.sources.nginx.model  # noqa: F401
    import nglint.reporters.github  # noqa: F401
    import nglint.reporters.json  # noqa: F401
    import nglint.reporters.sarif  # noqa: F401
    import nglint.reporters.text  # noqa: F401
    import nglint.explain.aggregate  # noqa: F401
    import nglint.explain.render  # noqa: F401
    import nglint.explain.summary  # noqa: F401
    import nglint.runner  # noqa: F401
    from nglint.registry import selected_checks

    selected_checks([], [])
    import importlib

    from nglint.cli import FORMATS

    for fmt in FORMATS:  # the tree target runs the CLI in every format
        importlib.import_module(f"nglint.reporters.{fmt}")
    from nglint.sources import BUILTIN_READERS

    for module, _ in BUILTIN_READERS:
        importlib.import_module(module)


def _fresh_root() -> str:
    _COUNTER[0] += 1
    root = os.path.join(_WORKDIR, str(_COUNTER[0]))
    os.makedirs(root)
    return root


def _write(root: str, rel: str, data: bytes) -> None:
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)


def _lint(root: str) -> None:
    import importlib

    from nglint.config import Settings
    from nglint.runner import run

    settings = Settings(max_file_size=1024 * 1024, max_files=200)
    report = run([root], settings, cwd=root)
    for fmt in ("text", "json", "sarif", "github"):
        module = importlib.import_module(f"nglint.reporters.{fmt}")
        if fmt == "text":
            module.render(report, colour=False)
        else:
            module.render(report)


def nginx_one_input(data: bytes) -> None:
    """nginx.conf [+ a.conf [+ conf.d/b.conf]] from one input."""
    root = _fresh_root()
    try:
        for rel, part in zip(("nginx.conf", "a.conf", "conf.d/b.conf"), data.split(b"\x00\x00", 2)):
            _write(root, rel, part)
        _lint(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def server_xml_one_input(data: bytes) -> None:
    """conf/server.xml [+ conf/catalina.properties] behind a fixed, pooled nginx upstream."""
    root = _fresh_root()
    try:
        _write(root, "nginx/nginx.conf", NGINX_FOR_TOMCAT)
        parts = data.split(b"\x00\x00", 1)
        _write(root, "tomcat/conf/server.xml", parts[0])
        if len(parts) > 1:
            _write(root, "tomcat/conf/catalina.properties", parts[1])
        _lint(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def fastparse_matches_crossplane(data: bytes) -> str:
    """The fast reader either declines the input or returns exactly crossplane's result.

    Returns "declined" or "fast" (tests/test_fastparse.py uses this as its oracle too).
    """
    from nglint.sources.nginx.fastparse import NotRegular, fast_parse
    from nglint.sources.nginx.parse import crossplane_parse

    try:
        fast = fast_parse(data)
    except NotRegular:
        return "declined"
    root = _fresh_root()
    try:
        _write(root, "nginx.conf", data)
        statements, comments, errors = crossplane_parse(os.path.join(root, "nginx.conf"))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if errors:
        raise AssertionError(f"fast reader accepted a file crossplane rejects: {errors[0]}")
    if fast != (statements, comments):
        raise AssertionError(f"fast reader differs from crossplane:\n{fast!r}\n{(statements, comments)!r}")
    _matches_nginx_tokenizer(data, statements)
    return "fast"


def _matches_nginx_tokenizer(data: bytes, statements: list[dict]) -> None:
    """What the fast reader accepts, nginx's tokenizer (nginx_syntax) accepts, with the same
    statements (a CRLF inside a quoted string compared as LF). Not compared where the two
    are known to count differently: a lone CR (a line break to crossplane, a space to
    nginx) and whitespace nginx does not skip (vertical tab, form feed, Unicode spaces:
    word characters to nginx)."""
    from nglint.sources.nginx.syntax import scan

    text = data.decode("utf-8", "replace")
    if "\r" in text.replace("\r\n", "") or any(c.isspace() and c not in " \t\r\n" for c in text):
        return
    nginx = scan(data)
    if nginx.gave_up:
        return
    if nginx.error is not None:
        raise AssertionError(f"fast reader accepted a file nginx rejects: {nginx.error} (line {nginx.error_line})")
    if _crlf_as_lf(nginx.statements) != statements:
        raise AssertionError(f"fast reader differs from nginx's tokenizer:\n{statements!r}\n{nginx.statements!r}")


def _crlf_as_lf(statements: list[dict]) -> list[dict]:
    """crossplane reads text with universal newlines, so a CRLF inside a quoted string is
    LF in its values; nginx keeps the bytes. The same statements either way."""
    out = []
    for stmt in statements:
        stmt = dict(stmt, directive=stmt["directive"].replace("\r\n", "\n"), args=[a.replace("\r\n", "\n") for a in stmt["args"]])
        if "block" in stmt:
            stmt["block"] = _crlf_as_lf(stmt["block"])
        out.append(stmt)
    return out


def error_log_one_input(data: bytes) -> None:
    """The bytes as an error log (lines on b"\\n"): the line parser, the classifier and
    counters, the summary and every `nglint explain` reporter. Every line is accounted
    for exactly once, and a sample line round-trips to its bytes."""
    from nglint.explain.aggregate import Aggregator
    from nglint.explain.lines import encode_original, parse_line
    from nglint.explain.render import FORMATS, render
    from nglint.explain.summary import build

    lines = data.split(b"\n")
    for raw in lines:
        line = parse_line(raw)
        if line is not None and line.raw != raw:
            raise AssertionError("parse_line lost the original line")
    aggregator = Aggregator(since=b"2000/01/01 00:00:00")
    aggregator.feed(lines)
    aggregator.finish()
    seen = aggregator.parsed + aggregator.unparsed + aggregator.blank + aggregator.access.lines + aggregator.outside_window
    if seen != aggregator.lines:
        raise AssertionError(f"{aggregator.lines} lines read, {seen} accounted for")
    summary = build(aggregator, [{"name": "fuzz", "lines": aggregator.lines}])
    for cause in summary["causes"]:
        for sample in cause["samples"]:
            if encode_original(sample) not in lines:
                raise AssertionError("a sample line is not byte-for-byte a line of the input")
    for fmt in FORMATS:
        render(summary, fmt)


TARGETS = {
    "nginx": nginx_one_input,
    "server_xml": server_xml_one_input,
    "fastparse": fastparse_matches_crossplane,
    "error_log": error_log_one_input,
    "tree": whole_tree.tree_one_input,
}
