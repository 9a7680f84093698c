"""Wall time and peak RSS of one child process, and the statistics over repetitions.

Every measurement is a fresh process, as a pre-commit hook or a CI step starts one.
Each goes through `spawn.py`, a bare launcher that times the command and reads its peak
RSS with `os.wait4` (the rusage of exactly that child, not the running maximum over all
children that RUSAGE_CHILDREN gives); see spawn.py for why not from this process. Output
goes to files, not pipes, so a chatty tool never blocks on a full pipe.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

SPAWN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "spawn.py")


@dataclass
class Run:
    """One execution of one case."""

    seconds: float
    max_rss_kb: int
    cpu_seconds: float
    returncode: int
    stdout: bytes
    stderr: bytes


@dataclass
class Case:
    """A command measured repeatedly; `ok_codes` are exit codes that mean 'ran fine'
    (linters exit 1 when they found something, which is the normal case here)."""

    key: str
    argv: list[str]
    cwd: str | None = None
    env: dict[str, str] | None = None
    ok_codes: tuple[int, ...] = (0,)
    per_round: int = 1  # short, noisy commands (start-up) run several times per round
    runs: list[Run] = field(default_factory=list)

    @property
    def times(self) -> list[float]:
        return [run.seconds for run in self.runs]

    @property
    def cpu(self) -> list[float]:
        return [run.cpu_seconds for run in self.runs]

    @property
    def rss_kb(self) -> list[int]:
        return [run.max_rss_kb for run in self.runs]


class CaseFailed(RuntimeError):
    """A measured command exited with a code outside its ok_codes: its timing is meaningless."""


def run_once(case: Case) -> Run:
    """Run `case.argv` once through the launcher and return its time and peak RSS."""
    with tempfile.TemporaryDirectory(prefix="nglint-bench-run-") as tmp:
        result, out, err = (os.path.join(tmp, name) for name in ("result.json", "out", "err"))
        argv = [sys.executable, "-I", "-S", SPAWN, result, out, err, "--", *case.argv]
        launcher = subprocess.run(argv, cwd=case.cwd, env=case.env, stdin=subprocess.DEVNULL, capture_output=True)
        if launcher.returncode != 0 or not os.path.exists(result):
            raise CaseFailed(f"{case.key}: launcher failed ({launcher.returncode}): {launcher.stderr.decode(errors='replace')}")
        with open(result, encoding="utf-8") as handle:
            data = json.load(handle)
        with open(out, "rb") as handle:
            stdout = handle.read()
        with open(err, "rb") as handle:
            stderr = handle.read()
    run = Run(data["seconds"], data["max_rss_kb"], data["cpu_seconds"], data["returncode"], stdout, stderr)
    if run.returncode not in case.ok_codes:
        tail = run.stderr.decode("utf-8", "replace")[-2000:]
        raise CaseFailed(f"{case.key}: {' '.join(case.argv)} exited {run.returncode}\n{tail}")
    return run


def run_interleaved(cases: list[Case], repetitions: int, warmup: bool = True, progress=None) -> None:
    """Run every case `repetitions` times, round-robin, rotating the start each round.

    Interleaving spreads slow drift (thermal, another process, page cache) over all
    cases instead of charging it to whichever ran last; the warm-up round fills the page
    cache and writes .pyc files and is not recorded.
    """
    if warmup:
        for case in cases:
            run_once(case)
    for rep in range(repetitions):
        shift = rep % len(cases) if cases else 0
        for case in cases[shift:] + cases[:shift]:
            for _ in range(case.per_round):
                case.runs.append(run_once(case))
            if progress:
                progress(case, rep)


@dataclass(frozen=True)
class Summary:
    median: float
    low: float
    high: float
    n: int

    @property
    def spread_pct(self) -> float:
        """Half the min-max range, relative to the median: a plain, robust noise figure."""
        return 0.0 if self.median == 0 else 50.0 * (self.high - self.low) / self.median


def summarize(values: list[float]) -> Summary:
    if not values:
        raise ValueError("no values")
    return Summary(statistics.median(values), min(values), max(values), len(values))
