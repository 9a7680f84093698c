"""A private virtual environment for gixy-ng, the peer nglint is compared with.

gixy-ng depends on `ngxparse`, which installs a top-level package named `crossplane`
that replaces the real one. Installed next to nglint it would break nglint's parser, so
gixy-ng lives in its own venv (no system site-packages) under `bench/.venv-gixy`,
git-ignored. Only the full benchmark creates it (network, ~10 s); the smoke test uses it
when it is already there and otherwise leaves the gixy column out.
"""

from __future__ import annotations

import os
import subprocess
import sys

GIXY_VERSION = "0.2.59"
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_VENV = os.path.join(HERE, ".venv-gixy")

# gixy-ng 0.2.59 crashes on one real-world file (`worker_rlimit_nofile ${VAR};` makes
# the worker_rlimit_nofile_vs_connections check call int() on a placeholder), and one
# crash aborts the whole run. Skipping that one check lets it finish on every input;
# it is one cheap check of dozens, so the timing is not flattered.
GIXY_SKIPS = "worker_rlimit_nofile_vs_connections"

# Exit codes: 0 no issues, 1 issues found (the usual case on real configs).
GIXY_OK_CODES = (0, 1)


def venv_dir() -> str:
    return os.environ.get("NGLINT_BENCH_GIXY_VENV", DEFAULT_VENV)


def gixy_executable(venv: str | None = None) -> str | None:
    """The gixy console script if the venv exists and has it, else None."""
    path = os.path.join(venv or venv_dir(), "bin", "gixy")
    return path if os.access(path, os.X_OK) else None


def ensure_gixy(venv: str | None = None, log=print) -> str:
    """Create the venv and install the pinned gixy-ng if needed; return the gixy path."""
    venv = venv or venv_dir()
    found = gixy_executable(venv)
    if found:
        return found
    log(f"creating {venv} with gixy-ng=={GIXY_VERSION} (its own venv: ngxparse shadows crossplane)")
    subprocess.run([sys.executable, "-m", "venv", "--clear", venv], check=True)
    subprocess.run(
        [os.path.join(venv, "bin", "python"), "-m", "pip", "install", "--quiet", f"gixy-ng=={GIXY_VERSION}"],
        check=True,
    )
    found = gixy_executable(venv)
    if not found:
        raise RuntimeError(f"gixy-ng installed but {venv}/bin/gixy is missing")
    return found


def gixy_version(gixy: str) -> str:
    out = subprocess.run([gixy, "--version"], capture_output=True, text=True, check=False).stdout
    return out.strip().splitlines()[0] if out.strip() else "unknown"


def gixy_argv(gixy: str, files: list[str]) -> list[str]:
    """gixy on the given entry files; JSON output keeps the console formatter out of the timing."""
    return [gixy, "-f", "json", "--skips", GIXY_SKIPS, *files]
