"""One `--fix` run at a time per repository: an advisory lock for the whole run.

An editor fixing on save and a pre-commit hook can start `nglint check --fix` on the
same tree at once. Each plans its edits on the bytes it linted and re-checks them right
before each rename, but two runs interleaving lint, plan and write could still stack
the same fix twice. So a `--fix` run holds an exclusive `flock` on the repository's
top directory (the git work tree, else the nglint project, else the checked paths'
common directory) from its first read to its last write. Nothing is created in the
tree: the lock is taken on the directory itself. Writers that are not nglint do not
take it; SECURITY.md says what window remains.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator

from nglint.discovery import UsageError

WAIT_SECONDS = 120.0


class LockTimeout(UsageError):
    """Another `--fix` run kept the lock for longer than WAIT_SECONDS: the invocation
    cannot be carried out now (exit 2, like every UsageError)."""


def lock_directory(paths: list[str], project_root: str | None) -> str:
    """The directory whose lock serialises fix runs over `paths`."""
    from nglint.changed_files import find_git_root

    absolute = [os.path.abspath(p) for p in paths] or [os.getcwd()]
    git = find_git_root(absolute[0])
    if git is not None:
        return git
    if project_root:
        return project_root
    common = os.path.commonpath(absolute)
    return common if os.path.isdir(common) else os.path.dirname(common)


@contextlib.contextmanager
def fix_lock(directory: str, wait: float = WAIT_SECONDS) -> Iterator[None]:
    """Hold an exclusive advisory lock on `directory`; wait for a running fix to end."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; the per-file re-check before rename remains
        yield
        return
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        yield  # cannot open the directory to lock it: the per-file checks still apply
        return
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockTimeout(f"another nglint --fix is running on {directory}; gave up after {wait:g} s") from None
                time.sleep(0.05)
            except OSError:
                break  # a file system without flock: same fallback as above
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
