"""Every file read and directory listing in nglint goes through nglint.boundary.

SECURITY.md promises that a file is read only when it is a regular file inside the
checked tree and within the size limit, and that nothing outside the tree is listed.
`linter/boundary.py` is the one module that decides this; this test reads the source of
every other module (syntax tree, not text) and fails on a call that opens, parses by
path, or lists a directory on its own, unless the call is in the allow-list below with
the reason it is safe. A new reader that calls `open()` fails here, not in a pull request
that makes it read `/proc/self/environ`.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCANNED = ("linter", "checks")

# Module-level calls that read or list by path.
MODULE_CALLS = {
    ("os", "open"), ("os", "listdir"), ("os", "scandir"), ("os", "walk"), ("io", "open"), ("codecs", "open"),
    ("glob", "glob"), ("glob", "iglob"), ("etree", "parse"), ("etree", "iterparse"), ("ET", "parse"),
    ("crossplane", "parse"), ("mmap", "mmap"), ("shutil", "copy"), ("shutil", "copyfile"),
}
# Methods that read or list when called on a path (pathlib.Path and friends).
PATH_METHODS = {"read_text", "read_bytes", "open", "iterdir", "glob", "rglob"}
# Objects whose `.glob`/`.read_text` are the boundary's own.
BOUNDARY_OWNERS = {"boundary", "tree", "self.boundary"}

# (module, enclosing function, call) -> why it may bypass the boundary.
ALLOWED = {
    ("linter/cli.py", "_silence_broken_pipe", "os.open"): "opens os.devnull to retire a closed stdout; reads nothing",
    ("linter/commands/init.py", "run", "open"): "writes the .nglint.toml the user asked `nglint init` to create",
    ("linter/discovery.py", "_walk", "os.scandir"): "the tree walk itself: lists only directories inside the checked "
                                                     "paths, never follows a symlinked directory, every OSError a finding",
    ("linter/docs.py", "stale_pages", "directory / name.read_text"): "nglint's own generated docs (a release check)",
    ("linter/docs.py", "stale_pages", "directory.glob"): "nglint's own docs directory (a release check)",
    ("linter/explain/docs.py", "update", "path.read_text"): "nglint's own documentation page, regenerated in the repository",
    ("linter/explain/parallel.py", "line_ranges", "open"): "`nglint explain` logs are named on the trusted command line",
    ("linter/explain/reading.py", "Source.check", "open"): "`nglint explain` logs are named on the trusted command line",
    ("linter/explain/reading.py", "Source.is_gzip", "open"): "`nglint explain` logs are named on the trusted command line",
    ("linter/explain/reading.py", "Source.open", "open"): "`nglint explain` logs (or a pipe) named on the trusted command line",
    ("linter/explain/reading.py", "Source.blocks", "self.open"): "the same Source.open: a log named on the command line",
    ("linter/explain/reading.py", "Source.range_blocks", "open"): "`nglint explain` logs are named on the trusted command line",
    ("linter/fixer/lock.py", "fix_lock", "os.open"): "opens the repository's top directory for flock; reads nothing",
    ("linter/fixer/render.py", "_listing", "os.listdir"): "the fix templates shipped inside nglint's packages",
    ("linter/fixer/render.py", "_listing", "folder.iterdir"): "the fix templates shipped inside a zipped package",
    ("linter/fixer/render.py", "_read_template", "open"): "a fix template shipped inside a rule's package",
    ("linter/fixer/render.py", "_read_template", "candidate.read_text"): "a fix template shipped inside a zipped rule package",
    ("linter/init.py", "nginx_version", "os.walk"): "walks the directory given to `nglint init`; each file is then held "
                                                     "to it by Boundary.contains and read by open_limited",
    ("linter/sources/nginx/dump.py", "split_dump", "open"): "writes a segment of a dump (read by open_limited) into nglint's own "
                                                    "private temporary directory",
    ("linter/sources/nginx/parse.py", "crossplane_parse", "crossplane.parse"): "only ever given nglint's in-memory copy (memfd or "
                                                                       "private temporary file) of bytes read by open_limited",
    ("linter/registry.py", "_nglint_entry_points", "os.scandir"): "lists the interpreter's site-packages (trusted), "
                                                                    "not the checked tree",
    ("linter/registry.py", "_nglint_entry_points", "open"): "an installed package's entry_points.txt (trusted)",
    ("linter/sources/compose/reader.py", "ComposeFile.deployment", "os.listdir"): "names in the directory of a compose "
                                                                                  "file the walk found; files read via read_text",
    ("linter/sources/files.py", "expand_files", "os.walk"): "a bind mount or COPY source held to the tree first; links "
                                                            "out of it dropped; bounded by `limit`",
    ("linter/sources/jetty/reader.py", "_listdir", "os.listdir"): "the start.d beside a start.ini the walk found; "
                                                                  "each file read through read_text",
    ("linter/sources/servers.py", "standalone_allowed", "os.listdir"): "names of the deployment unit's directory, "
                                                                       "inside the tree (UnitIndex.unit_dir)",
    ("linter/sources/terraform/hcl.py", "_listing", "os.listdir"): "a module directory held to the tree first "
                                                                   "(terraform.reader checks `inside`); files read via boundary",
    ("linter/sources/terraform/hcl.py", "_tfvars_files", "os.listdir"): "the same module directory as _listing",
    ("linter/tiers/units.py", "_is_marked", "os.listdir"): "names of a directory inside the tree (units only mark "
                                                           "directories under the checked roots)",
}


def _calls(path: Path):
    """(enclosing function, call text, line) of every read-like call in one module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []

    def visit(node, scope):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                visit(child, [*scope, child.name])
                continue
            if isinstance(child, ast.Call):
                callee = _callee(child.func)
                if callee is not None:
                    found.append((".".join(scope) or "<module>", callee, child.lineno))
            visit(child, scope)

    visit(tree, [])
    return found


def _callee(func) -> str | None:
    if isinstance(func, ast.Name):
        return "open" if func.id == "open" else None
    if not isinstance(func, ast.Attribute):
        return None
    owner = ast.unparse(func.value)
    if (owner, func.attr) in MODULE_CALLS:
        return f"{owner}.{func.attr}"
    if func.attr in PATH_METHODS and owner not in BOUNDARY_OWNERS and owner not in ("os", "io", "codecs", "glob"):
        return f"{owner}.{func.attr}"
    return None


def _scan() -> dict[tuple[str, str, str], list[int]]:
    calls: dict[tuple[str, str, str], list[int]] = {}
    for package in SCANNED:
        for path in sorted((REPO / package).rglob("*.py")):
            module = path.relative_to(REPO).as_posix()
            if module == "linter/boundary.py":
                continue
            for scope, callee, line in _calls(path):
                calls.setdefault((module, scope, callee), []).append(line)
    return calls


def test_every_read_goes_through_the_boundary():
    offenders = [f"{module}:{lines[0]} {scope}: {callee}(...)" for (module, scope, callee), lines in _scan().items()
                 if (module, scope, callee) not in ALLOWED]
    assert not offenders, "read or list through nglint.boundary (open_limited, read_text, Boundary.glob), or add an " \
                          "ALLOWED entry with the reason:\n" + "\n".join(offenders)


def test_the_allow_list_has_no_stale_entries_and_gives_reasons():
    calls = _scan()
    stale = [key for key in ALLOWED if key not in calls]
    assert not stale, f"allowed calls that no longer exist (remove them): {stale}"
    assert all(len(reason) > 20 for reason in ALLOWED.values())


def test_the_scanner_sees_each_kind_of_read(tmp_path):
    """The scan is only a proof if it can fail: each pattern it looks for is found."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os, glob, yaml\nfrom pathlib import Path\nfrom lxml import etree\n"
        "def f(p):\n"
        "    open(p)\n    os.open(p, 0)\n    Path(p).read_text()\n    Path(p).read_bytes()\n    Path(p).open()\n"
        "    etree.parse(p)\n    yaml.safe_load(open(p))\n    glob.glob(p)\n    os.listdir(p)\n    os.walk(p)\n"
        "    boundary.read_text(p, 1)\n    tree.glob(p)\n"
    )
    seen = [callee for _scope, callee, _line in _calls(sample)]
    assert seen == ["open", "os.open", "Path(p).read_text", "Path(p).read_bytes", "Path(p).open", "etree.parse", "open",
                    "glob.glob", "os.listdir", "os.walk"]
