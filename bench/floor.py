"""The parser floor: crossplane alone on the files nglint reads, as its own process.

Run as a child of the benchmark so it pays what `nglint check` pays to start (the
interpreter, importing crossplane) and nothing else. It prints one JSON line with the
in-process parse time too, so RESULTS.md can show both the process-to-process ratio and
the ratio to bare parsing.

    python bench/floor.py --entries nginx.conf ...   follow includes (generated trees)
    python bench/floor.py --each FILE ...            each file alone, once (the corpus)
    python bench/floor.py --each-from LIST.txt       same, file names one a line

The options are the ones nglint parses with: comments kept, crossplane's context and
argument checks off (they reject valid newer nginx and third-party directives).
"""

from __future__ import annotations

import json
import sys
import time


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in ("--entries", "--each", "--each-from"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, paths = argv[0], argv[1:]
    if mode == "--each-from":
        with open(paths[0], encoding="utf-8") as handle:
            paths = [line.rstrip("\n") for line in handle if line.strip()]
    started = time.perf_counter()
    import crossplane

    imported = time.perf_counter()
    files = errors = 0
    for path in paths:
        payload = crossplane.parse(
            path,
            single=mode != "--entries",
            comments=True,
            catch_errors=True,
            check_ctx=False,
            check_args=False,
        )
        files += len(payload["config"])
        errors += len(payload["errors"])
    done = time.perf_counter()
    print(json.dumps({"files": files, "errors": errors, "import_s": imported - started, "parse_s": done - imported}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
