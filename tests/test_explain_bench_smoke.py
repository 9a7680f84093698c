"""bench/explain_bench.py runs end to end on a small log; no timing is asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_explain_bench_writes_its_section(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    out.write_text("# results\n\nkept\n")
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "explain_bench.py"), "--mb", "2", "--reps", "1",
                           "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert text.startswith("# results\n\nkept\n")
    assert "<!-- explain-bench:begin -->" in text and "| grep -c -F |" in text and "| nglint explain --jobs 1 |" in text


def test_generated_log_explains_as_its_mix(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import explain_bench
    finally:
        sys.path.remove(str(ROOT / "bench"))
    from nglint.explain.aggregate import Aggregator

    block = explain_bench.generate_block(5000)
    aggregator = Aggregator()
    aggregator.feed(block.split(b"\n")[:-1])
    aggregator.finish()
    assert aggregator.unparsed == 1 and aggregator.lines == 5001
    seen = {entry.cause for entry in aggregator.stats.values()}
    assert {"upstream-keepalive-race", "client-aborted", "upstream-refused", "health-check-probe", "other"} <= seen
