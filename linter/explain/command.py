"""`nglint explain [LOG ...]`: read logs, explain each line's cause, match it to the configuration.

Exit codes: 0 when no cause points at a configuration problem, 1 when one does (a cause
documented as such, or a finding matched to the lines), 2 for unusable input (a missing
or unreadable log, a bad --since/--until, a configuration nglint refuses).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time

EXIT_ERROR = 2
PROGRESS_MIN_BYTES = 64 * 1024 * 1024

_TIME = re.compile(r"(\d{4})[-/](\d\d)[-/](\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d))?)?")


class UsageError(Exception):
    """Unusable input: exit 2."""


def parse_time(text: str, end: bool) -> bytes:
    """A --since/--until value as nginx's own timestamp bytes (they compare in order).

    A date alone means its first second for --since and its last for --until; log times
    are local and carry no zone, so none is accepted here either."""
    match = _TIME.fullmatch(text.strip())
    if match is None:
        raise UsageError(f"invalid time {text!r}: expected YYYY-MM-DD[THH:MM[:SS]] or 'YYYY/MM/DD HH:MM:SS'")
    year, month, day, hour, minute, second = match.groups()
    if hour is None:
        hour, minute, second = ("23", "59", "59") if end else ("00", "00", "00")
    elif second is None:
        second = "59" if end else "00"
    import datetime

    try:
        datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
    except ValueError as exc:
        raise UsageError(f"invalid time {text!r}: {exc}") from None
    return f"{year}/{month}/{day} {hour}:{minute}:{second}".encode()


def run(args: argparse.Namespace) -> int:
    from nglint.explain.aggregate import Aggregator
    from nglint.explain.parallel import count_in_parallel, default_jobs, worth_it
    from nglint.explain.reading import InputError, Source
    from nglint.explain.render import render
    from nglint.explain.summary import build

    try:
        since = parse_time(args.since, end=False) if args.since else None
        until = parse_time(args.until, end=True) if args.until else None
        if not args.logs and sys.stdin.isatty():
            raise UsageError("no log given: name error log files, or pipe one in with -")
        sources = [Source(name) for name in (args.logs or ["-"])]
        if sum(1 for s in sources if s.name == "-") > 1:
            raise UsageError("stdin (-) given more than once")
        for source in sources:
            source.check()
        for path in args.config_path or ():
            if not os.path.exists(path):  # before reading a log that may take minutes
                raise UsageError(f"--config-path {path}: no such file or directory")
        aggregator = Aggregator(since, until)
        inputs = []
        progress = _Progress(sum(s.size or 0 for s in sources))
        jobs = args.jobs or default_jobs()
        for ordinal, source in enumerate(sources):
            before = aggregator.lines
            if worth_it(source, jobs):
                count_in_parallel(source, aggregator, jobs, progress.update if progress.enabled else None, ordinal=ordinal)
            else:
                aggregator.segment((ordinal, 0))
                for lines in source.blocks(progress.update if progress.enabled else None):
                    aggregator.feed(lines)
            progress.next_file()
            aggregator.overlong += source.overlong
            inputs.append({"name": source.display, "lines": aggregator.lines - before})
        aggregator.finish()
        progress.done()
        correlator, note = _correlate(args)
    except (UsageError, InputError) as exc:
        print(f"nglint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    window = {"since": since.decode() if since else None, "until": until.decode() if until else None}
    summary = build(aggregator, inputs, correlator, note, window)
    output = render(summary, args.format)
    sys.stdout.flush()
    sys.stdout.buffer.write(output.encode("utf-8", "surrogateescape"))
    sys.stdout.buffer.flush()
    return summary["exit_code"]


def _correlate(args: argparse.Namespace):
    """(Correlator or None, note): the configuration given, or the project around `.`."""
    if args.no_config:
        return None, "--no-config"
    from nglint.config import ConfigError
    from nglint.discovery import UsageError as DiscoveryError
    from nglint.explain.correlate import load
    from nglint.registry import RegistryError
    from nglint.runner import CheckCrashed

    cwd = os.getcwd()
    paths = args.config_path or ["."]
    try:
        correlator, reason = load(paths, cwd)
    except (ConfigError, DiscoveryError, RegistryError, CheckCrashed) as exc:
        if args.config_path:
            raise UsageError(str(exc)) from None
        return None, f"the project around . could not be loaded: {exc}"
    if correlator is None:
        return None, reason
    return correlator, None


class _Progress:
    """A one-line byte counter on stderr, only on a terminal and only for large inputs."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.enabled = total >= PROGRESS_MIN_BYTES and sys.stderr.isatty()
        self.done_bytes = 0
        self.current = 0
        self.shown = 0.0

    def update(self, position: int) -> None:
        self.current = position
        now = time.monotonic()
        if now - self.shown >= 0.5:
            self.shown = now
            seen = (self.done_bytes + self.current) / (1024 * 1024)
            sys.stderr.write(f"\rnglint explain: {seen:.0f} of {self.total / (1024 * 1024):.0f} MB read")
            sys.stderr.flush()

    def next_file(self) -> None:
        self.done_bytes += self.current
        self.current = 0

    def done(self) -> None:
        if self.enabled and self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
