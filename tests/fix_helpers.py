"""Helpers for the fix tests: real nginx -t, git apply, patch; tree snapshots."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import IN_CI, PROJECT_ROOT

FIX_SAMPLES = PROJECT_ROOT / "samples" / "fixes"
RULES = sorted(p.name for p in FIX_SAMPLES.iterdir() if p.is_dir())
UNSAFE_RULES = {"KA003", "KA005"}


def require_tool(name: str, fallback: str | None = None) -> str:
    """Path of a real tool; fails under CI (.ci/install-system.sh installs it), else skips."""
    path = shutil.which(name) or (fallback if fallback and os.path.exists(fallback) else None)
    if path is None:
        if IN_CI:
            pytest.fail(f"{name} is not installed; .ci/install-system.sh must install it")
        pytest.skip(f"{name} is not installed")
    return path


def nginx_t(conf_dir: Path, work: Path) -> subprocess.CompletedProcess:
    """Real `nginx -t` on a copy of conf_dir; prefix, error log and pid stay inside work."""
    nginx = require_tool("nginx", "/usr/sbin/nginx")
    conf = work / "nginx-t-conf"
    shutil.copytree(conf_dir, conf)
    return subprocess.run(
        [nginx, "-t", "-q", "-p", str(work), "-c", str(conf / "nginx.conf"), "-e", str(work / "error.log"),
         "-g", f"pid {work}/nginx.pid;"],
        capture_output=True, text=True, timeout=60,
    )


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root (relative POSIX path -> bytes)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def expected_after(rule: str) -> dict[str, bytes]:
    """The before tree with after/'s files laid over it: what --fix must produce."""
    tree = snapshot(FIX_SAMPLES / rule / "before")
    tree.update(snapshot(FIX_SAMPLES / rule / "after"))
    return tree


def check_patch(patch: bytes, cwd: Path) -> None:
    """The patch applies with `git apply --check` and `patch -p1 --dry-run` in cwd."""
    git = require_tool("git")
    patch_tool = require_tool("patch")
    patch_file = cwd.parent / f"{cwd.name}.patch"
    patch_file.write_bytes(patch)
    result = subprocess.run([git, "apply", "--check", "-v", str(patch_file)], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    result = subprocess.run([patch_tool, "-p1", "--dry-run", "-i", str(patch_file)], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def apply_json_edits(data: bytes, edits: list[dict]) -> bytes:
    """Apply JSON `fix.edits` (1-based line/column in code points, end exclusive)."""
    text = data.decode("utf-8", errors="surrogateescape")
    lines = text.split("\n")

    def offset(pos: dict) -> int:
        before = sum(len(line) + 1 for line in lines[: pos["line"] - 1])
        return before + pos["column"] - 1

    for edit in sorted(edits, key=lambda e: (e["start"]["line"], e["start"]["column"]), reverse=True):
        start, end = offset(edit["start"]), offset(edit["end"])
        text = text[:start] + edit["text"] + text[end:]
    return text.encode("utf-8", errors="surrogateescape")


def nglint_bytes(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The real CLI with binary stdout: a patch keeps its CRLF and non-UTF-8 bytes."""
    env = dict(os.environ)
    env.pop("FORCE_COLOR", None)
    return subprocess.run([sys.executable, "-m", "nglint", *args], cwd=cwd, env=env, capture_output=True, timeout=300)
