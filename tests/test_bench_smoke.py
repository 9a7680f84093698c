"""The benchmark suite runs end to end on a small tree, and its generator is sound.

No timing is asserted anywhere: a benchmark must never fail CI on speed. What is checked
is that `python bench/run.py` works (so the full run in the README keeps working), that the
generated trees are deterministic and parse cleanly with crossplane, and that the
upstream ports match the Tomcat Connector ports, since the cross-tier checks need that.
The gixy-ng venv is used only if it already exists: the smoke test never creates it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = _load("gen")


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def test_generator_is_deterministic(tmp_path: Path) -> None:
    gen.generate(str(tmp_path / "a"), 60, seed=3)
    gen.generate(str(tmp_path / "b"), 60, seed=3)
    gen.generate(str(tmp_path / "c"), 60, seed=4)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")


def test_generated_tree_parses_and_ports_match(tmp_path: Path) -> None:
    import crossplane
    from lxml import etree

    info = gen.generate(str(tmp_path), 100)
    assert (info.servers, info.upstreams) == (100, 25)
    payload = crossplane.parse(info.nginx_entries[0], comments=True, check_ctx=False, check_args=False)
    assert payload["errors"] == []
    # crossplane followed every include: each generated nginx file was read exactly once.
    assert sorted(c["file"] for c in payload["config"]) == sorted(info.nginx_files)

    text = "".join(Path(p).read_text() for p in info.nginx_files)
    assert text.count("server {") == 2 * 100  # each site: the TLS server and its port-80 redirect
    assert len(re.findall(r"^\s*keepalive \d+;", text, re.M)) == 25
    assert len(re.findall(r"^\s*keepalive_timeout \d+s;", text, re.M)) == 25 + 1  # pools + http
    upstream_ports = {int(p) for p in re.findall(r"server app\d+-[ab]\.internal:(\d+)", text)}

    connector_ports = set()
    for path in info.tomcat_files:
        root = etree.parse(path).getroot()
        assert root.tag == "Server"
        http = [c for c in root.iter("Connector") if c.get("protocol") == "HTTP/1.1"]
        assert len(http) == 1 and http[0].get("keepAliveTimeout")
        connector_ports.add(int(http[0].get("port")))
    assert upstream_ports == connector_ports and len(connector_ports) == 25


def test_generator_has_some_faults_but_mostly_healthy(tmp_path: Path) -> None:
    """The checks must have something to find, at a rate that stays constant with N."""
    info = gen.generate(str(tmp_path), 1000)
    sites = "".join(Path(p).read_text() for p in info.nginx_files if "/sites/" in p)
    legacy = sites.count("proxy-legacy.conf")
    assert 0 < legacy < sites.count("proxy.conf") // 5
    pools = "".join(Path(p).read_text() for p in info.nginx_files if "/upstreams/" in p)
    defined = set(re.findall(r"upstream (pool_\d+)", pools))
    used = set(re.findall(r"proxy_pass http://(pool_\d+)", sites))
    assert used < defined  # a few pools no location uses


def test_bench_run_smoke(tmp_path: Path) -> None:
    """`bench/run.py` on N=100, one round, a few roots, no corpus, gixy only if present."""
    out = tmp_path / "RESULTS.md"
    proc = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--sizes", "100", "--reps", "1", "--roots", "3", "--servers-per-root", "4",
         "--no-corpus", "--gixy", "auto", "--out", str(out), "--workdir", str(tmp_path / "work")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=str(tmp_path),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = out.read_text()
    assert "<!-- bench:begin -->" in text and "<!-- bench:end -->" in text
    assert f"Python {sys.version.split()[0]}" in text
    assert re.search(r"^\| N=100 \| 100 \| 25 \| 17 \| 25 \|$", text, re.M)
    row = re.search(r"^\| N=100 \| (.*)$", text.split("### Wall time")[1], re.M).group(1)
    nglint_installed = importlib.util.find_spec("nglint") is not None and importlib.util.find_spec("nglint.cli") is not None
    if os.environ.get("CI") == "true":
        assert nglint_installed, "nglint must be installed in CI for the benchmark smoke test"
    if nglint_installed:
        assert re.match(r"\d+\.\d{3} s \(", row), row  # nglint was measured
        assert "nglint check one.conf" in text
    assert 'import crossplane, lxml.etree' in text


def test_results_block_is_replaced_not_appended(tmp_path: Path) -> None:
    run = _load("run")
    path = tmp_path / "R.md"
    path.write_text("# Title\n\nintro\n\n<!-- bench:begin -->\nold\n<!-- bench:end -->\n\n## Profile notes\nkept\n")
    run.write_results(str(path), "<!-- bench:begin -->\nnew\n<!-- bench:end -->\n")
    text = path.read_text()
    assert "old" not in text and "new" in text
    assert text.startswith("# Title") and text.rstrip().endswith("kept")


def test_bench_only_startup_writes_its_own_block(tmp_path: Path) -> None:
    """`--only startup` measures the start-up commands alone and leaves the full run's block."""
    out = tmp_path / "RESULTS.md"
    out.write_text("# T\n\n<!-- bench:begin -->\nfull run\n<!-- bench:end -->\n\n## Notes\nkept\n")
    proc = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--only", "startup", "--reps", "1", "--out", str(out)],
        capture_output=True, text=True, timeout=300, cwd=str(tmp_path),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = out.read_text()
    assert "full run" in text and text.rstrip().endswith("kept")
    block = text.split("<!-- bench-startup:begin -->")[1].split("<!-- bench-startup:end -->")[0]
    assert text.index("<!-- bench:end -->") < text.index("<!-- bench-startup:begin -->")
    assert 'python -c "import crossplane, lxml.etree"' in block and "### Wall time" not in block
    if importlib.util.find_spec("nglint") is not None:
        assert "`nglint check one.conf`" in block and "the same ratio in CPU time" in block


def test_stack_generator_links_every_service_by_name(tmp_path):
    """bench/gen.py --stack: one compose project, every upstream linked to its own service."""
    import json

    first = gen.generate_stack(str(tmp_path / "a"), 30)
    gen.generate_stack(str(tmp_path / "b"), 30)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    result = subprocess.run([sys.executable, "-m", "nglint", "check", first.root, "--format", "json"],
                            capture_output=True, text=True, timeout=300)
    findings = json.loads(result.stdout)["findings"]
    assert not [f for f in findings if f["rule"] in ("P003", "P005")], result.stdout
    assert {f["rule"] for f in findings} <= {"KA001", "KA002"} and findings
    # Every upstream linked to its own service (KA002 stays silent where the backend outlasts nginx).
    from nglint.config import Settings
    from nglint.project import load_project

    project = load_project([first.root], Settings(), cwd=first.root)
    assert len(project.links) == 30
    assert [u.name for u, links in project.links.items() if len(links.links) != 1] == []


def test_shapes_smoke_sweeps_fixes_and_stacks(tmp_path: Path) -> None:
    """`bench/shapes.py` at toy sizes: the --fix sweep reports a ratio per size, the compose
    stacks (Node.js, gunicorn, Spring Boot behind nginx) a row per size and the 500/100-style
    scaling verdict. No timing is asserted."""
    out = tmp_path / "S.md"
    proc = subprocess.run(
        [sys.executable, str(BENCH / "shapes.py"), "--shapes", "many-small", "--small-files", "5", "--fix-sizes", "20,40",
         "--stack-sizes", "5,10", "--reps", "1", "--no-gixy", "--out", str(out)],
        capture_output=True, text=True, timeout=300, cwd=str(tmp_path),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = out.read_text()
    assert text.strip().startswith("<!-- shapes:begin -->") and text.rstrip().endswith("<!-- shapes:end -->")
    assert re.search(r"^\| 20 \| [\d,]+ \| \d+\.\d{3} s \| \d+\.\d{3} s \| \d+\.\d\d× \| – \|", text, re.M), text
    assert re.search(r"^\| 40 \| .* \| \d+\.\d\d× for 2× the fixes \|", text, re.M), text
    assert re.search(r"^\| nglint --fix / check, 40 fixes \| \d+\.\d\d \| 3\.0 \|", text, re.M), text
    assert re.search(r"^\| 5 \| \d+ \| \d+\.\d{3} s \| \d+ MB \|$", text, re.M) and re.search(r"^\| 10 \| \d+ \|", text, re.M), text
    assert "| stacks: check 10 / 5 services (x2 input) |" in text


def test_shapes_memory_limit_is_read_from_security_md(tmp_path: Path) -> None:
    """The bench measures peak RSS against SECURITY.md's own sentence, not a copy of it."""
    shapes = _load("shapes")
    text = (ROOT / "SECURITY.md").read_text()
    stated = re.search(r"under\s+(\d+)\s+MB\s+for\s+the\s+largest\s+input\s+allowed", " ".join(text.split()))
    assert stated and shapes.peak_rss_limit_mb() == int(stated.group(1))
    doc = tmp_path / "SECURITY.md"
    doc.write_text(text.replace(f"under {stated.group(1)} MB for", "under 123 MB for"))
    assert shapes.peak_rss_limit_mb(str(doc)) == 123
    doc.write_text("no claim\n")
    with pytest.raises(SystemExit):
        shapes.peak_rss_limit_mb(str(doc))
