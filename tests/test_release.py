"""Releases: one version, a changelog entry for it, the real pre-commit from a tag, a
reproducible wheel, and that wheel installed with pipx.

The pre-commit test does what a user's repository does with the README snippet: it names
the repository and a tag (`rev: v0.2.0`), and pre-commit clones it, builds the hook's
environment (pip installs nglint from that tag) and runs it. The repository is a
throw-away clone of this one, tagged there, so the test does not depend on the lead
having pushed the tag yet (and never moves a real tag).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import IN_CI, PROJECT_ROOT
from test_precommit import STACK, UPSTREAMS, Repo, _need, pre_commit_env  # noqa: F401  (fixture)

from nglint import __version__

TAG = f"v{__version__}"


def _readme_rev() -> str:
    snippet = re.search(r"- repo: https://github.com/nglint/nglint\n\s+rev: (\S+)", (PROJECT_ROOT / "README.md").read_text())
    assert snippet, "README has no pre-commit snippet"
    return snippet.group(1)


def test_the_version_lives_in_one_place() -> None:
    pyproject = (PROJECT_ROOT / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject and 'version = { attr = "nglint.__version__" }' in pyproject
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    changelog = (PROJECT_ROOT / "CHANGELOG.md").read_text()
    # Newest release first, under an optional "Unreleased" section (keep-a-changelog's).
    releases = [title for title in re.findall(r"^## (\S+)", changelog, re.MULTILINE) if title != "Unreleased"]
    assert releases[0] == __version__
    assert _readme_rev() == TAG
    # No copy of the version string anywhere else in the package.
    for path in (PROJECT_ROOT / "linter").rglob("*.py"):
        if path.name != "__init__.py" or path.parent.name != "linter":
            assert f'"{__version__}"' not in path.read_text(), path


def _git(cwd: Path, *args: str, env: dict | None = None) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def tagged_clone(tmp_path: Path, pre_commit_env) -> Path:  # noqa: F811
    """A clone of this repository's HEAD with the release tag on it."""
    clone = tmp_path / "nglint-clone"
    _git(tmp_path, "clone", "-q", "--no-hardlinks", str(PROJECT_ROOT), str(clone), env=pre_commit_env)
    _git(clone, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "tag", "-f", TAG, "HEAD", env=pre_commit_env)
    return clone


def test_real_pre_commit_from_the_release_tag(tmp_path: Path, pre_commit_env, tagged_clone: Path) -> None:  # noqa: F811
    config = f"repos:\n  - repo: {tagged_clone}\n    rev: {_readme_rev()}\n    hooks:\n      - id: nglint\n"
    repo = Repo(tmp_path / "consumer", pre_commit_env, config)
    repo.write({**STACK, "nginx/conf.d/upstreams.conf": UPSTREAMS.format(timeout="45s", comment="")})
    repo.git("add", "-A")
    failing = repo.pre_commit("run", "--all-files")
    out = failing.stdout + failing.stderr
    assert failing.returncode == 1, out
    assert "nginx/conf.d/upstreams.conf:4:5: KA001 " in out, out
    repo.write({"nginx/conf.d/upstreams.conf": UPSTREAMS.format(timeout="25s", comment="")})
    repo.git("add", "-A")
    passing = repo.pre_commit("run", "--all-files")
    assert passing.returncode == 0, passing.stdout + passing.stderr
    # pre-commit installed nglint from the tag: its environment reports this version.
    envs = list(Path(pre_commit_env["PRE_COMMIT_HOME"]).glob("repo*/py_env-*/bin/nglint"))
    assert envs, "pre-commit built no environment"
    version = subprocess.run([str(envs[0]), "--version"], capture_output=True, text=True, timeout=60).stdout
    assert version.strip() == f"nglint {__version__}"


def _source_copy(destination: Path) -> Path:
    """The files git tracks (what a release tarball holds), copied to `destination`."""
    files = _git(PROJECT_ROOT, "ls-files", "-z").split("\0")
    for name in filter(None, files):
        source = PROJECT_ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def _build_wheel(source: Path, out: Path) -> Path:
    try:
        import build  # noqa: F401
    except ImportError:
        if IN_CI:
            pytest.fail("`build` is not installed (test extra)")
        pytest.skip("`build` is not installed")
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600"}
    result = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(source)],
                            capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    [wheel] = out.glob("*.whl")
    return wheel


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> list[Path]:
    built = []
    for name in ("first", "second"):
        root = tmp_path_factory.mktemp(name)  # two directories: the path must not leak in
        built.append(_build_wheel(_source_copy(root / "src"), root / "dist"))
    return built


def test_wheel_builds_reproducibly(wheels: list[Path]) -> None:
    first, second = wheels
    assert first.name == second.name == f"nglint-{__version__}-py3-none-any.whl"
    digest = [hashlib.sha256(path.read_bytes()).hexdigest() for path in wheels]
    assert digest[0] == digest[1]


def test_wheel_holds_the_package_data(wheels: list[Path]) -> None:
    import zipfile

    names = set(zipfile.ZipFile(wheels[0]).namelist())
    assert {"nglint/cli.py", "nglint/reporters/junit.py", "nglint/checks/keepalive/ka001_idle_timeout_outlives_backend.py"} <= names
    assert {"nglint/checks/keepalive/ka001.j2", "nglint/checks/front/lb001.j2", "nglint/checks/websocket/ws001.j2"} <= names


def test_pipx_installs_the_wheel(wheels: list[Path], tmp_path: Path) -> None:
    pipx = shutil.which("pipx") or (str(Path(sys.executable).parent / "pipx") if (Path(sys.executable).parent / "pipx").exists() else None)
    _need(pipx is not None, "pipx is not installed (test extra)")
    env = {**os.environ, "PIPX_HOME": str(tmp_path / "pipx-home"), "PIPX_BIN_DIR": str(tmp_path / "bin"),
           "PIPX_MAN_DIR": str(tmp_path / "man"), "PIPX_DEFAULT_PYTHON": sys.executable}
    result = subprocess.run([pipx, "install", str(wheels[0])], capture_output=True, text=True, env=env, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    version = subprocess.run([str(tmp_path / "bin" / "nglint"), "--version"], capture_output=True, text=True, timeout=60)
    assert version.stdout.strip() == f"nglint {__version__}"
    checked = subprocess.run([str(tmp_path / "bin" / "nglint"), "check", str(PROJECT_ROOT / "samples" / "01-tomcat-race")],
                             capture_output=True, text=True, timeout=120)
    assert checked.returncode == 1 and "KA001" in checked.stdout
    # `pipx run`: a throw-away environment, no install step
    ran = subprocess.run([pipx, "run", "--spec", str(wheels[0]), "nglint", "--version"], capture_output=True, text=True,
                         env=env, timeout=900)
    assert ran.returncode == 0 and ran.stdout.strip() == f"nglint {__version__}", ran.stdout + ran.stderr
