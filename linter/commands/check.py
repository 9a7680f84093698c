"""`nglint check [PATH ...]`: lint, report in one of the formats, or fix (`--fix`, `--diff`).

Exit codes (fixed; CI and pre-commit depend on them): 0 no error or warning findings,
1 findings, 2 usage error or internal failure.
"""

from __future__ import annotations

import argparse
import os
import sys

from nglint.commands import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, jobs
from nglint.printable import printable

FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit", "checkstyle", "rdjson")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", default=None, metavar="PATH", help="files or directories (default: .)")
    parser.add_argument("--format", "--output-format", dest="format", choices=FORMATS, default="text",
                        help="report format (--output-format is ruff's name for it)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    parser.add_argument("--select", action="append", default=None, metavar="CODES", help="rule codes or prefixes, comma-separated")
    parser.add_argument("--ignore", action="append", default=None, metavar="CODES", help="rule codes or prefixes to skip")
    parser.add_argument("--config", metavar="FILE", help="config file (.nglint.toml or pyproject.toml)")
    parser.add_argument("--nginx-version", metavar="V", help="nginx version the config runs on (changes keepalive defaults)")
    parser.add_argument(
        "--allow-outside",
        action="append",
        default=[],
        metavar="DIR",
        help="let paths in the configuration (nginx-roots, nginx-prefix, server-xml) lead into DIR, outside the project",
    )
    parser.add_argument(
        "--isolated",
        action="store_true",
        help="lint PATHs on their own; by default they are linted in the context of the project "
        "around them (nglint config directory, else git work tree) and select where findings are reported",
    )
    parser.add_argument(
        "--changed",
        action="store_true",
        help="PATHs are changed files (what pre-commit passes): lint the project around them "
        "and report only findings in them or related to them",
    )
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings are reported")
    parser.add_argument("--statistics", action="store_true", help="print the number of findings per rule instead of the findings")
    parser.add_argument("--show-settings", action="store_true", help="print the resolved configuration and where each value came from, then exit")
    parser.add_argument("--quiet", "-q", action="store_true", help="print findings only: no summary line, nothing when clean")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour and hyperlinks in text output (auto: on a terminal, unless NO_COLOR; FORCE_COLOR forces)")
    parser.add_argument("--fail-on", choices=("error", "warning", "info"), default=None,
                        help="least severity that makes the run exit 1 (default: warning, or fail-on in config)")
    parser.add_argument("--stdin-filename", metavar="PATH",
                        help="with PATH `-`: lint standard input as the content of this file, with the project around it")
    fixing = parser.add_mutually_exclusive_group()
    fixing.add_argument("--fix", action="store_true", help="apply safe fixes in place, then report what remains")
    fixing.add_argument("--diff", action="store_true", help="print the fixes as one unified diff and write nothing (exit 1 if any)")
    parser.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff: include fixes marked unsafe")
    parser.add_argument(
        "--jobs",
        type=jobs,
        default=None,
        metavar="N",
        help="parse files in N processes (default: number of CPUs); output is identical to --jobs 1",
    )


def run(args: argparse.Namespace) -> int:
    return _without_gc(_check, args)


def _split(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _without_gc(function, *args):
    """Run with the cyclic garbage collector off, and restore it after.

    One `check` builds a large tree of objects that all live until the report is written.
    The collector finds nothing to free in it but rescans it again and again as it grows:
    a third of the load time at 5000 server blocks, and superlinear. Restored afterwards
    so a caller of main() in the same process (tests, hooks) keeps its collector.
    """
    import gc

    from nglint import lifetime

    enabled = gc.isenabled()
    gc.disable()
    try:
        return function(*args)
    finally:
        if enabled:
            if lifetime.ending():
                # Everything the run allocated is still in the youngest generation: the
                # first collection after enable() would scan all of it (a tenth of a
                # run) just before the process ends. Frozen, the collector skips it.
                gc.freeze()
            gc.enable()


def _check(args: argparse.Namespace) -> int:
    from nglint.config import ConfigError, load_settings, parse_version
    from nglint.discovery import UsageError
    from nglint.registry import RegistryError
    from nglint.runner import CheckCrashed, run

    try:
        _stdin_paths(args)
    except UsageError as exc:
        print(f"nglint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if not args.paths:  # `--changed` with no files: nothing changed
        args.paths = [] if args.changed else ["."]
    try:
        settings = load_settings(args.config, args.paths[0] if args.paths else ".", args.allow_outside)
        if args.nginx_version:
            try:
                settings.nginx_version = parse_version(args.nginx_version)
            except ValueError as exc:
                raise ConfigError(f"--nginx-version: {exc}") from None
            settings.origins["nginx-version"] = "--nginx-version"
        for name in ("select", "ignore"):
            value = _split(getattr(args, name))
            if value is not None:
                setattr(settings, name, value)
                settings.origins[name] = f"--{name}"
        if args.fail_on:
            from nglint.findings import Severity

            settings.fail_on = Severity(args.fail_on)
            settings.origins["fail-on"] = "--fail-on"
        if args.show_settings:
            from nglint.show_settings import render_settings

            sys.stdout.write(render_settings(settings, args.paths))
            return EXIT_OK
        if args.statistics and args.format not in ("text", "json"):
            raise UsageError("--statistics prints a text or JSON table; it cannot be combined with --format " + args.format)
        if args.jobs is None:
            from nglint.parallel import default_jobs

            args.jobs = default_jobs()
        # Fixes are built only where they are shown or applied, or counted for text's hint.
        build_fixes = args.fix or args.diff or args.format in ("json", "sarif", "rdjson")
        if not build_fixes and args.format == "text" and not args.quiet and not args.statistics:
            build_fixes = "if-fixable"  # the hint counts only fixes --fix would really apply
        if args.stdin_filename:
            from nglint import overlay

            overlay.install(args.stdin_filename, _read_stdin(settings.max_file_size))
            args.jobs = 1  # worker processes would read the file from disk
        with _fix_lock(args, settings):
            report = run(args.paths, settings, changed=args.changed, jobs=args.jobs, fixes=build_fixes, isolated=args.isolated)
            if args.diff:
                return _print_diff(report, args)
            if args.fix:
                report = _apply_fixes(
                    report, args, lambda: run(args.paths, settings, changed=args.changed, jobs=args.jobs, isolated=args.isolated)
                )
    except (ConfigError, UsageError, RegistryError) as exc:  # UsageError includes a --fix lock not taken in time
        print(f"nglint: error: {printable(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except CheckCrashed as exc:
        print(f"nglint: internal error: {printable(str(exc))}", file=sys.stderr)
        return EXIT_ERROR

    if not report.nginx_files and report.named_paths and not args.quiet:
        # As ruff warns when it finds no Python file: a clean run that checked nothing says so.
        from nglint.reporters.text import nothing_found

        print(f"nglint: warning: {nothing_found(report)}", file=sys.stderr)
    if args.statistics and args.format == "json":
        from nglint.statistics import render_json

        output = render_json(report)
    elif args.statistics:
        from nglint.show_settings import render_statistics

        output = render_statistics(report, quiet=args.quiet)
    elif args.format == "text":
        from nglint.reporters import text as reporter

        output = reporter.render(report, colour=_use_colour(sys.stdout, args.color, to_file=bool(args.output)))
        if args.quiet:
            output = "".join(output.splitlines(keepends=True)[:-1])  # drop the summary line
    else:
        import importlib

        output = importlib.import_module(f"nglint.reporters.{args.format}").render(report)
    if args.output:
        if not _write_output(args.output, output.encode("utf-8")):
            return EXIT_ERROR
    else:
        sys.stdout.write(output)
        sys.stdout.flush()
    if not args.fix and args.format == "text" and not args.quiet and not args.statistics:
        _fix_hint(report, args.unsafe_fixes)  # after the report, as ruff prints it
    return EXIT_FINDINGS if report.failed and not args.exit_zero else EXIT_OK


def _stdin_paths(args: argparse.Namespace) -> None:
    """`--stdin-filename PATH -`: lint standard input as PATH's content, in its project.

    Linted like a changed file (`--changed PATH`): the project around PATH is loaded and
    the findings concerning PATH are reported under its name. PATH must exist, since its
    place in the project (includes, nearest server.xml) is what gives it meaning."""
    from nglint.discovery import UsageError

    reads_stdin = "-" in (args.paths or [])
    if not args.stdin_filename:
        if reads_stdin:
            raise UsageError("reading standard input (`-`) needs --stdin-filename PATH, the file it stands for")
        return
    if any(path != "-" for path in args.paths or []):
        raise UsageError("--stdin-filename lints standard input only; give `-` (or no path), not other paths")
    if args.fix or args.diff:
        raise UsageError("--fix and --diff rewrite files; they cannot be combined with --stdin-filename")
    if not os.path.isfile(args.stdin_filename):
        raise UsageError(f"--stdin-filename {args.stdin_filename}: no such file (its content is replaced, so it must exist)")
    args.paths = [args.stdin_filename]
    args.changed = True


def _read_stdin(limit: int) -> bytes:
    """Standard input as bytes, at most one byte over `limit` (the reader reports the excess)."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        return b""
    return stream.read(limit + 1)


def _fix_lock(args: argparse.Namespace, settings):
    """`--fix` holds the repository's fix lock from its first read to its last write."""
    import contextlib

    if not args.fix:
        return contextlib.nullcontext()
    from nglint.fixer.lock import fix_lock, lock_directory

    return fix_lock(lock_directory(args.paths, settings.project_root))


def _print_diff(report, args: argparse.Namespace) -> int:
    """`--diff`: the patch `--fix` would write on its first pass, paths relative to cwd."""
    from nglint.fixer.apply import preview, unfixable
    from nglint.fixer.diff import unified_diff

    changes, failures, deferred = preview(report, args.unsafe_fixes)
    failures = failures + unfixable(report)
    patch = b"".join(unified_diff(report.display_path(c.path), c.old, c.new) for c in changes)
    _report_fix_failures(report, failures)
    fixed = sum(len(c.fixes) for c in changes)
    if patch:
        more = f"; {deferred} overlapping fix(es) follow once these are applied (run --fix)" if deferred else ""
        print(f"Would fix {fixed} finding(s) in {len(changes)} file(s){more}.", file=sys.stderr)
    else:
        print("No fixes to apply.", file=sys.stderr)
    _fix_hint(report, args.unsafe_fixes, only_unsafe=True)
    if args.output:
        if not _write_output(args.output, patch):
            return EXIT_ERROR
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(patch)
        sys.stdout.buffer.flush()
    return EXIT_FINDINGS if patch else EXIT_OK


def _apply_fixes(report, args: argparse.Namespace, relint):
    """`--fix`: rewrite files (atomically, verified, rolled back on failure); the report
    that is printed afterwards is a fresh lint of the fixed files."""
    from nglint.fixer.apply import fix_project, unfixable

    outcome = fix_project(relint, report, args.unsafe_fixes)
    _report_fix_failures(report, outcome.failures + unfixable(report))
    if outcome.applied:
        files = len(outcome.files)
        print(f"Applied {len(outcome.applied)} fix(es) to {files} file{'s' if files != 1 else ''}.", file=sys.stderr)
    _fix_hint(outcome.report, args.unsafe_fixes, only_unsafe=True)
    return outcome.report


def _report_fix_failures(report, failures) -> None:
    for failure in failures:
        where = f"{report.display_path(failure.finding.path)}:{failure.finding.line}"
        print(f"nglint: fix not applied: {where}: {failure.finding.rule}: {printable(failure.reason)}", file=sys.stderr)


def _fix_hint(report, unsafe_fixes: bool, only_unsafe: bool = False) -> None:
    """Like ruff's "[*] N fixable with --fix", on stderr so reports stay parseable.

    Counts the fixes that were built with the findings, so only what `--fix` (or
    `--fix --unsafe-fixes`) would apply: a display-only fix or a finding whose fix
    cannot be computed is not counted."""
    if not report.fixes_built and not any(f.fix is not None for f in report.findings):
        return
    from nglint.fixer import SAFE, UNSAFE, Fix

    fixes = [f.fix for f in report.findings if isinstance(f.fix, Fix)]
    safe = sum(1 for fix in fixes if fix.safety == SAFE)
    unsafe = sum(1 for fix in fixes if fix.safety == UNSAFE)
    if safe and not only_unsafe:
        extra = f" ({unsafe} more with --unsafe-fixes)" if unsafe and not unsafe_fixes else ""
        print(f"[*] {safe} fixable with --fix{extra}.", file=sys.stderr)
    elif unsafe and not unsafe_fixes:
        print(f"{unsafe} fix(es) available with --unsafe-fixes.", file=sys.stderr)


def _write_output(path: str, data: bytes) -> bool:
    """`--output`: the whole report or nothing (see nglint.output); False after a message."""
    from nglint.output import write_atomic

    try:
        write_atomic(path, data)
    except OSError as exc:
        print(f"nglint: error: cannot write {printable(path)}: {exc.strerror or exc}", file=sys.stderr)
        return False
    return True


def _use_colour(stream, mode: str = "auto", to_file: bool = False) -> bool:
    """`--color`: always/never win; auto honours NO_COLOR, then FORCE_COLOR, then a TTY."""
    if mode != "auto":
        return mode == "always"
    if to_file or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()
