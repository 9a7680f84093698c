"""The fix engine on purpose-built trees: values, safety, layout, includes, failure paths.

Every failure path must leave the file byte-identical; every success must keep the
file's own line endings, indentation and untouched bytes.
"""

import json
import os
import stat
from pathlib import Path

import pytest

from conftest import lint_paths, run_cli, write_tree
from fix_helpers import check_patch, nginx_t, nglint_bytes, snapshot

SERVER_XML = """<?xml version="1.0" encoding="UTF-8"?>
<Server port="8005" shutdown="SHUTDOWN">
  <Service name="Catalina">
    <Connector port="{port}" protocol="HTTP/1.1" connectionTimeout="{timeout}" />
  </Service>
</Server>
"""


def race_conf(eol: str = "\n", indent: str = "    ", port: int = 8080) -> bytes:
    """A pooled upstream proxied correctly, its timeout left at nginx's 60s (KA001 when linked)."""
    lines = [
        "events {}",
        "http {",
        f"{indent}upstream app {{",
        f"{indent * 2}server 127.0.0.1:{port};",
        f"{indent * 2}keepalive 8;",
        f"{indent}}}",
        f"{indent}server {{",
        f"{indent * 2}listen 8000;",
        f"{indent * 2}location / {{",
        f"{indent * 3}proxy_pass http://app;",
        f"{indent * 3}proxy_http_version 1.1;",
        f'{indent * 3}proxy_set_header Connection "";',
        f"{indent * 2}}}",
        f"{indent}}}",
        "}",
    ]
    return (eol.join(lines) + eol).encode()


def race_tree(tmp_path: Path, timeout_ms: int = 20000, conf: bytes | None = None) -> Path:
    write_tree(tmp_path, {
        "nginx/nginx.conf": conf if conf is not None else race_conf(),
        "tomcat/conf/server.xml": SERVER_XML.format(port=8080, timeout=timeout_ms),
    })
    return tmp_path / "nginx" / "nginx.conf"


def findings(tmp_path: Path, rule: str, **settings):
    report = lint_paths([str(tmp_path)], cwd=tmp_path, **settings)
    return report, [f for f in report.findings if f.rule == rule]


# -- suggested values ---------------------------------------------------------------------


@pytest.mark.parametrize("timeout_ms, seconds", [(20000, 18), (5000, 4), (2000, 1), (65000, 58)])
def test_ka001_suggests_the_largest_whole_second_within_the_margin(tmp_path, timeout_ms, seconds):
    if timeout_ms > 60000:
        conf = race_conf().replace(b"keepalive 8;", b"keepalive 8;\n        keepalive_timeout 90s;")
    else:
        conf = None
    race_tree(tmp_path, timeout_ms, conf)
    _, (finding,) = findings(tmp_path, "KA001")
    (edit,) = finding.fix.edits
    assert edit.text.lstrip().startswith(f"keepalive_timeout {seconds}s;")
    assert finding.fix.safety == "safe"


def test_ka001_without_a_positive_value_offers_no_fix_and_says_why(tmp_path):
    race_tree(tmp_path, 1000)
    report, (finding,) = findings(tmp_path, "KA001")
    assert finding.fix is None
    assert "no whole-second keepalive_timeout fits the margin" in finding.message
    payload = json.loads(run_cli("check", ".", "--format", "json", cwd=tmp_path).stdout)
    assert [f["fix"] for f in payload["findings"] if f["rule"] == "KA001"] == [None]


def test_ka002_fix_is_display_only_with_an_unknown_or_no_backend(tmp_path):
    """KA002 fires only where no backend timeout is known: there is no value to choose."""
    linked = tmp_path / "linked"
    race_tree(linked, 120000)
    assert findings(linked, "KA002")[1] == []  # Tomcat keeps connections longer: nothing to tune
    unknown = tmp_path / "unknown"
    write_tree(unknown, {"nginx/nginx.conf": race_conf(),
                         "tomcat/conf/server.xml": SERVER_XML.format(port=8080, timeout="${idle}")})
    _, (finding,) = findings(unknown, "KA002")
    assert finding.fix.safety == "display"
    assert finding.fix.edits[0].text.strip().startswith("keepalive_timeout 60s;  # nginx's default made explicit")

    alone = tmp_path / "alone"
    write_tree(alone, {"nginx.conf": race_conf()})
    before = snapshot(alone)
    payload = json.loads(run_cli("check", ".", "--format", "json", cwd=alone).stdout)
    (ka002,) = [f for f in payload["findings"] if f["rule"] == "KA002"]
    assert ka002["fix"]["safety"] == "display"
    assert ka002["fix"]["edits"][0]["text"].startswith("        keepalive_timeout 60s;  # nginx's default made explicit")
    result = run_cli("check", "--fix", "--unsafe-fixes", ".", cwd=alone)
    assert result.returncode == 1 and snapshot(alone) == before
    assert nglint_bytes("check", "--diff", "--unsafe-fixes", ".", cwd=alone).stdout == b""


def test_hc001_fix_is_display_only(tmp_path):
    write_tree(tmp_path, {"nginx.conf": """
        events {}
        http {
            upstream app {
                server 127.0.0.1:8080;
                check interval=3000 rise=2 fall=5 timeout=1000 type=tcp;
            }
        }
        """})
    before = snapshot(tmp_path)
    payload = json.loads(run_cli("check", ".", "--format", "json", cwd=tmp_path).stdout)
    (hc001,) = [f for f in payload["findings"] if f["rule"] == "HC001"]
    assert hc001["fix"]["safety"] == "display"
    (edit,) = hc001["fix"]["edits"]
    assert edit["start"] == {"line": 5, "column": 9} and edit["end"] == {"line": 5, "column": 65}
    assert edit["text"] == (
        "check interval=3000 rise=2 fall=5 timeout=1000 type=http;\n"
        "        check_keepalive_requests 1;\n"
        '        check_http_send "HEAD / HTTP/1.0\\r\\n\\r\\n";\n'
        "        check_http_expect_alive http_2xx http_3xx;"
    )
    run_cli("check", "--fix", "--unsafe-fixes", ".", cwd=tmp_path)
    assert snapshot(tmp_path) == before


# -- layout: line endings, indentation, encodings --------------------------------------------


def _fix_and_read(tmp_path: Path, *flags: str) -> bytes:
    result = run_cli("check", "--fix", *flags, ".", cwd=tmp_path)
    assert "fix not applied" not in result.stderr, result.stderr
    return (tmp_path / "nginx" / "nginx.conf").read_bytes()


def test_crlf_file_keeps_crlf_and_its_diff_applies(tmp_path):
    conf = race_tree(tmp_path, conf=race_conf(eol="\r\n"))
    original = conf.read_bytes()
    diff = nglint_bytes("check", "--diff", ".", cwd=tmp_path)
    assert b"+        keepalive_timeout 18s;  # Tomcat HTTP Connector port 8080 closes idle connections after 20s\r\n" in diff.stdout
    check_patch(diff.stdout, tmp_path)
    fixed = _fix_and_read(tmp_path)
    inserted = b"        keepalive_timeout 18s;  # Tomcat HTTP Connector port 8080 closes idle connections after 20s\r\n"
    assert fixed == original.replace(b"keepalive 8;\r\n", b"keepalive 8;\r\n" + inserted)
    assert fixed.count(b"\n") == fixed.count(b"\r\n")


@pytest.mark.parametrize("indent", ["\t", "  ", "   "])
def test_indentation_follows_the_file(tmp_path, indent):
    conf = race_tree(tmp_path, conf=race_conf(indent=indent))
    original = conf.read_bytes()
    fixed = _fix_and_read(tmp_path)
    line = f"{indent * 2}keepalive_timeout 18s;".encode()
    assert fixed.replace(line + b"  # Tomcat HTTP Connector port 8080 closes idle connections after 20s\n", b"") == original


def test_a_bom_file_is_p001_and_never_fixed(tmp_path):
    """nginx cannot load a file that starts with a byte order mark, so neither is it patched."""
    conf = b"\xef\xbb\xbf# caf\xe9 au lait\n" + race_conf()
    path = race_tree(tmp_path, conf=conf)
    result = run_cli("check", "--fix", ".", cwd=tmp_path)
    assert "P001" in result.stdout
    assert path.read_bytes() == conf


def test_other_bytes_survive_latin1_comments_and_no_final_newline(tmp_path):
    conf = b"# caf\xe9 au lait\n" + race_conf().rstrip(b"\n")
    path = race_tree(tmp_path, conf=conf)
    fixed = _fix_and_read(tmp_path)
    assert fixed.startswith(b"# caf\xe9 au lait\n")
    assert not fixed.endswith(b"\n")
    assert fixed.replace(b"        keepalive_timeout 18s;  # Tomcat HTTP Connector port 8080 closes idle connections after 20s\n", b"") == conf
    assert path.read_bytes() == fixed


def test_one_line_upstream_gets_an_inline_directive_without_comment(tmp_path):
    conf = race_conf().replace(
        b"    upstream app {\n        server 127.0.0.1:8080;\n        keepalive 8;\n    }",
        b"    upstream app { server 127.0.0.1:8080; keepalive 8; }",
    )
    race_tree(tmp_path, conf=conf)
    fixed = _fix_and_read(tmp_path)
    assert b"    upstream app { server 127.0.0.1:8080; keepalive 8; keepalive_timeout 18s; }\n" in fixed


def test_existing_timeout_is_replaced_in_place_keeping_its_comment(tmp_path):
    conf = race_conf().replace(b"keepalive 8;", b"keepalive 8;\n        keepalive_timeout 45s;  # tuned in 2019")
    race_tree(tmp_path, conf=conf)
    fixed = _fix_and_read(tmp_path)
    assert fixed == conf.replace(b"keepalive_timeout 45s;", b"keepalive_timeout 18s;")


# -- placement across files and blocks ------------------------------------------------------


def test_fix_lands_in_the_included_file_that_holds_the_block(tmp_path):
    write_tree(tmp_path, {
        "nginx/nginx.conf": """
            events {}
            http {
                include upstreams/*.conf;
                server {
                    listen 8000;
                    location / {
                        include snippets/proxy.conf;
                        proxy_pass http://app;
                    }
                }
            }
            """,
        "nginx/upstreams/app.conf": "upstream app {\n  server 127.0.0.1:8080;\n  keepalive 8;\n}\n",
        "nginx/snippets/proxy.conf": 'proxy_http_version 1.1;\nproxy_set_header Connection "";\n',
        "tomcat/conf/server.xml": SERVER_XML.format(port=8080, timeout=20000),
    })
    before = snapshot(tmp_path)
    run_cli("check", "--fix", ".", cwd=tmp_path)
    after = snapshot(tmp_path)
    changed = {path for path in before if before[path] != after[path]}
    assert changed == {"nginx/upstreams/app.conf"}
    assert after["nginx/upstreams/app.conf"] == (
        b"upstream app {\n  server 127.0.0.1:8080;\n  keepalive 8;\n"
        b"  keepalive_timeout 18s;  # Tomcat HTTP Connector port 8080 closes idle connections after 20s\n}\n"
    )
    assert nginx_t(tmp_path / "nginx", tmp_path / "t").returncode == 0


def test_header_fix_goes_into_the_location_not_the_shared_snippet(tmp_path):
    """KA004 where the location's own headers come from a snippet other blocks include too."""
    write_tree(tmp_path, {
        "nginx.conf": """
            events {}
            http {
                upstream app { server 127.0.0.1:8080; keepalive 8; keepalive_timeout 5s; }
                server {
                    listen 8000;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    location / {
                        include headers.conf;
                        proxy_pass http://app;
                    }
                }
            }
            """,
        "headers.conf": "proxy_set_header Host $host;\n",
    })
    run_cli("check", "--fix", ".", cwd=tmp_path)
    assert (tmp_path / "headers.conf").read_text() == "proxy_set_header Host $host;\n"
    assert '        proxy_pass http://app;\n            proxy_set_header Connection "";\n        }' in (tmp_path / "nginx.conf").read_text()
    assert nginx_t(tmp_path, tmp_path / "t").returncode == 0
    assert run_cli("check", ".", "--select", "KA", cwd=tmp_path).returncode == 0


def test_two_fixes_in_the_same_block_apply_in_one_run(tmp_path):
    """KA003 (HTTP version) and KA004 (dropped Connection) both edit one location."""
    write_tree(tmp_path, {"nginx.conf": """
        events {}
        http {
            upstream app {
                server 127.0.0.1:8080;
                keepalive 8;
                keepalive_timeout 5s;
            }
            server {
                listen 8000;
                proxy_set_header Connection "";
                location / {
                    proxy_pass http://app;
                    proxy_set_header Host $host;
                }
            }
        }
        """})
    report, _ = findings(tmp_path, "KA003")
    assert sorted(f.rule for f in report.findings if f.rule != "P005") == ["KA003", "KA004"]
    result = run_cli("check", "--fix", "--unsafe-fixes", ".", cwd=tmp_path)
    assert "Applied 2 fix(es) to 1 file" in result.stderr
    assert (tmp_path / "nginx.conf").read_text().split("location / {\n")[1] == (
        "            proxy_pass http://app;\n"
        "            proxy_http_version 1.1;\n"
        "            proxy_set_header Host $host;\n"
        '            proxy_set_header Connection "";\n'
        "        }\n    }\n}\n"
    )
    assert nginx_t(tmp_path, tmp_path / "t").returncode == 0
    assert result.returncode == 0


def test_fixes_adding_the_same_directive_to_one_block_reach_a_fixpoint(tmp_path):
    """Two proxy_pass sites share a location: applying both KA003 fixes at once would
    write proxy_http_version twice (nginx: duplicate). One pass fixes one, the re-lint
    finds the other site fixed too."""
    write_tree(tmp_path, {"nginx.conf": """
        events {}
        http {
            upstream app { server 127.0.0.1:8080; keepalive 8; keepalive_timeout 5s; }
            server {
                listen 8000;
                location / {
                    proxy_pass http://app;
                    if ($arg_beta) {
                        proxy_pass http://app;
                    }
                }
            }
        }
        """})
    report, ka003 = findings(tmp_path, "KA003")
    assert len(ka003) == 2
    from nglint.fixer.apply import choose

    chosen, deferred = choose([(f, f.fix) for f in ka003])
    assert (len(chosen), len(deferred)) == (1, 1)
    run_cli("check", "--fix", "--unsafe-fixes", ".", cwd=tmp_path)
    text = (tmp_path / "nginx.conf").read_text()
    assert text.count("proxy_http_version 1.1;") == 1 and text.count('proxy_set_header Connection "";') == 1
    assert nginx_t(tmp_path, tmp_path / "t").returncode == 0
    assert run_cli("check", ".", "--select", "KA", cwd=tmp_path).returncode == 0


def test_ka003_copies_inherited_headers_so_none_is_dropped(tmp_path):
    write_tree(tmp_path, {"nginx.conf": """
        events {}
        http {
            upstream app { server 127.0.0.1:8080; keepalive 8; keepalive_timeout 5s; }
            server {
                listen 8000;
                proxy_set_header Host $host;
                proxy_set_header X-Real-IP "$remote_addr";
                location / {
                    proxy_http_version 1.0;
                    proxy_pass http://app;
                }
            }
        }
        """})
    run_cli("check", "--fix", "--unsafe-fixes", ".", cwd=tmp_path)
    assert (tmp_path / "nginx.conf").read_text().split("location / {\n")[1] == (
        "            proxy_http_version 1.1;\n"
        "            proxy_pass http://app;\n"
        "            proxy_set_header Host $host;\n"
        '            proxy_set_header X-Real-IP "$remote_addr";\n'
        '            proxy_set_header Connection "";\n'
        "        }\n    }\n}\n"
    )
    assert nginx_t(tmp_path, tmp_path / "t").returncode == 0


# -- failure paths: the file stays byte-identical --------------------------------------------


def test_read_only_file_is_refused_and_untouched(tmp_path):
    conf = race_tree(tmp_path)
    original = conf.read_bytes()
    conf.chmod(0o444)
    try:
        result = run_cli("check", "--fix", ".", cwd=tmp_path)
        assert result.returncode == 1
        assert "read-only; not rewritten" in result.stderr
        assert conf.read_bytes() == original
        assert stat.S_IMODE(conf.stat().st_mode) == 0o444
    finally:
        conf.chmod(0o644)


def test_write_keeps_mode_and_leaves_no_temporary_file(tmp_path):
    conf = race_tree(tmp_path)
    conf.chmod(0o640)
    run_cli("check", "--fix", ".", cwd=tmp_path)
    assert stat.S_IMODE(conf.stat().st_mode) == 0o640
    assert sorted(os.listdir(conf.parent)) == ["nginx.conf"]
    assert b"keepalive_timeout 18s;" in conf.read_bytes()


def test_symlinked_file_is_fixed_through_the_link(tmp_path):
    race_tree(tmp_path / "tree", conf=b"")
    real = tmp_path / "tree" / "shared" / "real.conf"  # inside the checked tree
    real.parent.mkdir()
    real.write_bytes(race_conf())
    link = tmp_path / "tree" / "nginx" / "nginx.conf"
    link.unlink()
    link.symlink_to(real)
    run_cli("check", "--fix", ".", cwd=tmp_path / "tree")
    assert link.is_symlink()
    assert b"keepalive_timeout 18s;" in real.read_bytes()


def test_symlink_out_of_the_tree_is_neither_read_nor_fixed(tmp_path):
    """A pull request must not make `--fix` write outside the checkout (SECURITY.md)."""
    real = tmp_path / "real.conf"
    real.write_bytes(race_conf())
    race_tree(tmp_path / "tree", conf=b"")
    link = tmp_path / "tree" / "nginx" / "nginx.conf"
    link.unlink()
    link.symlink_to(real)
    result = run_cli("check", "--fix", ".", cwd=tmp_path / "tree")
    assert "outside the checked tree" in result.stdout
    assert real.read_bytes() == race_conf()


def _relint(tmp_path):
    return lambda: lint_paths([str(tmp_path)], cwd=tmp_path)


def test_file_modified_between_read_and_write_is_refused(tmp_path):
    from nglint.fixer.apply import fix_project

    conf = race_tree(tmp_path)
    report = lint_paths([str(tmp_path)], cwd=tmp_path)
    assert [f.rule for f in report.findings if f.fix] == ["KA001"]
    changed = conf.read_bytes() + b"# edited by someone else meanwhile\n"
    conf.write_bytes(changed)  # after nglint read it, before it writes
    outcome = fix_project(_relint(tmp_path), report)
    assert conf.read_bytes() == changed
    assert [f.reason for f in outcome.failures] == [f"{conf} changed since it was read; not rewritten"]
    assert not outcome.applied and [f.rule for f in outcome.report.findings] == ["KA001"]


def test_write_refuses_content_changed_after_planning(tmp_path):
    from nglint.fixer.apply import WriteRefused, write_atomic
    from nglint.fixer.model import digest

    path = tmp_path / "f.conf"
    path.write_bytes(b"a;\n")
    expected = digest(b"a;\n")
    path.write_bytes(b"b;\n")
    with pytest.raises(WriteRefused, match="changed since it was read"):
        write_atomic(str(path), b"c;\n", expected)
    assert path.read_bytes() == b"b;\n" and os.listdir(tmp_path) == ["f.conf"]


@pytest.mark.parametrize("text, reason", [
    ("        keepalive_timeout 18s\n", "not applied: the fixed file would not parse"),
    ("        keepalive_timeout 18s; }\n", "not applied: the fixed file would not parse"),
    ("        keepalive_timeout '18s;\n", "not applied: the fixed file would not parse"),
    ("        keepalive_timeout 59s;\n", "KA001 is still reported"),
    ("        keepalive_timeout ${IDLE};\n", "would add P004"),
])
def test_bad_fix_result_is_rolled_back_byte_identical(tmp_path, text, reason):
    """A fix whose result does not parse, keeps its finding, or adds one, is undone."""
    from nglint.fixer.apply import fix_project
    from nglint.records import replace

    conf = race_tree(tmp_path)
    original = conf.read_bytes()
    report = lint_paths([str(tmp_path)], cwd=tmp_path)
    (finding,) = [f for f in report.findings if f.fix]
    finding.fix.edits[0] = replace(finding.fix.edits[0], text=text)
    outcome = fix_project(_relint(tmp_path), report)
    assert conf.read_bytes() == original
    assert not outcome.applied
    (failure,) = outcome.failures
    assert reason in failure.reason
    assert sorted(os.listdir(conf.parent)) == ["nginx.conf"]


# -- determinism and packaging --------------------------------------------------------------


def test_choose_is_deterministic_and_rejects_touching_edits():
    from nglint.findings import Finding, Location, Severity
    from nglint.fixer.apply import choose
    from nglint.fixer.model import Edit, Fix

    def item(rule, start, end, text="x"):
        finding = Finding(rule, Severity.WARNING, rule, Location("/f", 1))
        return finding, Fix(rule, "safe", rule, [Edit("/f", start, end, text)], {"/f": "0"})

    items = [item("KA001", 10, 10), item("KA004", 10, 10), item("KA003", 5, 12), item("KA002", 20, 25), item("KA005", 25, 25)]
    for order in (items, list(reversed(items))):
        chosen, deferred = choose(order)
        assert [f.rule for f, _ in chosen] == ["KA003", "KA002"]
        assert sorted(f.rule for f, _ in deferred) == ["KA001", "KA004", "KA005"]


def test_templates_are_found_through_importlib_resources():
    from nglint.fixer.render import template_names

    assert template_names() == ["hc001.j2", "ka001.j2", "ka001_k8s.j2", "ka002.j2", "ka003.j2", "ka004.j2", "ka005.j2",
                                "lb001.j2", "lb002.j2", "ws001.j2", "ws001_headers.j2"]


def test_each_template_sits_beside_its_rule_under_a_unique_name():
    """Fix code names a template without its family, so a name must mean one file, and
    the rule that owns it (its code prefix) lives in the same package."""
    from pathlib import Path

    from nglint.registry import BUILTIN_CHECKS

    checks = Path(__file__).resolve().parent.parent / "checks"
    templates = sorted(checks.rglob("*.j2"))
    names = [path.name for path in templates]
    assert len(names) == len(set(names)) and templates
    modules = {name.rsplit(".", 1)[1].split("_", 1)[0]: name.split(".")[2] for name in BUILTIN_CHECKS}
    for path in templates:
        assert modules[path.stem.split("_", 1)[0]] == path.parent.name, path


def test_ka003_leaves_an_explicit_connection_header_alone(tmp_path):
    """`Connection "upgrade"` is a WebSocket location: clearing it would break it."""
    write_tree(tmp_path, {"nginx.conf": """
        events {}
        http {
            upstream app { server 127.0.0.1:8080; keepalive 8; keepalive_timeout 5s; }
            server {
                listen 8000;
                location /ws/ {
                    proxy_pass http://app;
                    proxy_http_version 1.1;
                    proxy_set_header Upgrade $http_upgrade;
                    proxy_set_header Connection "upgrade";
                }
            }
        }
        """})
    _, (finding,) = findings(tmp_path, "KA003")
    assert finding.fix is None
    assert nglint_bytes("check", "--diff", "--unsafe-fixes", ".", cwd=tmp_path).stdout == b""


def test_ka003_fix_may_reveal_ka002_and_is_kept(tmp_path):
    """Once the pool is used, its untuned timeout matters (KA002): a consequence of the
    fix, reported afterwards, not a reason to roll it back."""
    write_tree(tmp_path, {"nginx.conf": """
        events {}
        http {
            upstream app { server 127.0.0.1:8080; keepalive 8; }
            server {
                listen 8000;
                location / {
                    proxy_pass http://app;
                }
            }
        }
        """})
    result = run_cli("check", "--fix", "--unsafe-fixes", "--format", "json", ".", cwd=tmp_path)
    assert "fix not applied" not in result.stderr
    rules = sorted(f["rule"] for f in json.loads(result.stdout)["findings"])
    assert rules == ["KA002", "P005"] and result.returncode == 1
    assert nginx_t(tmp_path, tmp_path / "t").returncode == 0


def test_wheel_ships_the_templates(tmp_path):
    """Build the wheel from a copy of the tracked sources (offline, no isolation)."""
    import subprocess
    import sys
    import zipfile

    try:
        import wheel  # noqa: F401  (setuptools < 70.1 needs it for bdist_wheel)
    except ImportError:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("the `wheel` package is missing: the [test] extra installs it")
        pytest.skip("the `wheel` package is not installed")
    from conftest import PROJECT_ROOT

    files = subprocess.run(["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True)
    if files.returncode != 0:
        pytest.skip("not a git checkout")
    source = tmp_path / "src"
    for rel in files.stdout.splitlines():
        if (PROJECT_ROOT / rel).is_file():
            (source / rel).parent.mkdir(parents=True, exist_ok=True)
            (source / rel).write_bytes((PROJECT_ROOT / rel).read_bytes())
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "--no-index", "-q", "-w",
         str(tmp_path / "dist"), str(source)],
        capture_output=True, text=True, timeout=300,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (built,) = (tmp_path / "dist").glob("nglint-*.whl")
    names = set(zipfile.ZipFile(built).namelist())
    templates = {"health/hc001.j2", "keepalive/ka001.j2", "keepalive/ka001_k8s.j2", "keepalive/ka002.j2", "front/lb002.j2",
                 "websocket/ws001_headers.j2"}
    assert {f"nglint/checks/{name}" for name in templates} <= names
    assert "nglint/fixer/apply.py" in names


def test_cli_fix_and_diff_are_exclusive_and_a_clean_tree_has_no_diff(tmp_path):
    import shutil

    from conftest import PROJECT_ROOT

    shutil.copytree(PROJECT_ROOT / "samples" / "02-tomcat-race-fixed", tmp_path, dirs_exist_ok=True)
    both = run_cli("check", "--fix", "--diff", ".", cwd=tmp_path)
    assert both.returncode == 2 and "not allowed with" in both.stderr
    clean = nglint_bytes("check", "--diff", ".", cwd=tmp_path)
    assert clean.returncode == 0 and clean.stdout == b""
