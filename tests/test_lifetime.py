"""The console command ends without freeing what it built; in-process callers are untouched.

`nglint.__main__.run` leaves through `os._exit` once the report is out (nglint.lifetime),
so these tests check what that must not cost: every byte of a long report reaches a pipe
and a file, the exit code stands, and a caller of `main()` in its own process keeps its
garbage collector and holds nothing after the run.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

from conftest import run_cli, write_tree

from nglint import lifetime
from nglint.cli import main

UPSTREAMS = 300


def _many_findings(root: Path) -> Path:
    """A config with one KA002-style finding per upstream: a report of hundreds of lines."""
    blocks = "\n".join(f"upstream app{i} {{ server 10.0.{i // 250}.{i % 250 + 1}:8080; keepalive 8; }}" for i in range(UPSTREAMS))
    servers = "\n".join(f"server {{ listen {9000 + i}; location / {{ proxy_pass http://app{i}; }} }}" for i in range(UPSTREAMS))
    return write_tree(root, {"nginx.conf": f"events {{}}\nhttp {{\n{blocks}\n{servers}\n}}\n"})


def test_long_text_report_reaches_a_pipe_whole(tmp_path: Path) -> None:
    _many_findings(tmp_path)
    result = run_cli("check", "--format", "json", str(tmp_path))
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)  # cut short, this would not parse
    assert len(report["findings"]) >= UPSTREAMS


def test_report_written_to_a_file_is_complete(tmp_path: Path) -> None:
    tree = _many_findings(tmp_path / "tree")
    out = tmp_path / "report.json"
    result = run_cli("check", "--format", "json", "-o", str(out), str(tree))
    assert result.returncode == 1, result.stderr
    assert len(json.loads(out.read_text())["findings"]) >= UPSTREAMS


def test_reader_closing_the_pipe_early_keeps_the_exit_code(tmp_path: Path) -> None:
    _many_findings(tmp_path)
    command = f"{sys.executable} -m nglint check {tmp_path} | head -1"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, timeout=120)
    assert done.stdout.count("\n") == 1
    assert "Traceback" not in done.stderr
    assert done.returncode == 1  # findings, as without the early close


def test_main_in_process_keeps_the_collector_and_holds_nothing(tmp_path: Path, capsys) -> None:
    _many_findings(tmp_path)
    assert gc.isenabled()
    code = main(["check", "--jobs", "1", str(tmp_path)])
    assert code == 1
    assert gc.isenabled()
    assert not lifetime.ending()
    assert lifetime._kept is None
    assert gc.get_freeze_count() == 0  # nothing moved out of the collector's sight
    capsys.readouterr()
