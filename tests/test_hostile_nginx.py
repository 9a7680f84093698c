"""Hostile and broken nginx configs: a finding or a clear message, bounded, never a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from conftest import IN_CI, write_tree
from hostile import SECRET, all_formats_in_process, assert_clean, check_in_process, check_measured, make_secret

UPSTREAM = "upstream app { server 127.0.0.1:8080; keepalive 8; }\n"


def lint(root, *paths):
    targets = [str(root / p) for p in paths] if paths else [str(root)]
    outcome = check_in_process(*targets)
    assert_clean(outcome)
    return outcome


def where(outcome, rule):
    """(file name, line, message) of each finding of `rule`."""
    return [(os.path.basename(f["path"]), f["line"], f["message"]) for f in outcome.findings if f["rule"] == rule]


# -- syntax ------------------------------------------------------------------------------------
SYNTAX = {
    "unbalanced-open": ("http {\n  server {\n    listen 80;\n", 'expecting "}"'),
    "stray-close": ("http {}\n}\n", 'unexpected "}"'),
    "unterminated-double-quote": ('http {\n  add_header X "abc;\n}\n', "unexpected end of file"),
    "unterminated-single-quote": ("http {\n  add_header X 'abc;\n}\n", "unexpected end of file"),
}


@pytest.mark.parametrize("case", sorted(SYNTAX))
def test_syntax_errors_are_p001(tmp_path, case):
    text, expected = SYNTAX[case]
    write_tree(tmp_path, {"nginx.conf": text})
    outcome = lint(tmp_path)
    messages = [m for _, _, m in where(outcome, "P001")]
    assert len(messages) == 1 and expected in messages[0], outcome.findings


def test_10k_nested_blocks_are_p001_in_bounded_memory(tmp_path):
    depth = 10_000
    write_tree(tmp_path, {"nginx.conf": "http {\n" + "location / {\n" * depth + "}\n" * depth + "}\n"})
    result = check_measured(str(tmp_path), memory_cap_mb=1024)
    assert result.code == 1 and "Traceback" not in result.stderr, result.stderr
    assert "nested" in result.stdout and "P001" in result.stdout
    assert result.max_rss_mb < 300, result.max_rss_mb


def test_nesting_stacked_across_includes_is_bounded(tmp_path):
    """Thirty files, each 150 blocks deep around an include of the next: the recursion
    limit would be hit across files even though each alone is fine."""
    files = {"f00.conf": "location / {\n" * 150 + "return 200;\n" + "}\n" * 150}
    for i in range(1, 30):
        files[f"f{i:02d}.conf"] = "location / {\n" * 150 + f"include f{i - 1:02d}.conf;\n" + "}\n" * 150
    write_tree(tmp_path, files)
    outcome = lint(tmp_path)
    assert any("nested more than" in m for _, _, m in where(outcome, "P001")), outcome.findings


def test_very_long_line_parses(tmp_path):
    write_tree(tmp_path, {"nginx.conf": "http {\n  server { server_name " + "a " * 500_000 + "; }\n  " + UPSTREAM + "}\n"})
    outcome = lint(tmp_path)
    assert "P001" not in outcome.rules()
    assert outcome.seconds < 20


def test_a_word_longer_than_nginx_s_buffer_is_its_error(tmp_path):
    # nginx reads a config through a 4096-byte buffer; one word filling it is an error.
    write_tree(tmp_path, {"nginx.conf": "http {\n  server { server_name " + "a" * 1_000_000 + "; }\n  " + UPSTREAM + "}\n"})
    outcome = lint(tmp_path)
    assert where(outcome, "P001") == [("nginx.conf", 2, 'too long parameter "aaaaaaaaaa..." started')]
    assert outcome.seconds < 20


@pytest.mark.parametrize("content", [b"", b"   \n\t\n  \r\n", b"# only a comment\n"], ids=["empty", "whitespace", "comment"])
def test_empty_files_are_clean(tmp_path, content):
    write_tree(tmp_path, {"nginx.conf": content})
    assert lint(tmp_path).findings == []


def test_binary_file_named_nginx_conf(tmp_path):
    write_tree(tmp_path, {"nginx.conf": bytes(range(256)) * 200 + os.urandom(4096)})
    lint(tmp_path)  # P001 or nothing, never a crash


def test_invalid_utf8_is_read_like_nginx_reads_bytes(tmp_path):
    write_tree(tmp_path, {"nginx.conf": b"http {\n  server { server_name caf\xe9 \xff\xfe; }\n  " + UPSTREAM.encode() + b"}\n"})
    outcome = lint(tmp_path)
    assert "P001" not in outcome.rules()
    assert "P005" in outcome.rules()  # the upstream after the bad bytes was still read


def test_utf16_with_bom_is_p001(tmp_path):
    write_tree(tmp_path, {"nginx.conf": ("http {\n" + UPSTREAM + "}\n").encode("utf-16")})
    outcome = lint(tmp_path)
    assert [m for _, _, m in where(outcome, "P001")] == ["file is UTF-16 encoded; nginx reads configs as bytes and cannot parse it"]


@pytest.mark.parametrize("newline", ["\r\n", "mixed"], ids=["crlf", "mixed"])
def test_crlf_and_mixed_line_endings_keep_line_numbers(tmp_path, newline):
    lines = ["events {}", "http {", "  upstream app {", "    server 127.0.0.1:8080;", "    keepalive 8;", "  }", "}", ""]
    if newline == "mixed":
        text = "".join(line + ("\r\n" if i % 2 else "\n") for i, line in enumerate(lines[:-1]))
    else:
        text = "\r\n".join(lines)
    write_tree(tmp_path, {"nginx.conf": text.encode()})
    outcome = lint(tmp_path)
    assert [(name, line) for name, line, _ in where(outcome, "P005")] == [("nginx.conf", 3)]


# -- includes ---------------------------------------------------------------------------------
def test_self_include_is_p002_cycle(tmp_path):
    write_tree(tmp_path, {"nginx.conf": "http {\n  include nginx.conf;\n}\n"})
    outcome = lint(tmp_path)
    assert [(n, line) for n, line, m in where(outcome, "P002") if "cycle" in m] == [("nginx.conf", 2)]


def test_two_file_include_cycle_is_p002(tmp_path):
    write_tree(tmp_path, {"nginx.conf": "http { include a.conf; }\n", "a.conf": "include b.conf;\n", "b.conf": "include a.conf;\n"})
    outcome = lint(tmp_path, "nginx.conf")
    assert [(n, line) for n, line, m in where(outcome, "P002") if "cycle" in m] == [("b.conf", 1)]


def test_glob_matching_thousands_of_files(tmp_path):
    files = {"nginx.conf": "events {}\nhttp {\n  include conf.d/*.conf;\n}\n"}
    for i in range(3000):
        files[f"conf.d/site{i:04d}.conf"] = f"upstream u{i} {{ server 127.0.0.1:{i + 1}; }}\n"
    write_tree(tmp_path, files)
    outcome = lint(tmp_path)
    assert outcome.seconds < 30
    assert outcome.rules() == []  # unpooled upstreams, all read, nothing to report


def test_glob_over_max_files_is_reported_not_read(tmp_path):
    files = {"nginx.conf": "http {\n  include conf.d/*.conf;\n}\n", ".nglint.toml": "max-files = 20\n"}
    for i in range(30):
        files[f"conf.d/s{i:02d}.conf"] = "# nothing\n"
    write_tree(tmp_path, files)
    outcome = lint(tmp_path, "nginx.conf")
    assert any("max-files limit of 20" in m for _, _, m in where(outcome, "P001")), outcome.findings


def test_discovering_more_than_max_files_is_a_clear_usage_error(tmp_path):
    files = {".nglint.toml": "max-files = 5\n"}
    for i in range(10):
        files[f"s{i}/nginx.conf"] = "events {}\n"
    write_tree(tmp_path, files)
    outcome = check_in_process(str(tmp_path))
    assert outcome.code == 2 and "max-files=5" in outcome.stderr and "Traceback" not in outcome.stderr


def test_max_include_depth_is_configurable(tmp_path):
    files = {"nginx.conf": "http { include c1.conf; }\n", ".nglint.toml": "max-include-depth = 3\n"}
    for i in range(1, 8):
        files[f"c{i}.conf"] = f"include c{i + 1}.conf;\n"
    files["c8.conf"] = "# end\n"
    write_tree(tmp_path, files)
    outcome = lint(tmp_path, "nginx.conf")
    assert any("max-include-depth 3" in m for _, _, m in where(outcome, "P002")), outcome.findings


def test_max_file_size_refuses_before_reading(tmp_path):
    path = tmp_path / "nginx.conf"
    with open(path, "wb") as handle:  # sparse 50 MB: refused by its size alone
        handle.write(b"http {")
        handle.truncate(50 * 1024 * 1024)
    result = check_measured(str(tmp_path), memory_cap_mb=1024)
    assert result.code == 1 and "Traceback" not in result.stderr, result.stderr
    assert "over the max-file-size limit" in result.stdout
    assert result.max_rss_mb < 150 and result.seconds < 20, (result.max_rss_mb, result.seconds)


def test_directory_named_x_conf(tmp_path):
    write_tree(tmp_path, {"nginx.conf": "http {\n  include x.conf;\n  include conf.d/*.conf;\n}\n", "conf.d/real.conf": UPSTREAM})
    (tmp_path / "x.conf").mkdir()
    (tmp_path / "conf.d" / "dir.conf").mkdir()
    outcome = lint(tmp_path)
    assert [(n, line, m) for n, line, m in where(outcome, "P002")] == [("nginx.conf", 2, "include 'x.conf' is a directory")]
    assert "P005" in outcome.rules()  # the glob skipped the directory and read real.conf


def test_directory_named_x_conf_on_the_command_line(tmp_path):
    (tmp_path / "x.conf").mkdir()
    lint(tmp_path, "x.conf")


def test_symlink_loops(tmp_path):
    write_tree(tmp_path, {"nginx.conf": "http {\n  include loop1;\n  include sub/*/*.conf;\n  include sub/self/self/self/a.conf;\n}\n", "sub/a.conf": UPSTREAM})
    os.symlink("loop2", tmp_path / "loop1")
    os.symlink("loop1", tmp_path / "loop2")
    os.symlink(".", tmp_path / "sub" / "self")
    outcome = lint(tmp_path)
    assert ("loop1", 1) in [(n, line) for n, line, _ in where(outcome, "P001")]


def test_fifo_is_never_opened(tmp_path):
    write_tree(tmp_path, {"nginx.conf": "http {\n  include pipe.conf;\n}\n"})
    os.mkfifo(tmp_path / "pipe.conf")
    os.mkfifo(tmp_path / "other.conf")
    outcome = lint(tmp_path)
    assert [(n, line) for n, line, m in where(outcome, "P001") if "regular file" in m] == [("pipe.conf", 1)]


def test_huge_numbers_are_not_internal_errors(tmp_path):
    write_tree(tmp_path, {"nginx.conf": "http {\n  upstream app { server 127.0.0.1:" + "9" * 5000 + "; keepalive " + "9" * 5000 + "; keepalive_timeout " + "9" * 100_000 + "s; }\n}\n"})
    lint(tmp_path)


# -- escaping the tree ---------------------------------------------------------------------------
@pytest.fixture
def escape(tmp_path):
    """tmp/tree is checked; tmp/outside/secret.txt and secret.conf must never be read."""
    root = tmp_path / "tree"
    secret = make_secret(tmp_path / "outside")
    (tmp_path / "outside" / "secret.conf").write_text(f"upstream {SECRET.replace('-', '_')} {{ server 10.0.0.1:80; keepalive 2; }}\n")
    root.mkdir()
    return root, secret


def test_dotdot_include_is_p002_and_not_read(escape):
    root, _ = escape
    write_tree(root, {"nginx.conf": "http {\n  include ../outside/secret.conf;\n  include ../outside/*.conf;\n  include ../outside/secret.txt;\n}\n"})
    outcome = lint(root)
    assert len([m for _, _, m in where(outcome, "P002") if "outside the checked tree" in m]) == 3
    assert SECRET not in all_formats_in_process(str(root)).replace("_", "-")


def test_symlink_include_out_of_tree_is_p002_and_not_read(escape):
    root, secret = escape
    write_tree(root, {"nginx.conf": "http {\n  include link.conf;\n  include linkdir/*.conf;\n}\n"})
    os.symlink(secret.parent / "secret.conf", root / "link.conf")
    os.symlink(secret.parent, root / "linkdir")
    outcome = lint(root)
    escapes = [(n, line) for n, line, m in where(outcome, "P002") if "outside the checked tree" in m]
    assert ("nginx.conf", 2) in escapes and ("nginx.conf", 3) in escapes, escapes
    assert SECRET not in all_formats_in_process(str(root)).replace("_", "-")


def test_symlinked_entry_file_out_of_tree_is_p002_and_not_read(escape):
    root, secret = escape
    os.symlink(secret.parent / "secret.conf", root / "nginx.conf")
    os.symlink(secret, root / "app.conf")
    outcome = lint(root)
    assert sorted(n for n, _, m in where(outcome, "P002") if "outside the checked tree" in m) == ["app.conf", "nginx.conf"]
    assert SECRET not in all_formats_in_process(str(root)).replace("_", "-")


def test_absolute_include_without_prefix_is_info_and_not_read(escape):
    root, secret = escape
    write_tree(root, {"nginx.conf": f"http {{\n  include {secret.parent / 'secret.conf'};\n  include /etc/nginx/mime.types;\n}}\n"})
    outcome = lint(root)
    assert outcome.code == 0
    assert len([m for _, _, m in where(outcome, "P002") if "map it with nginx-prefix" in m]) == 2
    assert SECRET not in all_formats_in_process(str(root)).replace("_", "-")


def test_absolute_include_with_nginx_prefix_is_read_inside_the_mapping(escape):
    root, _ = escape
    write_tree(
        root,
        {
            ".nglint.toml": '[nginx-prefix]\n"/etc/nginx" = "etc-nginx"\n',
            "etc-nginx/nginx.conf": "http {\n  include /etc/nginx/conf.d/*.conf;\n  include /etc/nginx/../../outside/secret.conf;\n}\n",
            "etc-nginx/conf.d/app.conf": UPSTREAM,
        },
    )
    outcome = lint(root)
    assert "P005" in outcome.rules()  # conf.d/app.conf was read through the mapping
    assert SECRET not in all_formats_in_process(str(root)).replace("_", "-")


# -- nginx -T dumps ---------------------------------------------------------------------------------
DUMP = """\
nginx: the configuration file /etc/nginx/nginx.conf syntax is ok
nginx: configuration file /etc/nginx/nginx.conf test is successful
# configuration file /etc/nginx/nginx.conf:
events {}
http {
    include /etc/nginx/conf.d/*.conf;
    include missing.conf;
    include loop.conf;
    include /etc/passwd;
}

# configuration file /etc/nginx/conf.d/app.conf:
upstream app { server 127.0.0.1:8080; keepalive 8; }
server { listen 80; location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; } }

# configuration file /etc/nginx/conf.d/broken.conf:
server {

# configuration file /etc/nginx/loop.conf:
include /etc/nginx/loop.conf;
"""
SERVER_XML = '<Server><Service name="s"><Connector port="8080" connectionTimeout="20000"/></Service></Server>\n'


@pytest.mark.parametrize("name", ["nginx-T.txt", "dump.conf"])
def test_nginx_T_dump_is_split_into_its_files_with_dump_line_numbers(tmp_path, name):
    """Includes resolve to files inside the dump (never the file system: /etc/passwd is
    'not in the dump'), and every finding points at its line in the dump."""
    write_tree(tmp_path, {name: DUMP, "conf/server.xml": SERVER_XML})
    outcome = lint(tmp_path, name, "conf/server.xml")
    got = sorted((rule, line) for rule in ("KA001", "P001", "P002") for _, line, _ in where(outcome, rule))
    # broken.conf ends inside its block: nginx reports the line after its last newline.
    assert got == [("KA001", 13), ("P001", 18), ("P002", 7), ("P002", 9), ("P002", 20)], outcome.findings
    assert any("/etc/nginx/conf.d/broken.conf" in m for _, _, m in where(outcome, "P001"))
    assert "root:" not in all_formats_in_process(str(tmp_path / name))


def test_dump_with_broken_preamble_is_an_ordinary_file(tmp_path):
    write_tree(tmp_path, {"dump.conf": "garbage first line\n" + DUMP})
    lint(tmp_path, "dump.conf")  # a P001 on 'garbage', never a crash


def test_dump_header_only(tmp_path):
    write_tree(tmp_path, {"dump.conf": "# configuration file /etc/nginx/nginx.conf:\n"})
    assert lint(tmp_path, "dump.conf").findings == []


# -- unreadable files -------------------------------------------------------------------------------
def _unprivileged(command: list[str]) -> list[str]:
    """Run `command` so that file permissions apply even when the tests run as root.

    root reads a mode-000 file through CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH; dropping
    those capabilities from the child (setpriv) keeps uid 0, so the test tree stays
    reachable, while the permission check becomes real."""
    if os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        if IN_CI:
            pytest.fail("setpriv (util-linux) is needed to test unreadable files as root")
        pytest.skip("running as root without setpriv: cannot make a file unreadable")
    return [setpriv, "--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search", "--", *command]


def test_unreadable_files_are_p001_and_p003(tmp_path):
    write_tree(
        tmp_path,
        {
            "nginx.conf": "http {\n  include secret.conf;\n}\n",
            "secret.conf": f"upstream {SECRET.replace('-', '_')} {{ server 10.0.0.1:80; keepalive 2; }}\n",
            "conf/server.xml": f'<Server><Service name="s"><Connector port="1" connectionTimeout="{SECRET}"/></Service></Server>\n',
        },
    )
    (tmp_path / "secret.conf").chmod(0)
    (tmp_path / "conf" / "server.xml").chmod(0)
    command = _unprivileged([sys.executable, "-m", "nglint", "check", str(tmp_path), "--format", "json"])
    proc = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert SECRET not in proc.stdout.replace("_", "-")
    assert "cannot read file: Permission denied" in proc.stdout
    import json

    rules = {(f["rule"], os.path.basename(f["path"])) for f in json.loads(proc.stdout)["findings"]}
    assert {("P001", "secret.conf"), ("P003", "server.xml")} <= rules


# -- size of the work and of the output ---------------------------------------------------------------
def test_thousands_of_locations_in_one_server_stay_linear(tmp_path):
    """Each proxy_pass looks up its server level; a scan per lookup was quadratic (minutes)."""
    n = 20_000
    text = "http { upstream u { server a:1; keepalive 1; } server {\n" + "location / { proxy_pass http://u; }\n" * n + "}}\n"
    write_tree(tmp_path, {"nginx.conf": text})
    outcome = lint(tmp_path)
    assert outcome.rules().count("KA003") == n
    assert outcome.seconds < 30, outcome.seconds


def test_sarif_for_one_long_line_with_many_findings_stays_small(tmp_path):
    """Snippets are capped: the whole line repeated per result made gigabytes."""
    import contextlib
    import io

    from nglint.cli import main

    n = 3000
    write_tree(tmp_path, {"nginx.conf": "http {" + "".join(f"upstream u{i} {{ server a:1; keepalive 1; }}" for i in range(n)) + "}"})
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["check", str(tmp_path), "--format", "sarif"]) == 0
    size = len(out.getvalue())
    assert size < 30 * 1024 * 1024, size  # about 1 KB per result, not the 130 KB line each time
    import json

    assert len(json.loads(out.getvalue())["runs"][0]["results"]) == n


@pytest.mark.parametrize("layout", ["files", "dump"])
def test_include_fan_out_is_bounded(tmp_path, layout):
    """'Billion laughs' with includes: each file includes the next ten times, eight deep
    (10^8 splices). Every file is parsed once, but expansion must stop at a budget."""
    if layout == "files":
        files = {f"f{i}.conf": f"include f{i + 1}.conf;\n" * 10 for i in range(8)}
        files["f8.conf"] = UPSTREAM
        files["nginx.conf"] = "http {\n  include f0.conf;\n}\n"
        write_tree(tmp_path, files)
        target = tmp_path / "nginx.conf"
    else:
        text = "# configuration file /etc/nginx/nginx.conf:\nhttp {\n  include f0.conf;\n}\n"
        for i in range(8):
            text += f"# configuration file /etc/nginx/f{i}.conf:\n" + f"include f{i + 1}.conf;\n" * 10
        text += "# configuration file /etc/nginx/f8.conf:\n" + UPSTREAM
        write_tree(tmp_path, {"dump.txt": text})
        target = tmp_path / "dump.txt"
    result = check_measured(str(target), memory_cap_mb=1536, timeout=120)
    assert result.code == 1 and "Traceback" not in result.stderr, result.stderr
    assert "not followed: the includes expand to more than" in result.stdout
    assert result.seconds < 60 and result.max_rss_mb < 400, (result.seconds, result.max_rss_mb)


def test_sniffing_many_pathological_conf_files_is_fast(tmp_path):
    """Discovery sniffs each *.conf; a regex retried from every line start across lines
    took minutes on a 64 KiB file of newlines."""
    files = {f"blank{i}.conf": b"\n" * 65536 for i in range(5)}
    files.update({f"servers{i}.conf": b"server\n" * 9000 for i in range(5)})
    write_tree(tmp_path, files)
    outcome = lint(tmp_path)
    assert outcome.seconds < 10, outcome.seconds


def test_sarif_columns_on_a_long_line_full_of_near_misses_are_fast(tmp_path):
    """Each result's column search and UTF-16 conversion ran over the whole line prefix
    (50k near-miss hits of the anchor first): 40 ms per result, hours for a 10 MB file."""
    import contextlib
    import io

    from nglint.cli import main

    n = 1000
    text = "http { server_name " + "xkeepalivex" * 50_000 + ";" + "".join(f"upstream u{i} {{ server a:1; keepalive 1; }}" for i in range(n)) + "}"
    write_tree(tmp_path, {"nginx.conf": text})
    import time

    start = time.monotonic()
    with contextlib.redirect_stdout(io.StringIO()):
        main(["check", str(tmp_path), "--format", "sarif"])
    assert time.monotonic() - start < 15


def test_include_with_a_nul_byte_is_p002_not_a_crash(tmp_path):
    """Found by the atheris harness: glob() raised ValueError on an embedded NUL."""
    from conftest import lint_paths

    files = {"nginx.conf": b"events {}\nhttp {\n  include co\x01\x00.d/*.conf;\n  include a\x00b.conf;\n}\n"}
    write_tree(tmp_path, files)
    report = lint_paths([str(tmp_path)], cwd=tmp_path, discover_config=False)
    assert [(f.rule, f.line) for f in report.findings] == [("P002", 3), ("P002", 4)]
