"""Run the selected checks over a loaded project and produce a Report.

A thin composition of the stages in nglint.pipeline (load → link → check → filter →
suppress → scope → fix); this module keeps the entry points callers use.
"""

from __future__ import annotations

import os

from nglint import lifetime
from nglint.config import Settings
from nglint.pipeline import CheckCrashed, Request, execute, finalize, run_checks
from nglint.project import Project
from nglint.report import Report

__all__ = ["CheckCrashed", "finalize", "run", "run_checks", "run_with_project"]


def run(
    paths: list[str],
    settings: Settings,
    cwd: str | None = None,
    changed: bool = False,
    jobs: int = 1,
    fixes: bool | str = True,
    isolated: bool = False,
) -> Report:
    """Lint `paths`. With `changed`, the paths are changed files: the project around them is
    loaded and only findings concerning them are reported (see nglint.changed_files).
    `jobs` > 1 parses files in that many processes (see nglint.parallel); same report.
    `fixes=False` skips building fixes (re-lexing files, rendering templates) when the
    output cannot show them: that work is most of a pre-commit run's start-up;
    `fixes="if-fixable"` builds them only when a finding's rule has a fix (to count them).
    Paths inside a project (config file directory, else git work tree) are linted in the
    context of that whole project and select where findings are reported; `isolated`
    makes the paths their own context (see docs/paths.md)."""
    return run_with_project(paths, settings, cwd, changed, jobs, fixes, isolated)[0]


def run_with_project(
    paths: list[str],
    settings: Settings,
    cwd: str | None = None,
    changed: bool = False,
    jobs: int = 1,
    fixes: bool | str = True,
    isolated: bool = False,
) -> tuple[Report, Project]:
    """run(), and the loaded Project with it, for callers that map findings back onto
    the model (`nglint explain` matches log lines to upstreams)."""
    request = Request(list(paths), settings, cwd or os.getcwd(), changed, jobs, fixes, isolated)
    fixed = execute(request)
    lifetime.keep_until_exit(fixed)
    return fixed.report, fixed.run.project
