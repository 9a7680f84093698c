"""The CLI under hostile invocations: clear messages and fixed exit codes, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import run_cli, write_tree

NGINX = "events {}\nhttp {\n" + "".join(f"  upstream u{i} {{ server 127.0.0.1:{i + 1}; keepalive 2; }}\n" for i in range(400)) + "}\n"


def test_nonexistent_path_is_usage_error(tmp_path):
    result = run_cli("check", str(tmp_path / "missing"), str(tmp_path))
    assert result.returncode == 2
    assert "missing: no such file or directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_paths_in_empty_directory(tmp_path):
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "0 files checked" in result.stdout and "Traceback" not in result.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_stdout_closed_early_is_not_a_traceback(tmp_path, fmt):
    """`nglint check | head -1`: a large report into a pipe whose reader has gone."""
    write_tree(tmp_path, {"nginx.conf": NGINX})
    command = f"{sys.executable} -m nglint check {tmp_path} --format {fmt} | head -n 1"
    result = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=120)
    assert result.stdout.count("\n") == 1
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr
    assert result.stderr == ""


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_broken_pipe_in_process_returns_the_run_result(tmp_path, fmt):
    """The same through a real pipe whose read end is closed, in-process, so the
    handler runs whatever the SIGPIPE disposition of the calling shell is."""
    from nglint.cli import main

    write_tree(tmp_path, {"nginx.conf": NGINX})
    read_end, write_end = os.pipe()
    os.close(read_end)
    saved_fd = os.dup(1)
    pipe = open(write_end, "w")
    saved = sys.stdout
    try:
        sys.stdout = pipe
        os.dup2(write_end, 1)
        code = main(["check", str(tmp_path), "--format", fmt])
    finally:
        sys.stdout = saved
        os.dup2(saved_fd, 1)
        os.close(saved_fd)
        try:
            pipe.close()
        except BrokenPipeError:
            pass
    assert code in (0, 1)


def test_output_into_missing_directory_is_a_clear_error(tmp_path):
    write_tree(tmp_path, {"nginx.conf": NGINX})
    target = tmp_path / "no" / "such" / "dir" / "report.sarif"
    result = run_cli("check", str(tmp_path), "--format", "sarif", "--output", str(target))
    assert result.returncode == 2
    assert f"cannot write {target}: No such file or directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_output_onto_a_directory_is_a_clear_error(tmp_path):
    write_tree(tmp_path, {"nginx.conf": NGINX})
    result = run_cli("check", str(tmp_path), "--output", str(tmp_path))
    assert result.returncode == 2 and "cannot write" in result.stderr and "Traceback" not in result.stderr


def test_path_that_is_a_fifo_on_the_command_line(tmp_path):
    os.mkfifo(tmp_path / "nginx.conf")
    result = run_cli("check", str(tmp_path / "nginx.conf"))
    assert result.returncode == 1 and "not a regular file" in result.stdout, result.stderr


def test_invalid_config_file_is_a_usage_error(tmp_path):
    write_tree(tmp_path, {".nglint.toml": b"max-files = [\xff\n", "nginx.conf": "events {}\n"})
    result = run_cli("check", str(tmp_path))
    assert result.returncode == 2 and "invalid TOML" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("value", ["0", "-1", '"lots"', "true"])
def test_bad_limits_are_usage_errors(tmp_path, value):
    write_tree(tmp_path, {".nglint.toml": f"max-include-depth = {value}\n", "nginx.conf": "events {}\n"})
    result = run_cli("check", str(tmp_path))
    assert result.returncode == 2 and "max-include-depth" in result.stderr and "Traceback" not in result.stderr


CRASHING_CHECK = '''
from nglint.api import Rule, Severity

RULE = Rule(code="XCRASH001", name="crashing-check", severity=Severity.WARNING, summary="Always fails.",
            rationale="A bug in a check.", bad_example="", good_example="")


def check(project):
    raise ZeroDivisionError("a bug in the check")
'''


def test_a_bug_inside_a_check_is_an_internal_error_not_a_traceback(tmp_path):
    """SECURITY.md: a check that raises ends the run with exit 2 and one
    `nglint: internal error: check XXX failed: ...` line, never a traceback. The check is a
    real third-party plugin, found through its entry point on the path."""
    write_tree(tmp_path, {
        "site/crashy_check.py": CRASHING_CHECK,
        "site/crashy_check-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: crashy-check\nVersion: 1.0\n",
        "site/crashy_check-1.0.dist-info/entry_points.txt": "[nglint.checks]\ncrashy = crashy_check\n",
        "tree/nginx.conf": "events {}\nhttp {}\n",
    })
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    result = subprocess.run([sys.executable, "-m", "nglint", "check", str(tmp_path / "tree")], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("nglint: ")] == [
        "nglint: internal error: check XCRASH001 failed: ZeroDivisionError: a bug in the check"
    ], result.stderr
