"""Behaviour kept by the speed fixes (no timing here: benchmarks never fail CI on speed).

Each fix replaced a repeated scan with an index or a memo; these tests pin down that the
answers are the same as before: inheritance through a large http level, files read once
and listed once in include order, plugin discovery short-cut, and collection switched off
only inside `nglint check`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import told, found, write_tree


def _many_servers(count: int, inner: str = "") -> str:
    servers = "\n".join(
        f"  server {{\n    listen 80;\n    server_name s{i};\n    location / {{\n      proxy_pass http://app;\n{inner}    }}\n  }}"
        for i in range(count)
    )
    return servers


def test_inheritance_through_large_http_level(lint):
    """Levels with many directives are indexed; effective values must not change."""
    conf = (
        "events {}\nhttp {\n"
        "  proxy_http_version 1.1;\n"
        '  proxy_set_header Connection "";\n'
        "  upstream app {\n    server 127.0.0.1:8080;\n    keepalive 8;\n    keepalive_timeout 10s;\n  }\n"
        + _many_servers(30)
        + "\n  server {\n    listen 81;\n    location / {\n      proxy_pass http://app;\n"
        "      proxy_http_version 1.0;\n    }\n  }\n"
        "}\n"
    )
    report = lint({"nginx.conf": conf})
    ka003 = [f for f in found(report) if f[0] == "KA003"]
    # Only the location that overrides proxy_http_version loses the pool; the 30 servers
    # inherit HTTP/1.1 and the cleared Connection header from the (indexed) http level.
    assert len(ka003) == 1
    override = conf.splitlines().index("      proxy_http_version 1.0;")
    assert ka003[0][2] == override  # the proxy_pass just above it (1-based line = 0-based index)


def test_level_own_same_answer_small_and_large():
    from nglint.sources.nginx.model import Level
    from nglint.sources.nginx.tree import Directive

    for count in (3, 40):
        directives = [Directive("a" if i % 3 else "b", [str(i)], "x.conf", i + 1) for i in range(count)]
        level = Level("http", None, directives)
        for name in ("a", "b", "c"):
            expected = [d for d in directives if d.name == name]
            assert level.own(name) == expected
            level.own(name).clear()  # callers get a copy: the index must not be changed through it
            assert level.own(name) == expected


def test_shared_snippet_read_once_listed_once(tmp_path):
    from nglint.sources.nginx.tree import NginxLoader

    files = {"nginx.conf": "events {}\nhttp {\n  include sites/*.conf;\n}\n", "snippets/proxy.conf": "proxy_http_version 1.1;\n"}
    for i in range(5):
        files[f"sites/s{i}.conf"] = "server {\n  location / {\n    include snippets/proxy.conf;\n  }\n  location /b {\n    include snippets/proxy.conf;\n  }\n}\n"
    write_tree(tmp_path, files)
    loader = NginxLoader([str(tmp_path)])
    config = loader.load(str(tmp_path / "nginx.conf"))
    rel = [os.path.relpath(p, tmp_path) for p in config.files]
    assert rel == ["nginx.conf", "sites/s0.conf", "snippets/proxy.conf"] + [f"sites/s{i}.conf" for i in range(1, 5)]
    assert len(loader.parsed) == 7
    # Every include site still gets its own copy of the snippet's directives, at the snippet's lines.
    copies = []

    def walk(directives):
        for d in directives:
            if d.name == "proxy_http_version":
                copies.append(d)
            walk(d.block or [])

    walk(config.directives)
    assert len(copies) == 10 and len({id(d) for d in copies}) == 10
    assert {(os.path.basename(d.path), d.line) for d in copies} == {("proxy.conf", 1)}


def test_missing_include_reported_once_with_each_site(lint):
    report = lint({
        "nginx.conf": "events {}\nhttp {\n  include missing.conf;\n  server {\n    include missing.conf;\n  }\n}\n",
    })
    assert [f for f in found(report) if f[0] == "P002"] == [("P002", "nginx.conf", 3)]
    (p002,) = [f for f in report.findings if f.rule == "P002"]
    assert p002.sources == ["the same include is also on line 5"]


def test_plugin_shortcut_sees_declared_group(tmp_path):
    """The cheap pre-check answers True when any dist-info declares nglint.checks."""
    code = "import nglint.registry as r; print(r._plugin_group_declared())"
    env = dict(os.environ)
    clean = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    write_tree(tmp_path, {"fake_plugin-1.0.dist-info/entry_points.txt": "[nglint.checks]\nfake = fake_plugin\n"})
    env["PYTHONPATH"] = str(tmp_path)
    declared = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert declared.stdout.strip() == "True"
    assert clean.stdout.strip() in ("False", "True")  # True only if a plugin is really installed here


def test_check_runs_without_cyclic_gc_then_restores_it(tmp_path: Path):
    write_tree(tmp_path, {"nginx.conf": "events {}\nhttp {}\n"})
    code = (
        "import gc, sys\nimport nglint.runner as r\nfrom nglint.cli import main\n"
        "real = r.run\n"
        "def spy(*a, **k):\n    print('during', gc.isenabled(), file=sys.stderr)\n    return real(*a, **k)\n"
        "r.run = spy\nrc = main(['check', sys.argv[1]])\n"
        "print('after', gc.isenabled(), 'rc', rc, file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True)
    assert "during False" in proc.stderr and "after True rc 0" in proc.stderr, proc.stderr


def test_p005_ambiguity_lists_at_most_ten_candidates(lint):
    """Every Tomcat on 8080 in a 12-service tree: the message stays short (linear output)."""
    xml = '<Server port="-1"><Service name="C"><Connector port="8080" protocol="HTTP/1.1" keepAliveTimeout="60000"/></Service></Server>\n'
    files = {f"svc{i:02d}/conf/server.xml": xml for i in range(12)}
    files["nginx.conf"] = (
        "events {}\nhttp {\n  upstream app {\n    server app:8080;\n    keepalive 8;\n    keepalive_timeout 10s;\n  }\n"
        '  server {\n    location / {\n      proxy_pass http://app;\n      proxy_http_version 1.1;\n      proxy_set_header Connection "";\n    }\n  }\n}\n'
    )
    report = lint(files)
    p005 = [f for f in report.findings if f.rule == "P005"]
    assert len(p005) == 1
    assert "and 2 more" in told(p005[0]) and len(p005[0].related) == 10


def _bench_tree(tmp_path: Path) -> Path:
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_gen_for_jobs", Path(__file__).resolve().parent.parent / "bench" / "gen.py")
    gen = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = gen  # the generator's dataclasses look their module up
    spec.loader.exec_module(gen)
    gen.generate_roots(str(tmp_path / "mono"), 6, 200)  # ~1.7 MB of entry files and server.xml: above the pool threshold
    # Broken files in two roots: their problems must come out in the same order.
    (tmp_path / "mono" / "service-001" / "nginx" / "sites" / "site-001.conf").write_text("server {\n  location / {\n")
    (tmp_path / "mono" / "service-004" / "tomcat" / "app-0000" / "conf" / "server.xml").write_text("<Server><Service>\n")
    return tmp_path / "mono"


def test_jobs_output_identical_to_jobs_1(tmp_path):
    from nglint import parallel

    tree = _bench_tree(tmp_path)
    outputs = {}
    for jobs in ("1", "2", "3"):
        for fmt in ("text", "json"):
            proc = subprocess.run(
                [sys.executable, "-m", "nglint", "check", "--jobs", jobs, "--format", fmt, str(tree)],
                capture_output=True, text=True, cwd=str(tmp_path),
            )
            assert proc.returncode == 1, proc.stderr
            outputs[jobs, fmt] = proc.stdout
    assert outputs["1", "text"] == outputs["2", "text"] == outputs["3", "text"]
    assert outputs["1", "json"] == outputs["2", "json"] == outputs["3", "json"]
    assert "P001" in outputs["1", "text"] and "P003" in outputs["1", "text"] and "KA001" in outputs["1", "text"]

    # The pool really parsed the files (the tree is above the small-input threshold).
    from nglint.discovery import discover
    from nglint.sources import reader_for

    inputs = discover([str(tree)], reader_for, [], str(tmp_path), 10_000)
    nginx, backends = parallel.preparse(inputs.nginx_candidates, inputs.backend_files, [str(tree)], 10 * 1024 * 1024, 2)
    assert len(nginx) == len(inputs.nginx_candidates) and len(backends) == len(inputs.backend_files)
    assert any(parsed.error for parsed in nginx.values()) and any(b.problems for b in backends.values())


def test_jobs_must_be_positive(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "nglint", "check", "--jobs", "0", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 2 and "positive integer" in proc.stderr


def test_plain_check_loads_no_heavy_module(tmp_path):
    """Start-up: a one-file nginx check needs none of the parsers' or fixer's heavy imports.

    crossplane only for files the fast reader declines, lxml only for server.xml, jinja2
    only for fixes, dataclasses/inspect never (nglint.records), importlib.metadata only
    when an installed package declares a plugin.
    """
    (tmp_path / "one.conf").write_text("events {}\nhttp {\n  server { listen 80; }\n}\n")
    code = (
        "import sys\n"
        "from nglint.cli import main\n"
        "try:\n"
        f"    main(['check', {str(tmp_path / 'one.conf')!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('crossplane', 'lxml', 'jinja2', 'dataclasses', 'inspect', 'importlib.metadata', 'subprocess', 'json')\n"
        "print(' '.join(m for m in heavy if m in sys.modules) or 'none')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True)
    assert result.stdout.splitlines()[-1] == "none"


def test_sort_and_sweep_chooses_what_pairwise_comparison_chose():
    """choose() compares a new edit with its neighbours only; the choice must be the one
    the all-pairs comparison made, on random edits (insertions, touching ranges)."""
    import random

    from nglint.findings import Finding, Location, Severity
    from nglint.fixer.apply import _conflict, choose
    from nglint.fixer.model import Edit, Fix

    def pairwise(candidates):
        ordered = sorted(candidates, key=lambda item: (item[1].edits[0].path, item[1].edits[0].start, item[1].edits[0].end, item[0].rule, item[0].message))
        chosen, taken = [], []
        for finding, fix in ordered:
            if any(_conflict(edit, other) for edit in fix.edits for other in taken):
                continue
            chosen.append((finding, fix))
            taken.extend(fix.edits)
        return chosen

    rng = random.Random(7)
    for _ in range(200):
        candidates = []
        for index in range(rng.randint(1, 30)):
            edits = []
            for _ in range(rng.randint(1, 3)):
                start = rng.randint(0, 60)
                edits.append(Edit(rng.choice(["a", "b"]), start, start + rng.choice([0, 0, 1, 3, 10]), "x"))
            edits.sort(key=lambda e: (e.path, e.start, e.end))
            if any(_conflict(x, y) for i, x in enumerate(edits) for y in edits[i + 1:]):
                continue  # a fix's own edits never overlap (FixBuilder.build refuses that)
            finding = Finding("KA001", Severity.ERROR, f"m{index}", Location("a", 1))
            candidates.append((finding, Fix("KA001", "safe", "d", edits, {}, frozenset())))
        assert [f.message for f, _ in choose(candidates)[0]] == [f.message for f, _ in pairwise(candidates)]


def test_line_map_matches_counting_every_edit():
    import random

    from nglint.fixer.apply import FileChange, _line_map
    from nglint.fixer.model import Edit, Fix

    rng = random.Random(3)
    old = b"".join(b"line %d\n" % n for n in range(200))
    for _ in range(50):
        edits, position = [], 0
        while position < len(old) - 20 and len(edits) < 15:
            start = position + rng.randint(0, 60)
            end = min(len(old), start + rng.choice([0, 0, 5, 30]))
            edits.append(Edit("f", start, end, "new\n" * rng.randint(0, 3)))
            position = end + 1
        change = FileChange("f", old, b"", [(None, Fix("X", "safe", "d", edits, {}, frozenset()))])
        mapped = _line_map(change)
        starts = [0] + [i + 1 for i, byte in enumerate(old) if byte == 10]
        for line in range(1, len(starts) + 1):
            shift = sum(e.data.count(b"\n") - old.count(b"\n", e.start, e.end) for e in edits if e.end <= starts[line - 1])
            assert mapped(line) == line + shift
