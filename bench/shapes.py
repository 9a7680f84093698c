"""Per-file overhead, fix cost, compose stacks and peak memory on shapes run.py does not cover.

    python bench/shapes.py [--reps 3] [--small-files 1000] [--out bench/RESULTS.md]
    python bench/shapes.py --shapes many-small --fix-sizes 50,100 --stack-sizes 10,20 --reps 1 --no-gixy --out /tmp/S.md
                                           (what the smoke test runs)

Shapes (written by gen.generate_shape / gen.generate_stack, deterministic):

- many-small: 1000 small conf.d/*.conf files pulled in by one `include conf.d/*.conf;`,
  one upstream file, one Tomcat server.xml: what per-file overhead costs.
- one-large: one nginx.conf holding 600 server blocks (about 0.5 MB; gixy-ng is
  quadratic in one file's size, so larger takes it minutes per run).
- deep-includes: a chain of 30 files, each including the next from inside its block.
- largest-allowed: one well-formed file just under the 10 MiB max-file-size: peak RSS,
  held to the figure SECURITY.md states (read from the file, not copied here).
- fix-heavy, swept over sizes (500, 2000, 8000, 16000 fixes): one file where every
  location needs a KA004 fix; `--fix` against `check` at each size, and how `--fix`
  grows from size to size (linear: doubling the fixes at most ~2.2x the CPU).
- stacks of 100, 250, 500 compose services (Node.js, gunicorn, Spring Boot backends,
  each linked by service name to one nginx upstream): `check` scaling, 500/100.

Each command is a fresh process, timed with its CPU time and peak RSS (measure.py), in
interleaved rounds. Targets: nglint / crossplane.parse <= 1.3x and gixy-ng / nglint
>= 5x on every shape; --fix / check <= 3x at every size; stacks 500 / 100 <= 5.5x; peak
RSS under SECURITY.md's figure. The result replaces the block between `shapes:begin` and
`shapes:end` in RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import gen  # noqa: E402
import gixy_env  # noqa: E402
from measure import Case, run_interleaved, summarize  # noqa: E402

LINT_OK = (0, 1)
TARGETS = {"floor": 1.3, "gixy": 5.0, "fix": 3.0, "fix-growth": 2.2, "stacks": 5.5}
PLAIN_SHAPES = ("many-small", "one-large", "deep-includes", "largest-allowed")
FIX_SIZES = (500, 2000, 8000, 16000)
STACK_SIZES = (100, 250, 500)
SECURITY_MD = os.path.join(PROJECT, "SECURITY.md")
_MEMORY_CLAIM = re.compile(r"under\s+(\d+)\s+MB\s+for\s+the\s+largest\s+input\s+allowed")


def peak_rss_limit_mb(path: str = SECURITY_MD) -> int:
    """The peak-memory figure SECURITY.md promises for the largest allowed input.

    Read from the document on every run, so the bench holds nglint to what the document
    says today; a reworded claim fails loudly here instead of being measured against a
    stale copy."""
    with open(path, encoding="utf-8") as handle:
        found = _MEMORY_CLAIM.search(" ".join(handle.read().split()))
    if found is None:
        raise SystemExit(f"{path}: no 'under N MB for the largest input allowed' claim to measure against")
    return int(found.group(1))


def nglint_argv() -> list[str]:
    return [sys.executable, "-m", "nglint"]


def check_case(key: str, root: str) -> Case:
    return Case(key, [*nglint_argv(), "check", "--jobs", "1", "-q", root], ok_codes=LINT_OK)


def fix_cases(info: gen.ShapeInfo, workdir: str, reps: int, size: int) -> list[Case]:
    """`--fix` rewrites its tree: one fresh copy per run (copying is not timed)."""
    copies = []
    for index in range(reps + 1):
        target = os.path.join(workdir, f"fix-{size}-copy-{index}")
        shutil.copytree(info.root, target)
        copies.append(Case(f"fix-heavy-{size}/fix#{index}", [*nglint_argv(), "check", "--jobs", "1", "--fix", "-q", target], ok_codes=LINT_OK))
    return copies


def ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--small-files", type=int, default=1000)
    parser.add_argument("--shapes", default=",".join(PLAIN_SHAPES), help=f"comma-separated subset of {', '.join(PLAIN_SHAPES)}")
    parser.add_argument("--fix-sizes", type=ints, default=list(FIX_SIZES), help="fix-heavy sizes (fixes per file)")
    parser.add_argument("--stack-sizes", type=ints, default=list(STACK_SIZES), help="compose stack sizes (services)")
    parser.add_argument("--no-gixy", action="store_true")
    parser.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    args = parser.parse_args(argv)
    names = [n for n in args.shapes.split(",") if n]
    unknown = sorted(set(names) - set(PLAIN_SHAPES))
    if unknown:
        parser.error(f"unknown shape(s) {', '.join(unknown)}")
    limit_mb = peak_rss_limit_mb()
    progress = lambda case, rep: print(f"  {case.key} #{rep}", file=sys.stderr)  # noqa: E731
    workdir = tempfile.mkdtemp(prefix="nglint-shapes-")
    try:
        shapes = {name: gen.generate_shape(os.path.join(workdir, name), name, small_files=args.small_files) for name in names}
        fixes = {n: gen.generate_shape(os.path.join(workdir, f"fix-heavy-{n}"), "fix-heavy", fixes=n) for n in args.fix_sizes}
        stacks = {n: gen.generate_stack(os.path.join(workdir, f"stack-{n}"), n) for n in args.stack_sizes}
        for info in stacks.values():
            info.tomcat_files = [os.path.join(d, f) for d, _, fs in os.walk(info.root) for f in fs if os.path.join(d, f) not in info.nginx_files]
        gixy = None if args.no_gixy else gixy_env.ensure_gixy(log=lambda m: print(m, file=sys.stderr))
        cases: dict[str, dict[str, Case]] = {}
        for name, info in shapes.items():
            row = cases[name] = {"nglint": check_case(f"{name}/nglint", info.root)}
            if name == "largest-allowed":
                continue
            row["floor"] = Case(f"{name}/crossplane", [sys.executable, os.path.join(HERE, "floor.py"), "--entries", *info.entries])
            if gixy:
                row["gixy"] = Case(f"{name}/gixy-ng", gixy_env.gixy_argv(gixy, info.entries), ok_codes=gixy_env.GIXY_OK_CODES)
        fix_checks = {n: check_case(f"fix-heavy-{n}/check", info.root) for n, info in fixes.items()}
        stack_checks = {n: check_case(f"stack-{n}/check", info.root) for n, info in stacks.items()}
        flat = [case for row in cases.values() for case in row.values()] + list(fix_checks.values()) + list(stack_checks.values())
        run_interleaved(flat, args.reps, progress=progress)
        # --fix runs once per fresh copy (warm-up included), after the interleaved rounds.
        fix_runs = {n: fix_cases(info, workdir, args.reps, n) for n, info in fixes.items()}
        run_interleaved([case for runs in fix_runs.values() for case in runs], 1, warmup=False, progress=progress)
        block = render(shapes, cases, fixes, fix_checks, fix_runs, stacks, stack_checks, gixy, limit_mb)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    write_block(args.out, block)
    print(block)
    return 0


def cpu(case: Case) -> float:
    return summarize(case.cpu).median


def fix_cpu(runs: list[Case]) -> float:
    return summarize([c for case in runs for c in case.cpu]).median


def render(shapes, cases, fixes, fix_checks, fix_runs, stacks, stack_checks, gixy, limit_mb: int) -> str:
    out = ["<!-- shapes:begin -->", "", "## Tree shapes (`python bench/shapes.py`)", ""]
    out.append("Medians of fresh processes; CPU time (user + sys) is the comparison, as this machine is shared with other work.")
    load = os.getloadavg()[0]
    out.append(f"Load average (1 min) at the end of the run: {load:.2f} on {os.cpu_count()} cores.")
    if gixy:
        out.append(f"Peer: {gixy_env.gixy_version(gixy)} in its own venv.")
    verdicts = []
    plain = [name for name in cases if name != "largest-allowed"]
    if plain:
        out += ["", "| shape | files | bytes | nglint CPU | crossplane CPU | gixy-ng CPU | nglint / crossplane | gixy-ng / nglint | RSS nglint |",
                "|---|---|---|---|---|---|---|---|---|"]
    for name in plain:
        row, info = cases[name], shapes[name]
        n, floor, peer = cpu(row["nglint"]), cpu(row["floor"]), cpu(row["gixy"]) if "gixy" in row else None
        ratio, speed = n / floor, (peer / n if peer else None)
        verdicts.append((f"nglint / crossplane.parse, {name}", ratio, TARGETS["floor"], ratio <= TARGETS["floor"]))
        if speed is not None:
            verdicts.append((f"gixy-ng / nglint, {name}", speed, TARGETS["gixy"], speed >= TARGETS["gixy"]))
        out.append(
            f"| {name} | {info.files} | {info.bytes:,} | {n:.3f} s | {floor:.3f} s | {f'{peer:.3f} s' if peer else '–'} | "
            f"{ratio:.2f}× | {f'{speed:.1f}×' if speed else '–'} | {max(row['nglint'].rss_kb) / 1024:.0f} MB |"
        )
    if fixes:
        out += ["", "### `--fix` against `check` (fix-heavy: one file, every location needs one KA004 fix)", "",
                "| fixes | bytes | check CPU | --fix CPU | --fix / check | --fix growth from the previous size | RSS --fix |",
                "|---|---|---|---|---|---|---|"]
        previous = None
        for size in sorted(fixes):
            check, fixed = cpu(fix_checks[size]), fix_cpu(fix_runs[size])
            ratio = fixed / check
            verdicts.append((f"nglint --fix / check, {size} fixes", ratio, TARGETS["fix"], ratio <= TARGETS["fix"]))
            growth = ""
            if previous is not None:
                factor, grown = size / previous[0], fixed / previous[1]
                growth = f"{grown:.2f}× for {factor:g}× the fixes"
                if factor == 2:  # linear: twice the fixes, about twice the time (start-up makes it less)
                    verdicts.append((f"--fix CPU, {size} / {previous[0]} fixes", grown, TARGETS["fix-growth"], grown <= TARGETS["fix-growth"]))
            rss = max(r for case in fix_runs[size] for r in case.rss_kb) / 1024
            out.append(f"| {size} | {fixes[size].bytes:,} | {check:.3f} s | {fixed:.3f} s | {ratio:.2f}× | {growth or '–'} | {rss:.0f} MB |")
            previous = (size, fixed)
        if len(fixes) >= 2:
            small, large = min(fixes), max(fixes)
            slope = (fix_cpu(fix_runs[large]) - fix_cpu(fix_runs[small])) / (large - small) * 1e6
            check_slope = (cpu(fix_checks[large]) - cpu(fix_checks[small])) / (large - small) * 1e6
            out += ["", f"Marginal cost per fix from {small} to {large}: --fix {slope:.0f} µs CPU, check {check_slope:.0f} µs CPU "
                    f"({slope / check_slope:.2f}×): the ratio {small} fixes → {large} fixes grows toward this as start-up weighs less."]
    if stacks:
        out += ["", "### Compose stacks (`gen.generate_stack`: Node.js, gunicorn and Spring Boot services behind one nginx)", "",
                "| services | files | check CPU | RSS |", "|---|---|---|---|"]
        for size in sorted(stacks):
            case = stack_checks[size]
            out.append(f"| {size} | {stacks[size].files} | {cpu(case):.3f} s | {max(case.rss_kb) / 1024:.0f} MB |")
        if len(stacks) >= 2:
            small, large = min(stacks), max(stacks)
            grown = cpu(stack_checks[large]) / cpu(stack_checks[small])
            verdicts.append((f"stacks: check {large} / {small} services (x{large / small:g} input)", grown, TARGETS["stacks"], grown <= TARGETS["stacks"]))
    if "largest-allowed" in cases:
        largest = cases["largest-allowed"]["nglint"]
        peak = max(largest.rss_kb) / 1024
        verdicts.append((f"peak RSS, largest-allowed ({shapes['largest-allowed'].bytes:,} bytes), MB (SECURITY.md)", peak, limit_mb, peak <= limit_mb))
        out += ["", f"largest-allowed: check {cpu(largest):.3f} s CPU, peak RSS {peak:.0f} MB against SECURITY.md's {limit_mb} MB."]
    out += ["", "| target | measured | limit | status |", "|---|---|---|---|"]
    for label, value, limit, ok in verdicts:
        out.append(f"| {label} | {value:.2f} | {limit} | {'met' if ok else 'NOT met'} |")
    out += ["", "<!-- shapes:end -->"]
    return "\n".join(out)


def write_block(path: str, block: str) -> None:
    text = ""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    begin, end = "<!-- shapes:begin -->", "<!-- shapes:end -->"
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


if __name__ == "__main__":
    raise SystemExit(main())
