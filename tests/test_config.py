"""Configuration: where it is found, which source wins, every key, and errors (exit 2)."""

import json

import pytest

from conftest import found, lint_paths, run_cli, write_tree

TOMCAT = '<Server><Service>\n<Connector port="{port}" connectionTimeout="{timeout}"/>\n</Service></Server>\n'
POOL = "events {}\nhttp {\n  upstream app {\n    server 127.0.0.1:8080;\n    keepalive 4;\n    keepalive_timeout 19s;\n  }\n}\n"


def _json(result) -> dict:
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def _rules(result) -> list[str]:
    return [f["rule"] for f in _json(result)["findings"]]


def _settings(tmp_path, *args) -> dict[str, tuple[str, str]]:
    """--show-settings as {key: (value, origin)}."""
    result = run_cli("check", *args, "--show-settings", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = {}
    for line in result.stdout.splitlines():
        if " = " in line and "    # " in line:
            key, rest = line.split(" = ", 1)
            value, origin = rest.rsplit("    # ", 1)
            rows[key.strip()] = (value.strip(), origin.strip())
    return rows


# -- discovery and precedence ---------------------------------------------------------------
def test_nglint_toml_wins_over_pyproject_in_the_same_directory(tmp_path):
    write_tree(tmp_path, {
        "pyproject.toml": '[tool.nglint]\nignore = ["KA002"]\n',
        ".nglint.toml": 'ignore = ["KA003"]\n',
        "nginx.conf": "events {}\n",
    })
    rows = _settings(tmp_path)
    assert rows["ignore"] == ("[KA003]", ".nglint.toml")


def test_pyproject_without_tool_nglint_is_skipped_for_a_config_further_up(tmp_path):
    write_tree(tmp_path, {
        ".nglint.toml": 'margin = "2s"\n',
        "sub/pyproject.toml": "[project]\nname = 'x'\n",
        "sub/nginx.conf": "events {}\n",
    })
    rows = _settings(tmp_path / "sub", ".")
    assert rows["margin"] == ("2000ms (minimum 1s)", "../.nglint.toml")


def test_nearest_config_wins_and_is_not_merged_with_outer_ones(tmp_path):
    write_tree(tmp_path, {
        ".nglint.toml": 'ignore = ["KA003"]\nmargin = "2s"\n',
        "inner/.nglint.toml": 'select = ["KA"]\n',
        "inner/nginx.conf": "events {}\n",
    })
    rows = _settings(tmp_path, "inner")
    assert rows["select"] == ("[KA]", "inner/.nglint.toml")
    assert rows["ignore"] == ("[]", "default") and rows["margin"][1] == "default"


def test_explicit_config_file_overrides_discovery(tmp_path):
    write_tree(tmp_path, {
        ".nglint.toml": 'ignore = ["KA003"]\n',
        "ci/strict.toml": 'ignore = []\nselect = ["KA001"]\n',
        "nginx.conf": "events {}\n",
    })
    rows = _settings(tmp_path, ".", "--config", "ci/strict.toml")
    assert rows["select"] == ("[KA001]", "ci/strict.toml")
    assert rows["ignore"] == ("[]", "ci/strict.toml")


def test_command_line_wins_over_config(tmp_path):
    write_tree(tmp_path, {
        ".nglint.toml": 'select = ["P"]\nignore = ["KA002"]\nnginx-version = "1.28"\n',
        "nginx.conf": POOL,
        "server.xml": TOMCAT.format(port=8080, timeout=20000),
    })
    rows = _settings(tmp_path, ".", "--select", "KA001", "--nginx-version", "1.30")
    assert rows["select"] == ("[KA001]", "--select")
    assert rows["ignore"] == ("[KA002]", ".nglint.toml")
    assert rows["nginx-version"] == ("1.30.0", "--nginx-version")
    assert _rules(run_cli("check", ".", "--format", "json", cwd=tmp_path)) == []  # config: P only
    assert _rules(run_cli("check", ".", "--select", "KA001", "--format", "json", cwd=tmp_path)) == ["KA001"]


def test_show_settings_lists_every_key_with_its_origin(tmp_path):
    write_tree(tmp_path, {"pyproject.toml": '[tool.nglint]\nmax-files = 50\n', "nginx.conf": "events {}\n"})
    result = run_cli("check", "--show-settings", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("config file: pyproject.toml\n")
    rows = _settings(tmp_path)
    from nglint.config import KNOWN_KEYS

    assert set(rows) == set(KNOWN_KEYS)
    assert rows["max-files"] == ("50", "pyproject.toml")
    assert all(origin == "default" for key, (_, origin) in rows.items() if key != "max-files")


# -- every key ----------------------------------------------------------------------------
def test_nginx_version_key(lint):
    files = {"nginx.conf": "events {}\nhttp {\n  upstream app { server 127.0.0.1:8080; }\n}\n",
             "server.xml": TOMCAT.format(port=8080, timeout=20000)}
    assert [f.rule for f in lint(files).findings] == ["KA005"]
    assert [f.rule for f in lint(files, nginx_version="1.30").findings] == ["KA001"]


def test_select_and_ignore_keys(tmp_path):
    write_tree(tmp_path, {"nginx.conf": POOL.replace("19s", "60s"), "server.xml": TOMCAT.format(port=8080, timeout=20000),
                          ".nglint.toml": 'select = ["KA", "N"]\nignore = ["KA001"]\n'})
    assert _rules(run_cli("check", ".", "--format", "json", cwd=tmp_path)) == []


def test_margin_key_percent_and_duration(tmp_path):
    write_tree(tmp_path, {"nginx.conf": POOL, "server.xml": TOMCAT.format(port=8080, timeout=20000)})
    # 19s against 20s: fails the default minimum gap of 1s? 20-19 = 1s: passes at 5%, fails at 10% and at 2s.
    (tmp_path / ".nglint.toml").write_text('margin = "5%"\n')
    assert _rules(run_cli("check", ".", "--format", "json", cwd=tmp_path)) == []
    (tmp_path / ".nglint.toml").write_text('margin = "10%"\n')
    assert _rules(run_cli("check", ".", "--format", "json", cwd=tmp_path)) == ["KA001"]
    (tmp_path / ".nglint.toml").write_text('margin = "2s"\n')
    assert _rules(run_cli("check", ".", "--format", "json", cwd=tmp_path)) == ["KA001"]


def test_nginx_roots_key_makes_a_file_an_entry(tmp_path):
    write_tree(tmp_path, {
        ".nglint.toml": 'nginx-roots = ["deploy/main.conf"]\n',
        "deploy/main.conf": "events {}\nhttp {\n  include sites/*.conf;\n}\n",
        "deploy/sites/app.conf": "upstream app {\n  server 127.0.0.1:8080;\n  keepalive 4;\n}\n",
        "server.xml": TOMCAT.format(port=8080, timeout=20000),
    })
    report = lint_paths([str(tmp_path)], cwd=tmp_path)
    assert found(report) == [("KA001", "deploy/sites/app.conf", 3)]
    (tmp_path / ".nglint.toml").write_text('nginx-roots = ["deploy/missing.conf"]\n')
    result = run_cli("check", ".", cwd=tmp_path)
    assert result.returncode == 2 and "nginx-roots" in result.stderr and "missing.conf" in result.stderr


def test_nginx_prefix_key_maps_absolute_includes(tmp_path):
    write_tree(tmp_path, {
        ".nglint.toml": 'nginx-prefix = {"/etc/nginx" = "deploy/nginx"}\n',
        "deploy/nginx/nginx.conf": "events {}\nhttp {\n  include /etc/nginx/upstreams/*.conf;\n}\n",
        "deploy/nginx/upstreams/app.conf": "upstream app {\n  server 127.0.0.1:8080;\n  keepalive 4;\n}\n",
        "server.xml": TOMCAT.format(port=8080, timeout=20000),
    })
    assert found(lint_paths([str(tmp_path)], cwd=tmp_path)) == [("KA001", "deploy/nginx/upstreams/app.conf", 3)]


def test_absolute_include_is_never_read_from_the_host_unless_mapped(tmp_path):
    outside = tmp_path / "host-etc"
    write_tree(outside, {"app.conf": "upstream app {\n  server 127.0.0.1:8080;\n  keepalive 4;\n}\n"})
    repo = tmp_path / "repo"
    write_tree(repo, {
        "nginx.conf": f"events {{}}\nhttp {{\n  include {outside}/app.conf;\n}}\n",
        "server.xml": TOMCAT.format(port=8080, timeout=20000),
    })
    report = lint_paths([str(repo)], cwd=repo)
    assert [(f.rule, f.severity.value) for f in report.findings] == [("P002", "info")]
    assert report.files_checked == 2


def test_exclude_key(tmp_path):
    write_tree(tmp_path, {
        ".nglint.toml": 'exclude = ["vendor/*", "*.bak.conf"]\n',
        "vendor/nginx.conf": "events {\n",
        "old.bak.conf": "server { listen 80;\n",
        "nginx.conf": "events {}\n",
    })
    result = run_cli("check", ".", "--format", "json", cwd=tmp_path)
    assert _json(result)["findings"] == [] and _json(result)["summary"]["files_checked"] == 1


def test_per_file_ignores_key(tmp_path):
    write_tree(tmp_path, {
        ".nglint.toml": '[per-file-ignores]\n"legacy/*.conf" = ["KA003"]\n',
        "nginx.conf": "events {}\nhttp {\n  include legacy/*.conf;\n  include new/*.conf;\n}\n",
        "legacy/a.conf": "upstream a { server 127.0.0.1:1; keepalive 2; }\nserver { location / { proxy_pass http://a; } }\n",
        "new/b.conf": "upstream b { server 127.0.0.1:2; keepalive 2; }\nserver { location / { proxy_pass http://b; } }\n",
    })
    result = _json(run_cli("check", ".", "--format", "json", "--select", "KA003", cwd=tmp_path))
    assert [(f["rule"], f["path"]) for f in result["findings"]] == [("KA003", "new/b.conf")]


def test_max_file_size_key(tmp_path):
    write_tree(tmp_path, {".nglint.toml": 'max-file-size = "1k"\n', "nginx.conf": "events {}\n" + "# pad\n" * 400})
    result = _json(run_cli("check", ".", "--format", "json", cwd=tmp_path))
    assert [f["rule"] for f in result["findings"]] == ["P001"] and "max-file-size" in result["findings"][0]["message"]


def test_max_include_depth_key(tmp_path):
    write_tree(tmp_path, {
        ".nglint.toml": "max-include-depth = 2\n",
        "nginx.conf": "events {}\nhttp {\n  include a.conf;\n}\n",
        "a.conf": "include b.conf;\n",
        "b.conf": "include c.conf;\n",
        "c.conf": "include d.conf;\n",
        "d.conf": "server_tokens off;\n",
    })
    result = _json(run_cli("check", ".", "--format", "json", cwd=tmp_path))
    assert any(f["rule"] == "P002" and "max-include-depth" in f["message"] for f in result["findings"])


def test_max_files_key(tmp_path):
    write_tree(tmp_path, {".nglint.toml": "max-files = 2\n", "a/nginx.conf": "events {}\n", "b/nginx.conf": "events {}\n",
                          "c/nginx.conf": "events {}\n"})
    result = run_cli("check", ".", cwd=tmp_path)
    assert result.returncode == 2 and "max-files=2" in result.stderr


def test_backend_key(tmp_path):
    write_tree(tmp_path, {
        ".nglint.toml": '[[backend]]\nupstream = "app"\nidle-timeout = "5s"\n',
        "nginx.conf": "events {}\nhttp {\n  upstream app {\n    server node:3000;\n    keepalive 4;\n  }\n}\n",
    })
    result = _json(run_cli("check", ".", "--format", "json", cwd=tmp_path))
    [finding] = result["findings"]
    assert finding["rule"] == "KA001" and finding["related"][0]["path"] == ".nglint.toml"


# -- errors -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "content, key, reason",
    [
        ('selct = ["KA"]\n', "selct", "did you mean 'select'"),
        ('margin = "lots"\n', "margin", "expected a percentage"),
        ('nginx-version = "latest"\n', "nginx-version", "expected a version"),
        ("max-files = 0\n", "max-files", "positive integer"),
        ('max-file-size = "huge"\n', "max-file-size", ""),
        ('exclude = "vendor"\nselect = [1]\n', "select", "list of strings"),
        ('nginx-prefix = {"etc/nginx" = "deploy"}\n', "nginx-prefix", "absolute path"),
        ('[[backend]]\nupstream = "a"\n', "backend", "exactly one of"),
        ('per-file-ignores = ["x"]\n', "per-file-ignores", "table"),
    ],
)
def test_bad_config_exits_2_naming_file_key_and_reason(tmp_path, content, key, reason):
    write_tree(tmp_path, {".nglint.toml": content, "nginx.conf": "events {}\n"})
    result = run_cli("check", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert ".nglint.toml" in result.stderr and f"key {key!r}" in result.stderr and reason in result.stderr
    assert result.stdout == ""


def test_invalid_toml_and_unknown_rule_code_exit_2(tmp_path):
    write_tree(tmp_path, {"pyproject.toml": "[tool.nglint\n", "nginx.conf": "events {}\n"})
    result = run_cli("check", ".", cwd=tmp_path)
    assert result.returncode == 2 and "pyproject.toml" in result.stderr and "invalid TOML" in result.stderr
    (tmp_path / "pyproject.toml").write_text('[tool.nglint]\nselect = ["ZZ9"]\n')
    result = run_cli("check", ".", cwd=tmp_path)
    assert result.returncode == 2 and "ZZ9" in result.stderr


def test_unknown_key_is_also_an_error_in_pyproject(tmp_path):
    write_tree(tmp_path, {"pyproject.toml": '[tool.nglint]\nnginx_roots = ["x"]\n', "nginx.conf": "events {}\n"})
    result = run_cli("check", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert "pyproject.toml: key 'nginx_roots': unknown key (did you mean 'nginx-roots'?)" in result.stderr


# -- output options -----------------------------------------------------------------------
def _race(tmp_path):
    write_tree(tmp_path, {"nginx.conf": POOL.replace("    keepalive_timeout 19s;\n", ""), "server.xml": TOMCAT.format(port=8080, timeout=20000)})


def test_exit_zero_keeps_findings_but_exits_0(tmp_path):
    _race(tmp_path)
    result = run_cli("check", ".", "--exit-zero", cwd=tmp_path)
    assert result.returncode == 0 and "KA001" in result.stdout
    assert run_cli("check", "missing-dir", "--exit-zero", cwd=tmp_path).returncode == 2


def test_statistics_counts_per_rule(tmp_path):
    _race(tmp_path)
    write_tree(tmp_path, {"conf.d/x.conf": "server { listen 80; }  # nglint: disable=KA002 stale\n",
                          "nginx.conf": POOL.replace("    keepalive_timeout 19s;\n", "").replace("http {\n", "http {\n  include conf.d/*.conf;\n")})
    result = run_cli("check", ".", "--statistics", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["1", "KA001", "error", "idle-timeout-outlives-backend"]
    assert lines[1].split() == ["1", "N001", "warning", "bad-suppression"]
    assert lines[-1].startswith("Found 2 problems")
    as_json = run_cli("check", ".", "--statistics", "--format", "json", cwd=tmp_path)
    assert as_json.returncode == 1
    assert [(r["count"], r["code"], r["severity"]) for r in json.loads(as_json.stdout)["statistics"]] == [
        (1, "KA001", "error"), (1, "N001", "warning")]
    assert run_cli("check", ".", "--statistics", "--format", "sarif", cwd=tmp_path).returncode == 2


def test_quiet_prints_findings_only(tmp_path):
    _race(tmp_path)
    result = run_cli("check", ".", "--quiet", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("nginx.conf:5:5: KA001 ") and "Found" not in result.stdout
    (tmp_path / "server.xml").write_text(TOMCAT.format(port=8080, timeout=120000))
    clean = run_cli("check", ".", "-q", cwd=tmp_path)
    assert clean.returncode == 0 and clean.stdout == ""
