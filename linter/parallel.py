"""`nglint check --jobs N`: parse files in worker processes, lint in one.

Parsing (nginx_fastparse or crossplane for nginx, lxml for server.xml) is the part of a
run each file does on its own, while the checks are project-wide (an upstream links to
whichever server.xml in the checked tree listens on its port). So the workers only turn
files into the same `ParsedFile` / `BackendFile` values the serial path would build, and
the main process loads includes, links and checks exactly as with `--jobs 1`. The output
is identical by construction: a parsed file does not depend on which process parsed it,
and problems are still recorded in the order the main process asks for the files.

A many-root monorepo parses its roots in parallel this way, and so does one big root.
Small inputs skip the pool (forking and sending results back costs more than it saves),
and any failure of the pool falls back to parsing in the main process.
"""

from __future__ import annotations

import os
import sys

# Below this much input (entry candidates and server.xml files, by size) the pool costs
# more than it saves: well-formed nginx is read at several MB/s, so forking and sending
# parsed statements back pays only on large trees. Measured with --jobs 2 on 2 cores:
# generated trees of 0.7 MB even and 1.4 MB 7 % faster; the 1.3 MB real-world corpus
# (hundreds of tiny files) 2-10 % slower.
MIN_PARALLEL_BYTES = 1024 * 1024

BATCHES_PER_WORKER = 4


def default_jobs() -> int:
    """CPUs this process may run on (the affinity mask in containers), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def preparse(nginx_paths: list[str], backend_items: list[tuple[str, object]], tree_roots: list[str], max_file_size: int, jobs: int):
    """Parse files in `jobs` processes (this one and jobs-1 workers); returns ({nginx path: ParsedFile}, {backend path: BackendFile}).

    Files missing from the result (pool not used or failed) are parsed later by the caller.
    """
    tasks = [("nginx", os.path.abspath(path), None) for path in nginx_paths]
    tasks += [("backend", path, parser) for path, parser in backend_items]
    sizes = [_size(task[1]) for task in tasks]
    if jobs <= 1 or len(tasks) < 2 or sum(sizes) < MIN_PARALLEL_BYTES:
        return {}, {}
    batches = _balance(tasks, sizes, min(len(tasks), jobs * BATCHES_PER_WORKER))
    if len(batches) < 2:
        return {}, {}
    nginx: dict = {}
    backends: dict = {}
    try:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # fork on Linux: workers start at once with nglint already imported. Elsewhere the
        # platform default (spawn), since fork is unsafe with macOS system libraries.
        context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else None)
        # The main process takes every jobs-th batch itself: one fewer process to start,
        # and its share needs no pickling on the way back.
        own = batches[::jobs]
        shipped = [batch for index, batch in enumerate(batches) if index % jobs]
        from nglint.interrupts import ignore_in_worker

        with ProcessPoolExecutor(max_workers=min(jobs - 1, len(shipped)), mp_context=context, initializer=ignore_in_worker) as pool:
            futures = [pool.submit(_parse_batch, batch, tree_roots, max_file_size) for batch in shipped]
            for batch in own:
                for kind, path, parsed in _parse_batch(batch, tree_roots, max_file_size):
                    (nginx if kind == "nginx" else backends)[path] = parsed
            for future in futures:
                try:
                    results = future.result()
                except Exception:  # noqa: BLE001 - e.g. a result too deeply nested to pickle
                    continue  # those files are parsed serially by the caller
                for kind, path, parsed in results:
                    (nginx if kind == "nginx" else backends)[path] = parsed
    except (OSError, ImportError, RuntimeError):
        pass  # no processes available here: the serial path does everything
    return nginx, backends


def _parse_batch(batch: list[tuple[str, str, object]], tree_roots: list[str], max_file_size: int) -> list[tuple[str, str, object]]:
    """Worker: the same calls the serial path makes, for a batch of files."""
    from nglint.sources.nginx.parse import parse_nginx_file

    out = []
    for kind, path, parser in batch:
        if kind == "nginx":
            out.append((kind, path, parse_nginx_file(path, max_file_size)))
        else:
            out.append((kind, path, parser.parse(path, tree_roots, max_file_size)))
    return out


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _balance(tasks: list, sizes: list[int], count: int) -> list[list]:
    """Largest files first, each to the lightest batch, so no worker idles at the end."""
    batches: list[list] = [[] for _ in range(max(1, count))]
    loads = [0] * len(batches)
    for index in sorted(range(len(tasks)), key=lambda i: -sizes[i]):
        lightest = loads.index(min(loads))
        batches[lightest].append(tasks[index])
        loads[lightest] += sizes[index] + 1
    return [batch for batch in batches if batch]
