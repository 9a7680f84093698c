"""`--fix` never makes a file worse: interrupted, run twice at once, on special modes, on
bytes that changed under it, on CR-only line endings.

All through the real CLI in subprocesses, with real signals and a real `nginx -t`.
"""

from __future__ import annotations

import fcntl
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

from conftest import write_tree
from fix_helpers import nginx_t, snapshot

UPSTREAM = '<Server><Service name="s"><Connector port="8080" protocol="HTTP/1.1" keepAliveTimeout="20000"/></Service></Server>\n'
KA001 = {
    "nginx.conf": "events {}\nhttp {\n    upstream app {\n        server 127.0.0.1:8080;\n        keepalive 8;\n    }\n"
    "    server {\n        listen 80;\n        location / {\n            proxy_pass http://app;\n"
    "            proxy_http_version 1.1;\n            proxy_set_header Connection \"\";\n        }\n    }\n}\n",
    "tomcat/conf/server.xml": UPSTREAM,
}


def start_fix(root: Path, *extra: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "FORCE_COLOR"}
    return subprocess.Popen(
        [sys.executable, "-m", "nglint", "check", "--fix", "--jobs", "1", *extra, str(root)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )


def many_fixes_tree(root: Path, files: int = 12, locations: int = 150) -> None:
    """KA004 in every location of every file: one pass of disjoint fixes in many files."""
    tree = {
        "nginx.conf": "events {}\nhttp {\n    upstream app {\n        server 127.0.0.1:8080;\n        keepalive 8;\n"
        "        keepalive_timeout 10s;\n    }\n    proxy_http_version 1.1;\n    proxy_set_header Connection \"\";\n"
        "    include conf.d/*.conf;\n}\n",
    }
    for index in range(files):
        body = "".join(
            f"        location /l{n} {{\n            proxy_set_header X-A a;\n            proxy_pass http://app;\n        }}\n"
            for n in range(locations)
        )
        tree[f"conf.d/site{index:02d}.conf"] = f"server {{\n    listen {8000 + index};\n{body}}}\n"
    write_tree(root, tree)


def wait_until_nglint_runs(proc: subprocess.Popen) -> None:
    """Until the child catches SIGTERM: nglint's first act. Before that the interpreter
    itself is starting, and a signal there is beyond any program's reach."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        with open(f"/proc/{proc.pid}/status") as handle:
            caught = next(int(line.split()[1], 16) for line in handle if line.startswith("SigCgt:"))
        if caught & (1 << (signal.SIGTERM - 1)):
            return
        time.sleep(0.005)


def leftovers(root: Path) -> list[str]:
    return [p.name for p in root.rglob("*") if p.name.startswith(".nglint-") or p.name.endswith((".tmp", ".nglint"))]


def test_signals_during_fix_leave_old_or_new_bytes_and_no_temporary_file(tmp_path):
    """SIGINT and SIGTERM at random points of real --fix runs: exit 130/143 (or the run's
    own code if it finished first), no traceback, every file either untouched or fully
    fixed, and no temporary file anywhere."""
    pristine = tmp_path / "pristine"
    many_fixes_tree(pristine)
    reference = tmp_path / "reference"
    shutil.copytree(pristine, reference)
    started = time.monotonic()
    done = start_fix(reference)
    done.communicate(timeout=300)
    duration = time.monotonic() - started
    old, new = snapshot(pristine), snapshot(reference)
    assert old != new
    rng = random.Random(1234)
    interrupted = 0
    for attempt in range(10):
        work = tmp_path / f"run{attempt}"
        shutil.copytree(pristine, work)
        proc = start_fix(work)
        wait_until_nglint_runs(proc)
        time.sleep(rng.uniform(0.0, duration))
        signum = signal.SIGINT if attempt % 2 == 0 else signal.SIGTERM
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=300)
        assert b"Traceback" not in err, err.decode()
        if proc.returncode in (130, 143):
            interrupted += 1
            assert proc.returncode == 128 + signum
        else:
            assert proc.returncode in (0, 1), err.decode()
        assert leftovers(work) == []
        after = snapshot(work)
        assert after.keys() == old.keys()
        for name, data in after.items():
            assert data in (old[name], new[name]), name
    assert interrupted >= 3  # the loop did test interruptions, not only finished runs


def test_fix_waits_for_the_lock_of_a_running_fix(tmp_path):
    write_tree(tmp_path, KA001)
    before = (tmp_path / "nginx.conf").read_bytes()
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        proc = start_fix(tmp_path)
        time.sleep(2.0)
        assert proc.poll() is None  # still waiting for the lock
        assert (tmp_path / "nginx.conf").read_bytes() == before
    finally:
        os.close(fd)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    assert b"keepalive_timeout 18s;" in (tmp_path / "nginx.conf").read_bytes()


def test_two_fix_runs_at_once_fix_once(tmp_path):
    """Editor on save + pre-commit: the result is fixed once and nginx accepts it."""
    for attempt in range(4):
        root = tmp_path / f"t{attempt}"
        write_tree(root, KA001)
        procs = [start_fix(root), start_fix(root)]
        for proc in procs:
            _, err = proc.communicate(timeout=120)
            assert proc.returncode in (0, 1) and b"Traceback" not in err, err.decode()
        text = (root / "nginx.conf").read_text()
        assert text.count("keepalive_timeout") == 1, text
        work = tmp_path / f"nginx{attempt}"
        work.mkdir()
        result = nginx_t(root, work)
        assert result.returncode == 0, result.stderr


def test_fix_keeps_setuid_setgid_owner_and_group(tmp_path):
    write_tree(tmp_path, KA001)
    conf = tmp_path / "nginx.conf"
    if os.geteuid() == 0:
        os.chown(conf, 1234, 2345)
    conf.chmod(0o6754)
    before = conf.stat()
    proc = start_fix(tmp_path)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    after = conf.stat()
    assert b"keepalive_timeout 18s;" in conf.read_bytes()
    assert stat.S_IMODE(after.st_mode) == 0o6754
    assert (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)
    assert after.st_ino != before.st_ino  # replaced by rename, not rewritten in place


def test_fix_is_planned_on_the_bytes_that_were_linted(tmp_path, monkeypatch):
    """A file changed between the lint and the fix planning gets no fix at all."""
    from nglint.config import Settings
    from nglint.fixer import attach_fixes
    from nglint.pipeline import run_checks
    from nglint.project import load_project
    from nglint.registry import selected_checks
    from nglint.rules import CHECK

    write_tree(tmp_path, KA001)
    project = load_project([str(tmp_path)], Settings(), cwd=str(tmp_path))
    checks = selected_checks([], [])
    findings = run_checks(project, [check for check in checks if check.RULE.stage == CHECK])
    assert [f.rule for f in findings] == ["KA001"]
    conf = tmp_path / "nginx.conf"
    conf.write_text(conf.read_text().replace("keepalive 8;", "keepalive 8;   "))
    attach_fixes(findings, project, checks)
    assert findings[0].fix is None


def test_cr_only_line_endings_are_refused_with_the_reason(tmp_path):
    write_tree(tmp_path, {**KA001, "nginx.conf": KA001["nginx.conf"].replace("\n", "\r").encode()})
    before = (tmp_path / "nginx.conf").read_bytes()
    for mode in ("--fix", "--diff"):
        result = subprocess.run([sys.executable, "-m", "nglint", "check", mode, str(tmp_path)], capture_output=True, text=True, timeout=120)
        assert "CR-only line endings" in result.stderr and "Traceback" not in result.stderr, result.stderr
        assert (tmp_path / "nginx.conf").read_bytes() == before
