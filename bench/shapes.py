"""Per-file overhead, fix cost and peak memory on the tree shapes run.py does not cover.

    python bench/shapes.py [--reps 3] [--small-files 1000] [--out bench/RESULTS.md]

Shapes (written by gen.generate_shape, deterministic):

- many-small: 1000 small conf.d/*.conf files pulled in by one `include conf.d/*.conf;`,
  one upstream file, one Tomcat server.xml: what per-file overhead costs.
- one-large: one nginx.conf holding 600 server blocks (about 0.5 MB; gixy-ng is
  quadratic in one file's size, so larger takes it minutes per run).
- deep-includes: a chain of 30 files, each including the next from inside its block.
- fix-heavy: one file where 8000 locations each need a KA004 fix: `--fix` against check.
- largest-allowed: one well-formed file just under the 10 MiB max-file-size: peak RSS.

Each command is a fresh process, timed with its CPU time and peak RSS (measure.py), in
interleaved rounds. Targets: nglint / crossplane.parse <= 1.3x and gixy-ng / nglint
>= 5x on every shape; --fix / check <= 3x; peak RSS under SECURITY.md's figure.
The result replaces the block between `shapes:begin` and `shapes:end` in RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import gen  # noqa: E402
import gixy_env  # noqa: E402
from measure import Case, run_interleaved, summarize  # noqa: E402

LINT_OK = (0, 1)
TARGETS = {"floor": 1.3, "gixy": 5.0, "fix": 3.0}
PEAK_RSS_LIMIT_MB = 512  # SECURITY.md's figure for one file of max-file-size


def nglint_argv() -> list[str]:
    return [sys.executable, "-m", "nglint"]


def build(workdir: str, small_files: int) -> dict[str, gen.ShapeInfo]:
    shapes = {}
    for name in ("many-small", "one-large", "deep-includes", "fix-heavy", "largest-allowed"):
        shapes[name] = gen.generate_shape(os.path.join(workdir, name), name, small_files=small_files)
    return shapes


def fix_cases(info: gen.ShapeInfo, workdir: str, reps: int) -> list[Case]:
    """`--fix` rewrites its tree: one fresh copy per run (copying is not timed)."""
    copies = []
    for index in range(reps + 1):
        target = os.path.join(workdir, f"fix-copy-{index}")
        shutil.copytree(info.root, target)
        copies.append(Case(f"fix-heavy/fix#{index}", [*nglint_argv(), "check", "--jobs", "1", "--fix", "-q", target], ok_codes=LINT_OK))
    return copies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--small-files", type=int, default=1000)
    parser.add_argument("--no-gixy", action="store_true")
    parser.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    args = parser.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="nglint-shapes-")
    try:
        shapes = build(workdir, args.small_files)
        gixy = None if args.no_gixy else gixy_env.ensure_gixy(log=lambda m: print(m, file=sys.stderr))
        cases: dict[str, dict[str, Case]] = {}
        for name, info in shapes.items():
            row = cases[name] = {}
            row["nglint"] = Case(f"{name}/nglint", [*nglint_argv(), "check", "--jobs", "1", "-q", info.root], ok_codes=LINT_OK)
            if name in ("fix-heavy", "largest-allowed"):
                continue
            row["floor"] = Case(f"{name}/crossplane", [sys.executable, os.path.join(HERE, "floor.py"), "--entries", *info.entries])
            if gixy:
                row["gixy"] = Case(f"{name}/gixy-ng", gixy_env.gixy_argv(gixy, info.entries), ok_codes=gixy_env.GIXY_OK_CODES)
        flat = [case for row in cases.values() for case in row.values()]
        run_interleaved(flat, args.reps, progress=lambda case, rep: print(f"  {case.key} #{rep}", file=sys.stderr))
        # --fix runs once per fresh copy (warm-up included), after the interleaved rounds.
        fixes = fix_cases(shapes["fix-heavy"], workdir, args.reps)
        run_interleaved(fixes, 1, warmup=False)
        block = render(shapes, cases, fixes, gixy)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    write_block(args.out, block)
    print(block)
    return 0


def cpu(case: Case) -> float:
    return summarize(case.cpu).median


def wall(case: Case) -> float:
    return summarize(case.times).median


def render(shapes, cases, fixes, gixy) -> str:
    out = ["<!-- shapes:begin -->", "", "## Tree shapes (`python bench/shapes.py`)", ""]
    out.append("Medians of fresh processes; CPU time (user + sys) is the comparison, as this machine is shared.")
    if gixy:
        out.append(f"Peer: {gixy_env.gixy_version(gixy)} in its own venv.")
    out += ["", "| shape | files | bytes | nglint CPU | crossplane CPU | gixy-ng CPU | nglint / crossplane | gixy-ng / nglint | RSS nglint |",
            "|---|---|---|---|---|---|---|---|---|"]
    verdicts = []
    for name, row in cases.items():
        info = shapes[name]
        if name in ("fix-heavy", "largest-allowed"):
            continue
        n, floor, peer = cpu(row["nglint"]), cpu(row["floor"]), cpu(row["gixy"]) if "gixy" in row else None
        ratio, speed = n / floor, (peer / n if peer else None)
        verdicts.append((f"nglint / crossplane.parse, {name}", ratio, TARGETS["floor"], ratio <= TARGETS["floor"]))
        if speed is not None:
            verdicts.append((f"gixy-ng / nglint, {name}", speed, TARGETS["gixy"], speed >= TARGETS["gixy"]))
        out.append(
            f"| {name} | {info.files} | {info.bytes:,} | {n:.3f} s | {floor:.3f} s | {f'{peer:.3f} s' if peer else '–'} | "
            f"{ratio:.2f}× | {f'{speed:.1f}×' if speed else '–'} | {max(row['nglint'].rss_kb) / 1024:.0f} MB |"
        )
    check = cases["fix-heavy"]["nglint"]
    fix_cpu = summarize([c for case in fixes for c in case.cpu]).median
    fix_ratio = fix_cpu / cpu(check)
    verdicts.append(("nglint --fix / check, fix-heavy (8000 fixes)", fix_ratio, TARGETS["fix"], fix_ratio <= TARGETS["fix"]))
    largest = cases["largest-allowed"]["nglint"]
    peak = max(largest.rss_kb) / 1024
    verdicts.append((f"peak RSS, largest-allowed ({shapes['largest-allowed'].bytes:,} bytes), MB", peak, PEAK_RSS_LIMIT_MB, peak <= PEAK_RSS_LIMIT_MB))
    out += ["", f"fix-heavy: check {cpu(check):.3f} s CPU, --fix {fix_cpu:.3f} s CPU; largest-allowed: check {cpu(largest):.3f} s CPU, peak RSS {peak:.0f} MB.", ""]
    out += ["| target | measured | limit | status |", "|---|---|---|---|"]
    for label, value, limit, ok in verdicts:
        out.append(f"| {label} | {value:.2f} | {limit} | {'met' if ok else 'NOT met'} |")
    out += ["", "<!-- shapes:end -->"]
    return "\n".join(out)


def write_block(path: str, block: str) -> None:
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
