"""The real CLI in a subprocess: output formats, exit codes, options, rule docs."""

import json
import os

from conftest import PROJECT_ROOT, run_cli, write_tree

SAMPLES = PROJECT_ROOT / "samples"


def test_text_output_format_and_exit_1_on_findings():
    result = run_cli("check", "samples/01-tomcat-race", cwd=PROJECT_ROOT)
    assert result.returncode == 1, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith("samples/01-tomcat-race/nginx/nginx.conf:9:9: KA001 ")
    assert "\033[" not in result.stdout  # no colour when not a TTY
    assert result.stdout.rstrip().endswith("in 2 files checked.")


def test_clean_samples_exit_0():
    for sample in ("02-tomcat-race-fixed", "06-clean"):
        result = run_cli("check", f"samples/{sample}", cwd=PROJECT_ROOT)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.startswith("All checks passed")


def test_json_output_shape_relative_posix_paths_sorted():
    result = run_cli("check", "samples", "--format", "json", cwd=PROJECT_ROOT)
    assert result.returncode == 1
    payload = json.loads(result.stdout)
    assert set(payload) == {"findings", "summary"}
    keys = {"rule", "severity", "message", "path", "line", "column", "related"}
    for finding in payload["findings"]:
        assert keys <= set(finding)
        assert not os.path.isabs(finding["path"]) and "\\" not in finding["path"]
    order = [(f["path"], f["line"]) for f in payload["findings"]]
    assert order == sorted(order)
    ka001 = [f for f in payload["findings"] if f["rule"] == "KA001" and not f["path"].startswith("samples/k8s/")]
    assert {f["path"] for f in ka001} == {
        "samples/01-tomcat-race/nginx/nginx.conf",
        "samples/05-split-includes/nginx/conf.d/upstreams.conf",
        "samples/e2e-race/nginx/nginx.conf",
        "samples/fixes/KA001/before/nginx/conf.d/upstreams.conf",
        "samples/20-gunicorn-race/nginx/nginx.conf",
        "samples/22-node-race/nginx/nginx.conf",
        "samples/24-spring-race/nginx/nginx.conf",
        "samples/e2e-gunicorn/nginx/nginx.conf",
        "samples/e2e-node/nginx/nginx.conf",
        "samples/e2e-uwsgi/nginx/nginx.conf",
        "samples/32-uwsgi-race/nginx/nginx.conf",
        "samples/34-systemd-gunicorn-race/nginx/nginx.conf",
        "samples/36-alpine-nginx-package-race/nginx/nginx.conf",
        "samples/38-iis-race/nginx/nginx.conf",
        "samples/28-jinja-gunicorn-race/roles/web/templates/nginx.conf.j2",
    }
    assert ka001[0]["related"][0]["path"].endswith("server.xml")
    # KA001 in samples/k8s; LB001 (07, 16, fixes/LB001), WS001 (11, fixes/WS001); KA001 in 20, 22, 24, e2e-gunicorn,
    # e2e-node; KA001 in 32 (uWSGI), 34 (systemd), 36 (packaged nginx), 38 (IIS); KA001 in 28 (a Jinja2
    # template), LB001 in 30 (HAProxy); KA001 in e2e-uwsgi, LB001 in e2e-haproxy
    assert payload["summary"]["errors"] == 4 + 3 + 5 + 3 + 2 + 4 + 2 + 2


def test_info_findings_alone_exit_0(tmp_path):
    write_tree(tmp_path, {"nginx.conf": "events {}\nhttp {\n  include /etc/nginx/mime.types;\n}\n"})
    result = run_cli("check", str(tmp_path), "--format", "json")
    payload = json.loads(result.stdout)
    assert [f["severity"] for f in payload["findings"]] == ["info"]
    assert result.returncode == 0


def test_select_and_ignore_with_prefixes():
    result = run_cli("check", "samples", "--select", "KA", "--ignore", "KA001,KA004", "--format", "json", cwd=PROJECT_ROOT)
    rules = {f["rule"] for f in json.loads(result.stdout)["findings"]}
    assert rules == {"KA003", "KA005"}


def test_nginx_version_option_changes_defaults(tmp_path):
    write_tree(tmp_path, {
        "nginx.conf": "events {}\nhttp {\n  upstream app { server 127.0.0.1:8080; }\n}\n",
        "server.xml": '<Server><Connector port="8080" connectionTimeout="20000"/></Server>',
    })
    unpinned = json.loads(run_cli("check", str(tmp_path), "--format", "json").stdout)
    pinned = json.loads(run_cli("check", str(tmp_path), "--format", "json", "--nginx-version", "1.30").stdout)
    assert [f["rule"] for f in unpinned["findings"]] == ["KA005"]
    assert [f["rule"] for f in pinned["findings"]] == ["KA001"]


def test_config_file_from_checked_path_upwards_and_override(tmp_path):
    write_tree(tmp_path, {
        "pyproject.toml": '[tool.nglint]\nignore = ["KA001"]\n',
        "conf/nginx.conf": "events {}\nhttp {\n  upstream app { server 127.0.0.1:8080; keepalive 2; }\n}\n",
        "conf/server.xml": '<Server><Connector port="8080" connectionTimeout="20000"/></Server>',
        "strict.toml": 'select = ["KA001"]\n',
    })
    found_default = json.loads(run_cli("check", str(tmp_path / "conf"), "--format", "json").stdout)
    assert "KA001" not in {f["rule"] for f in found_default["findings"]}
    found_override = json.loads(run_cli("check", str(tmp_path / "conf"), "--format", "json", "--config", str(tmp_path / "strict.toml")).stdout)
    assert {f["rule"] for f in found_override["findings"]} == {"KA001"}


def test_usage_errors_exit_2():
    assert run_cli("check", "does/not/exist").returncode == 2
    assert run_cli("check", "--format", "yaml", "samples", cwd=PROJECT_ROOT).returncode == 2
    bad_select = run_cli("check", "samples", "--select", "ZZ9", cwd=PROJECT_ROOT)
    assert bad_select.returncode == 2 and "ZZ9" in bad_select.stderr
    assert run_cli("check", "samples", "--nginx-version", "one", cwd=PROJECT_ROOT).returncode == 2
    assert run_cli("rule", "XX999").returncode == 2


def test_bad_config_key_exit_2_names_file_and_key(tmp_path):
    write_tree(tmp_path, {".nglint.toml": 'margn = "10%"\n', "nginx.conf": "events {}\n"})
    result = run_cli("check", str(tmp_path))
    assert result.returncode == 2
    assert ".nglint.toml" in result.stderr and "'margn'" in result.stderr and "margin" in result.stderr


def test_rules_and_rule_doc():
    listing = run_cli("rules")
    assert listing.returncode == 0
    codes = [line.split()[0] for line in listing.stdout.splitlines()]
    assert codes[:2] == ["HC001", "KA001"] and {"KA005", "P005"} <= set(codes)
    doc = run_cli("rule", "ka001")
    assert doc.returncode == 0
    assert "Why is this bad?" in doc.stdout and "keepalive_timeout 18s" in doc.stdout


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0 and result.stdout.startswith("nglint ")


def test_no_paths_defaults_to_current_directory(tmp_path):
    write_tree(tmp_path, {"nginx.conf": "events {}\nhttp {\n  include nope.conf;\n}\n"})
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout.startswith("nginx.conf:3:3: P002 ")


def test_a_command_imports_only_its_own_module(tmp_path):
    """`nglint check` (a pre-commit hook) loads nglint.commands.check and nothing of the
    other commands; `nglint --help` still lists every command with its help."""
    import subprocess
    import sys

    write_tree(tmp_path, {"nginx.conf": "events {}\nhttp {}\n"})
    code = (
        "import sys\nfrom nglint.cli import main\n"
        "code = main(['check', '--quiet', 'nginx.conf'])\n"
        "print(code, sorted(m for m in sys.modules if m.startswith('nglint.commands.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "0 ['nglint.commands.check']", done.stderr
    listing = run_cli("--help", cwd=tmp_path)
    assert listing.returncode == 0
    for command in ("check", "init", "explain", "topology", "rules", "rule"):
        assert f"    {command} " in listing.stdout


def test_a_mistyped_option_is_matched_against_its_own_command():
    """`--untill` is close to explain's `--until`, but `check` has no such option to suggest."""
    result = run_cli("check", "samples", "--untill", "x", cwd=PROJECT_ROOT)
    assert result.returncode == 2 and "did you mean" not in result.stderr
    result = run_cli("explain", "x.log", "--untill", "x", cwd=PROJECT_ROOT)
    assert result.returncode == 2 and "did you mean '--until'?" in result.stderr
