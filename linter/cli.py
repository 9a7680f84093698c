"""Command line: `nglint check`, `nglint topology`, `nglint rules`, `nglint rule CODE`, `nglint --version`.

Exit codes (fixed; CI and pre-commit depend on them): 0 no error or warning findings,
1 findings, 2 usage error or internal failure.
"""

from __future__ import annotations

import argparse
import os
import sys

from nglint import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FORMATS = ("text", "json", "sarif", "github")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 already; keep the message style
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"nglint: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="nglint", description="Cross-tier linter for nginx and the servers behind it.")
    parser.add_argument("--version", action="version", version=f"nglint {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    check = sub.add_parser("check", help="lint nginx configs and the backends behind them")
    check.add_argument("paths", nargs="*", default=None, metavar="PATH", help="files or directories (default: .)")
    check.add_argument("--format", choices=FORMATS, default="text")
    check.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    check.add_argument("--select", action="append", default=None, metavar="CODES", help="rule codes or prefixes, comma-separated")
    check.add_argument("--ignore", action="append", default=None, metavar="CODES", help="rule codes or prefixes to skip")
    check.add_argument("--config", metavar="FILE", help="config file (.nglint.toml or pyproject.toml)")
    check.add_argument("--nginx-version", metavar="V", help="nginx version the config runs on (changes keepalive defaults)")
    # --- pre-commit and CI (issue 5) ---
    check.add_argument(
        "--changed",
        action="store_true",
        help="PATHs are changed files (what pre-commit passes): lint the project around them "
        "and report only findings in them or related to them",
    )
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings are reported")
    check.add_argument("--statistics", action="store_true", help="print the number of findings per rule instead of the findings")
    check.add_argument("--show-settings", action="store_true", help="print the resolved configuration and where each value came from, then exit")
    check.add_argument("--quiet", "-q", action="store_true", help="print findings only: no summary line, nothing when clean")
    # --- end pre-commit and CI ---
    # --- fixes (issue 4) ---
    fixing = check.add_mutually_exclusive_group()
    fixing.add_argument("--fix", action="store_true", help="apply safe fixes in place, then report what remains")
    fixing.add_argument("--diff", action="store_true", help="print the fixes as one unified diff and write nothing (exit 1 if any)")
    check.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff: include fixes marked unsafe")
    # --- end fixes ---
    # --- parallel parsing (issue 8) ---
    check.add_argument(
        "--jobs",
        type=_jobs,
        default=None,
        metavar="N",
        help="parse files in N processes (default: number of CPUs); output is identical to --jobs 1",
    )
    # --- end parallel parsing ---

    from nglint.topology.command import add_parser as add_topology

    add_topology(sub)
    sub.add_parser("rules", help="list all rules")
    rule = sub.add_parser("rule", help="show the documentation of one rule")
    rule.add_argument("code")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return _without_gc(_check, args)
        if args.command == "topology":
            from nglint.topology.command import run_topology

            return run_topology(args)
        if args.command == "rules":
            return _rules()
        if args.command == "rule":
            return _rule(args.code)
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        _silence_broken_pipe()
        return EXIT_ERROR if args.command != "check" else EXIT_FINDINGS
    except KeyboardInterrupt:
        return 130


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid job count {text!r}: expected a positive integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"invalid job count {text!r}: expected a positive integer")
    return value


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

    enabled = gc.isenabled()
    gc.disable()
    try:
        return function(*args)
    finally:
        if enabled:
            gc.enable()


def _check(args: argparse.Namespace) -> int:
    from nglint.config import ConfigError, load_settings, parse_version
    from nglint.discovery import UsageError
    from nglint.registry import RegistryError
    from nglint.runner import CheckCrashed, run

    if not args.paths:  # issue 5: `--changed` with no files means nothing changed
        args.paths = [] if args.changed else ["."]
    try:
        settings = load_settings(args.config, args.paths[0] if args.paths else ".")
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
        # --- pre-commit and CI (issue 5) ---
        if args.show_settings:
            from nglint.show_settings import render_settings

            sys.stdout.write(render_settings(settings, args.paths))
            return EXIT_OK
        if args.statistics and args.format != "text":
            raise UsageError("--statistics prints a text table; it cannot be combined with --format " + args.format)
        # --- end pre-commit and CI ---
        # --- parallel parsing (issue 8) ---
        if args.jobs is None:
            from nglint.parallel import default_jobs

            args.jobs = default_jobs()
        # --- end parallel parsing ---
        # Fixes are built only where they are shown or applied (text shows a hint from rule metadata).
        build_fixes = args.fix or args.diff or args.format in ("json", "sarif")
        report = run(args.paths, settings, changed=args.changed, jobs=args.jobs, fixes=build_fixes)
        # --- fixes (issue 4) ---
        if args.diff:
            return _print_diff(report, args)
        if args.fix:
            report = _apply_fixes(report, args, lambda: run(args.paths, settings, changed=args.changed, jobs=args.jobs))
        # --- end fixes ---
    except (ConfigError, UsageError, RegistryError) as exc:
        print(f"nglint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except CheckCrashed as exc:
        print(f"nglint: internal error: {exc}", file=sys.stderr)
        return EXIT_ERROR

    if args.statistics:
        from nglint.show_settings import render_statistics

        output = render_statistics(report, quiet=args.quiet)
    elif args.format == "text":
        from nglint.reporters import text as reporter

        output = reporter.render(report, colour=not args.output and _use_colour(sys.stdout))
        if args.quiet:
            output = "".join(output.splitlines(keepends=True)[:-1])  # drop the summary line
    else:
        import importlib

        output = importlib.import_module(f"nglint.reporters.{args.format}").render(report)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8", newline="") as handle:
                handle.write(output)
        except OSError as exc:
            print(f"nglint: error: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_ERROR
    else:
        sys.stdout.write(output)
        sys.stdout.flush()
    if not args.fix and args.format == "text" and not args.quiet and not args.statistics:
        _fix_hint(report, args.unsafe_fixes)  # after the report, as ruff prints it
    return EXIT_FINDINGS if report.failed and not args.exit_zero else EXIT_OK


# --- fixes (issue 4) ---
def _print_diff(report, args: argparse.Namespace) -> int:
    """`--diff`: the patch `--fix` would write on its first pass, paths relative to cwd."""
    from nglint.fixer.apply import preview
    from nglint.fixer.diff import unified_diff

    changes, failures, deferred = preview(report, args.unsafe_fixes)
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
        try:
            with open(args.output, "wb") as handle:
                handle.write(patch)
        except OSError as exc:
            print(f"nglint: error: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_ERROR
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(patch)
        sys.stdout.buffer.flush()
    return EXIT_FINDINGS if patch else EXIT_OK


def _apply_fixes(report, args: argparse.Namespace, relint):
    """`--fix`: rewrite files (atomically, verified, rolled back on failure); the report
    that is printed afterwards is a fresh lint of the fixed files."""
    from nglint.fixer.apply import fix_project

    outcome = fix_project(relint, report, args.unsafe_fixes)
    _report_fix_failures(report, outcome.failures)
    if outcome.applied:
        files = len(outcome.files)
        print(f"Applied {len(outcome.applied)} fix(es) to {files} file{'s' if files != 1 else ''}.", file=sys.stderr)
    _fix_hint(outcome.report, args.unsafe_fixes, only_unsafe=True)
    return outcome.report


def _report_fix_failures(report, failures) -> None:
    for failure in failures:
        where = f"{report.display_path(failure.finding.path)}:{failure.finding.line}"
        print(f"nglint: fix not applied: {where}: {failure.finding.rule}: {failure.reason}", file=sys.stderr)


def _fix_hint(report, unsafe_fixes: bool, only_unsafe: bool = False) -> None:
    """Like ruff's "[*] N fixable with --fix", on stderr so reports stay parseable.

    When fixes were not built (plain text output), the count comes from the rules' fix
    safety, so it says "may be": a finding whose fix cannot be computed still counts."""
    if not any(f.fix is not None for f in report.findings):
        # Rule.fix_safety is plain text, so the fixer package stays unimported here.
        safety = {rule.code: rule.fix_safety for rule in report.rules}
        likely = [safety.get(f.rule) for f in report.findings]
        safe, unsafe = likely.count("safe"), likely.count("unsafe")
        if safe or (unsafe and not unsafe_fixes):
            print(f"[*] {safe + unsafe} finding(s) may be fixable: `--diff` shows the patch, `--fix` applies safe fixes"
                  f"{' (add --unsafe-fixes for the rest)' if unsafe else ''}.", file=sys.stderr)
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
# --- end fixes ---


def _use_colour(stream) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def _rules() -> int:
    from nglint.registry import all_rules

    for rule in all_rules():
        fix = f" [fix: {rule.fix_safety}]" if rule.fix_safety else ""
        print(f"{rule.code:<6} {rule.severity.value:<8} {rule.name:<36} {rule.summary}{fix}")
    return EXIT_OK


def _rule(code: str) -> int:
    from nglint.registry import rule_by_code

    rule = rule_by_code(code)
    if rule is None:
        print(f"nglint: error: unknown rule {code!r} (see `nglint rules`)", file=sys.stderr)
        return EXIT_ERROR
    sys.stdout.write(rule.render_text())
    return EXIT_OK


def _silence_broken_pipe() -> None:
    """The reader went away (`| head -1`): stop writing without a traceback at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
