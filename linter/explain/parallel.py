"""Count one large plain log in worker processes, a byte range each, and merge in order.

A regular, uncompressed file is cut at line starts into CHUNK-sized ranges; workers count
ranges (aggregate.Aggregator) and the parent merges their counters in file order, so the
result is the one a single pass gives: same counts, same first samples. Memory stays
bounded: a worker holds one range's counters, the parent the merged ones. gzip and
stdin cannot be cut and are read in one pass.
"""

from __future__ import annotations

import os

from nglint.explain.aggregate import Aggregator
from nglint.explain.reading import MAX_LINE, Source

CHUNK = 32 * 1024 * 1024
PARALLEL_MIN = 64 * 1024 * 1024


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def worth_it(source: Source, jobs: int) -> bool:
    return jobs > 1 and source.name != "-" and (source.size or 0) >= PARALLEL_MIN and not source.is_gzip()


def line_ranges(path: str, size: int, chunk: int = CHUNK) -> list[tuple[int, int]]:
    """[start, end) ranges of about `chunk` bytes, each starting at a line start."""
    starts = [0]
    with open(path, "rb") as handle:
        position = chunk
        while position < size:
            handle.seek(position)
            newline = handle.read(MAX_LINE).find(b"\n")
            if newline < 0:  # inside an overlong line: try further on
                position += chunk
                continue
            starts.append(position + newline + 1)
            position = starts[-1] + chunk
    ends = starts[1:] + [size]
    return [(start, end) for start, end in zip(starts, ends) if end > start]


def _count_range(task: tuple) -> Aggregator:
    path, ordinal, start, end, since, until = task
    source = Source(path)
    aggregator = Aggregator(since, until)
    aggregator.segment((ordinal, start))
    for lines in source.range_blocks(start, end):
        aggregator.feed(lines)
    aggregator.overlong += source.overlong
    aggregator.flush()
    return aggregator


def count_in_parallel(source: Source, aggregator: Aggregator, jobs: int, progress=None, chunk: int = CHUNK,
                      ordinal: int = 0) -> None:
    """Add the counts of `source` (input number `ordinal`) to `aggregator`, using `jobs` processes."""
    import multiprocessing

    ranges = line_ranges(source.name, source.size or 0, chunk)
    tasks = [(source.name, ordinal, start, end, aggregator.since, aggregator.until) for start, end in ranges]
    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    with context.Pool(min(jobs, len(tasks)), initializer=_quiet_worker) as pool:
        for (_, end), part in zip(ranges, pool.imap(_count_range, tasks)):
            aggregator.merge(part)
            if progress is not None:
                progress(end)
        # Workers end on their own once the queue is drained: the pool's exit would
        # otherwise terminate() them, a SIGTERM in the middle of their shutdown.
        pool.close()
        pool.join()


def _quiet_worker() -> None:
    """Workers leave Ctrl-C to the main process and die silently on SIGTERM.

    A forked worker inherits the CLI's handlers (nglint.interrupts), which turn SIGTERM
    into an exception: each worker would print its own traceback when the pool stops it.
    """
    import signal

    from nglint.interrupts import ignore_in_worker

    ignore_in_worker()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
