"""The conventions people bring from ruff and friends: --color, did-you-mean, fail-on,
per-rule severity, and config errors that name file and key. The real CLI, in a subprocess."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT, run_cli, write_tree

OSC8 = "\033]8;;https://github.com/nglint/nglint/blob/main/docs/rules/KA001.md\033\\KA001\033]8;;\033\\"
# KA002 (warning) and P005 (info) only: a pool whose backend is unknown and whose timeout is untuned.
WARN_AND_INFO = (
    "events {}\nhttp {\n    upstream app {\n        server 127.0.0.1:9999;\n        keepalive 16;\n    }\n"
    "    server {\n        listen 80;\n        location / {\n            proxy_pass http://app;\n"
    '            proxy_http_version 1.1;\n            proxy_set_header Connection "";\n        }\n    }\n}\n'
)
INFO_ONLY = WARN_AND_INFO.replace("keepalive 16;", "keepalive 16;\n        keepalive_timeout 4s;")


def _rules(result) -> dict[str, str]:
    return {f["rule"]: f["severity"] for f in json.loads(result.stdout)["findings"]}


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        (["--color", "always"], {}, True),
        (["--color", "always"], {"NO_COLOR": "1"}, True),
        (["--color", "never"], {"FORCE_COLOR": "1"}, False),
        ([], {"FORCE_COLOR": "1"}, True),
        ([], {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
        ([], {}, False),  # auto, and stdout is a pipe
    ],
)
def test_color_modes(args: list[str], env: dict, coloured: bool) -> None:
    result = run_cli("check", "samples/01-tomcat-race", *args, cwd=PROJECT_ROOT, env=env)
    assert result.returncode == 1, result.stderr
    assert ("\033[" in result.stdout) is coloured
    assert (OSC8 in result.stdout) is coloured  # the code links to its rule page
    if not coloured:
        assert " KA001 " in result.stdout


def test_color_never_with_output_file(tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    run_cli("check", "samples/01-tomcat-race", "--output", str(out), cwd=PROJECT_ROOT, env={"FORCE_COLOR": "1"})
    assert "\033" not in out.read_text()


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["check", "samples", "--selct", "KA001"], "did you mean '--select'?"),
        (["check", "samples", "--colour", "never"], "did you mean '--color'?"),
        (["check", "samples", "--format", "jsn"], "did you mean 'json'?"),
        (["check", "samples", "--output-format", "sarf"], "did you mean 'sarif'?"),
        (["chek", "samples"], "did you mean 'check'?"),
        (["check", "samples", "--sel", "KA001"], "did you mean '--select'?"),  # no abbreviations
        (["check", "samples", "--select", "KA01"], "did you mean 'KA001'?"),
        (["check", "samples", "--ignore", "KB003"], "did you mean 'KA003'?"),
        (["rule", "KA0001"], "did you mean 'KA001'?"),
    ],
)
def test_did_you_mean(args: list[str], hint: str) -> None:
    result = run_cli(*args, cwd=PROJECT_ROOT)
    assert result.returncode == 2
    assert hint in result.stderr.splitlines()[-1]


def test_no_suggestion_for_nonsense() -> None:
    result = run_cli("check", "samples", "--zzzzzzzzzz", cwd=PROJECT_ROOT)
    assert result.returncode == 2 and "did you mean" not in result.stderr


def test_malformed_code_on_the_command_line() -> None:
    result = run_cli("check", "samples", "--select", "KA-1", cwd=PROJECT_ROOT)
    assert result.returncode == 2 and "malformed rule code 'KA-1'" in result.stderr


def test_fail_on_flag(tmp_path: Path) -> None:
    write_tree(tmp_path, {"nginx.conf": WARN_AND_INFO})
    assert run_cli("check", ".", cwd=tmp_path).returncode == 1  # KA002 is a warning
    assert run_cli("check", ".", "--fail-on", "error", cwd=tmp_path).returncode == 0
    write_tree(tmp_path, {"nginx.conf": INFO_ONLY})
    assert run_cli("check", ".", cwd=tmp_path).returncode == 0  # P005 is info
    assert run_cli("check", ".", "--fail-on", "info", cwd=tmp_path).returncode == 1


def test_fail_on_in_config_and_flag_wins(tmp_path: Path) -> None:
    write_tree(tmp_path, {"nginx.conf": WARN_AND_INFO, ".nglint.toml": 'fail-on = "error"\n'})
    assert run_cli("check", ".", cwd=tmp_path).returncode == 0
    assert run_cli("check", ".", "--fail-on", "warning", cwd=tmp_path).returncode == 1
    settings = run_cli("check", ".", "--show-settings", "--fail-on", "warning", cwd=tmp_path).stdout
    assert "fail-on" in settings and "warning" in settings and "--fail-on" in settings


def test_severity_table_in_nglint_toml(tmp_path: Path) -> None:
    write_tree(tmp_path, {"nginx.conf": INFO_ONLY, ".nglint.toml": '[severity]\nP005 = "error"\n'})
    result = run_cli("check", ".", "--format", "json", cwd=tmp_path)
    assert _rules(result) == {"P005": "error"} and result.returncode == 1
    stats = json.loads(run_cli("check", ".", "--statistics", "--format", "json", cwd=tmp_path).stdout)
    assert [(r["code"], r["severity"]) for r in stats["statistics"]] == [("P005", "error")]
    sarif = json.loads(run_cli("check", ".", "--format", "sarif", cwd=tmp_path).stdout)
    assert sarif["runs"][0]["results"][0]["level"] == "error"
    text = run_cli("check", ".", "--statistics", cwd=tmp_path).stdout
    assert "P005   error" in text


def test_severity_table_in_pyproject_most_specific_wins(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "nginx.conf": WARN_AND_INFO,
        "pyproject.toml": '[tool.nglint.severity]\nKA = "info"\nP005 = "warning"\n',
    })
    result = run_cli("check", ".", "--format", "json", cwd=tmp_path)
    assert _rules(result) == {"KA002": "info", "P005": "warning"}
    assert result.returncode == 1  # P005 now a warning
    write_tree(tmp_path, {"pyproject.toml": '[tool.nglint.severity]\nKA = "info"\nKA002 = "error"\n'})
    assert _rules(run_cli("check", ".", "--format", "json", cwd=tmp_path))["KA002"] == "error"


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ('select = ["KA01"]\n', "key 'select': unknown rule code or prefix 'KA01' (did you mean 'KA001'?)"),
        ('ignore = ["ka-2"]\n', "key 'ignore': malformed rule code 'ka-2'"),
        ('[per-file-ignores]\n"conf.d/*" = ["KA002", "KX9"]\n',
         "key 'per-file-ignores': pattern 'conf.d/*': unknown rule code or prefix 'KX9'"),
        ('[per-file-ignores]\n"conf.d/*" = ["1KA"]\n', "key 'per-file-ignores': pattern 'conf.d/*': malformed rule code '1KA'"),
        ('[severity]\nKA099 = "error"\n', "key 'severity': unknown rule code or prefix 'KA099'"),
        ('[severity]\nKA002 = "fatal"\n', "key 'severity': KA002: expected one of 'error', 'warning', 'info', got 'fatal'"),
        ('fail-on = "warn"\n', "key 'fail-on': expected one of"),
        ('[[backend]]\nupstream = "ap"\nidle-timeout = "5s"\n',
         "key 'backend': entry 1: upstream 'ap' does not exist in the checked nginx configs (did you mean 'app'?)"),
    ],
)
def test_config_errors_name_file_and_key(tmp_path: Path, config: str, expected: str) -> None:
    write_tree(tmp_path, {"nginx.conf": WARN_AND_INFO, ".nglint.toml": config})
    result = run_cli("check", ".", cwd=tmp_path)
    assert result.returncode == 2, result.stdout
    assert f"{tmp_path / '.nglint.toml'}: {expected}" in result.stderr


def test_backend_for_an_existing_upstream_is_fine(tmp_path: Path) -> None:
    write_tree(tmp_path, {"nginx.conf": WARN_AND_INFO,
                          ".nglint.toml": '[[backend]]\nupstream = "app"\nidle-timeout = "5s"\n'})
    result = run_cli("check", ".", "--format", "json", cwd=tmp_path)
    assert result.returncode == 1 and "KA001" in _rules(result)  # linked: nginx's 60s outlives 5s


def test_backend_upstream_unknown_when_a_config_does_not_parse(tmp_path: Path) -> None:
    """The upstream may be in the file nglint could not read: not an error then."""
    write_tree(tmp_path, {"nginx.conf": WARN_AND_INFO + "include broken.conf;\n", "broken.conf": "upstream x {\n",
                          ".nglint.toml": '[[backend]]\nupstream = "x"\nidle-timeout = "5s"\n'})
    result = run_cli("check", ".", cwd=tmp_path)
    assert result.returncode == 1 and "does not exist" not in result.stderr


def test_rule_urls_in_json_and_sarif() -> None:
    payload = json.loads(run_cli("check", "samples/01-tomcat-race", "--format", "json", cwd=PROJECT_ROOT).stdout)
    assert payload["findings"][0]["help_uri"] == "https://github.com/nglint/nglint/blob/main/docs/rules/KA001.md"
    sarif = json.loads(run_cli("check", "samples/01-tomcat-race", "--format", "sarif", cwd=PROJECT_ROOT).stdout)
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert all(r["helpUri"] == f"https://github.com/nglint/nglint/blob/main/docs/rules/{r['id']}.md" for r in rules)


def test_rule_command_names_its_page() -> None:
    result = run_cli("rule", "ka002", cwd=PROJECT_ROOT)
    assert result.returncode == 0
    assert result.stdout.rstrip().endswith("Documentation: https://github.com/nglint/nglint/blob/main/docs/rules/KA002.md")
