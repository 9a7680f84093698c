"""Tiny launcher: run one command, report its wall time and its own peak RSS.

Why not measure from the benchmark process itself: Linux folds the RSS high-water mark of
the memory image a child *had before exec* into that child's ru_maxrss, and a child of
fork/vfork/posix_spawn starts with its parent's image. Measured directly, every command
would weigh at least as much as the benchmark runner (tested: a 300 MB runner made
`python -c pass` report 322 MB). This launcher is a bare interpreter (`python -I -S`,
stdlib `os` only, about 8 MB), smaller than any command measured, so what it reports is
the command's own peak. Its start-up is outside the timed span.

    python -I -S spawn.py RESULT_JSON STDOUT_FILE STDERR_FILE -- argv...
"""

import os
import sys
import time


def main() -> int:
    result_path, out_path, err_path, sep, *argv = sys.argv[1:]
    if sep != "--" or not argv:
        sys.stderr.write(__doc__)
        return 2
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, out_path, flags, 0o644),
        (os.POSIX_SPAWN_OPEN, 2, err_path, flags, 0o644),
    ]
    started = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    with open(result_path, "w") as handle:
        cpu = usage.ru_utime + usage.ru_stime  # this child only; its own children are not waited for here
        handle.write('{"seconds": %r, "cpu_seconds": %r, "max_rss_kb": %d, "returncode": %d}' % (elapsed, cpu, usage.ru_maxrss, code))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
