"""Shared test helpers: write a file tree, lint it in-process, run the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CORPUS = PROJECT_ROOT.parent / "shared" / "corpus"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create files under root; str content is dedented, bytes written as-is."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"))
    return root


def lint_paths(paths: list[str], cwd: Path | None = None, **settings):
    """Run the real runner on paths with Settings overrides; return the Report."""
    from nglint.config import Settings, load_settings, parse_margin, parse_version
    from nglint.runner import run

    base = load_settings(settings.pop("config", None), paths[0]) if settings.pop("discover_config", True) else Settings()
    if "nginx_version" in settings and isinstance(settings["nginx_version"], str):
        settings["nginx_version"] = parse_version(settings["nginx_version"])
    if "margin" in settings and isinstance(settings["margin"], str):
        settings["margin"] = parse_margin(settings["margin"])
    for key, value in settings.items():
        setattr(base, key, value)
    return run(paths, base, cwd=str(cwd) if cwd else None)


@pytest.fixture
def lint(tmp_path):
    """lint(files, **settings) -> list of (rule, relative path, line) plus the Report."""

    def _lint(files: dict[str, str | bytes], paths: list[str] | None = None, **settings):
        write_tree(tmp_path, files)
        targets = [str(tmp_path / p) for p in paths] if paths else [str(tmp_path)]
        report = lint_paths(targets, cwd=tmp_path, **settings)
        return report

    return _lint


def found(report) -> list[tuple[str, str, int]]:
    """(rule, path relative to the report's cwd, line) for each finding, in report order."""
    return [(f.rule, report.display_path(f.path), f.line) for f in report.findings]


def told(finding) -> str:
    """Everything a finding tells: its one-sentence message, where each value came from
    (`sources`), and what it says of the other tiers (`related`). For a Finding or its JSON form."""
    if isinstance(finding, dict):
        return " ".join([finding["message"], *finding.get("sources", ()), *(r["message"] for r in finding.get("related", ()))])
    return " ".join([finding.message, *finding.sources, *(r.message for r in finding.related)])


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """Run the installed `nglint` console entry point in a subprocess (the real thing)."""
    full_env = dict(os.environ)
    full_env.pop("FORCE_COLOR", None)
    if env:
        full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "nglint", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        input=input,
        timeout=300,
    )


@pytest.fixture(scope="module")
def corpus() -> Path:
    """The shared real-world corpus; CI must have it, elsewhere its absence skips."""
    if not CORPUS.is_dir():
        if IN_CI:
            pytest.fail(f"corpus missing at {CORPUS}: CI must provide ../shared/corpus")
        pytest.skip("../shared/corpus is not present")
    return CORPUS
