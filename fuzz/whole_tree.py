"""The `tree` fuzz target: fuzz bytes decode into a whole hostile tree, linted by the CLI.

Why structured: a pull request controls far more than one file's text. It controls file
names (any bytes but `/` and NUL), directories (deep, oddly named), symlinks (to places
outside the checkout, to /proc, to /dev/zero, to themselves), include patterns with `..`,
and the `.nglint.toml` that names files to read. libFuzzer mutates bytes; this module
turns any byte string into such a tree, so coverage feedback steers toward trees that
reach new code in discovery, the boundary, the readers and every reporter.

Input layout (every byte string is valid): entries separated by b"\\x00\\x00", at most
MAX_ENTRIES. In each entry, byte 0 picks the kind, byte 1 picks places from the tables
below (low 3 bits: the directory; high bits: the name, link target or snippet), and the
rest is the payload (file content, a raw file name, or an include pattern).

Beside the tree lies `outside/`, holding files whose names and content carry a sentinel.
The tree itself never spells the sentinel (its links and config name only `outside/`,
`known.conf` and `server.xml`), so the sentinel can only reach the output if nglint listed
the outside directory or read one of its files.
The oracle, for every output format of `nglint check`: exit 0 or 1 with a report on
stdout, or 2 with exactly one `nglint: error:` line; never a traceback or an internal
error; output that is valid UTF-8 with no escape character; and the sentinel nowhere
(nothing outside the tree was listed, read or named).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile

SENTINEL = "NGLINT-TREE-SENTINEL-3b9d2e71"
MAX_ENTRIES = 12
MAX_PAYLOAD = 4096
SEPARATOR = b"\x00\x00"

DEEP = b"/".join([b"d"] * 60)
DIRECTORIES = (b"", b"conf.d", b"sub/d", b"\xff\xfe", b"line\nbreak", b"esc\x1b[31m", DEEP, b"sites-enabled")
NGINX_NAMES = (b"nginx.conf", b"a.conf", b"default", b"site.conf", b"mime.types", b"nginx.conf.bak", b"b.conf", b"x.conf")
BACKEND_NAMES = (
    b"server.xml", b"catalina.properties", b"docker-compose.yml", b"gunicorn.conf.py", b"application.properties",
    b"server.js", b"Dockerfile", b"Procfile", b"deployment.yaml", b".env", b"puma.rb", b"httpd.conf", b"web.config",
    b"start.ini", b"main.go", b"compose.yaml", b"uwsgi.ini", b"haproxy.cfg", b"app.service", b"applicationHost.config",
    b"envoy.yaml", b"traefik.yml", b"main.tf", b"kustomization.yaml",
)
EXTENSIONS = (b".conf", b".xml", b"", b".yml", b".py", b".properties", b".json", b".toml")
LINK_TARGETS = (
    "../outside", "../outside/known.conf", "../outside/server.xml", "../../outside", "/proc/self/environ",
    "/proc/1/cwd", "/dev/zero", "/nonexistent/x.conf", "<self>", ".", "..", "/", "../outside/" + "x" * 300, "<outside>",
    "conf.d", "nginx.conf",
)
INCLUDE_PATTERNS = (
    "*.conf", "conf.d/*.conf", "../*", "../../*", "../outside/*", "../outside/known.conf", "link/*", "*/*.conf",
    "/etc/nginx/*.conf", "/etc/nginx/../../outside/*", "/proc/self/environ", "sub/../../outside/*", "d/d/d/*", "[", "?*",
    "**",
)
CONFIG_SNIPPETS = (
    'nginx-roots = ["../outside/known.conf"]',
    'nginx-prefix = {"/etc/nginx" = "../outside"}',
    '[[backend]]\nupstream = "app"\nserver-xml = "/proc/self/environ"',
    '[[backend]]\nupstream = "app"\nserver-xml = "../outside/server.xml"',
    '[[backend]]\nupstream = "app"\nserver-xml = "link"',
    'max-file-size = "1k"',
    'exclude = ["*"]',
    "not toml ===",
)
QUIET_WHEN_CLEAN = ("github",)  # workflow annotations: nothing to annotate, nothing printed
NGINX_AROUND_NAME = b"http {\n  upstream app { server 127.0.0.1:8080; keepalive 8; }\n  include missing.conf;\n}\n"


def _sanitize(name: bytes) -> bytes:
    """A single path component: no `/`, no NUL, not `.` or `..`, not empty."""
    name = name.replace(b"/", b"_").replace(b"\x00", b"_")[:200]
    return b"_" + name if name in (b"", b".", b"..") else name


def decode(data: bytes) -> list[tuple[str, bytes, bytes]]:
    """The tree an input describes: (kind, relative path, payload) per entry, in order.

    kind is "file" (payload = content), "link" (payload = target) or "config"."""
    entries = []
    for chunk in data.split(SEPARATOR)[:MAX_ENTRIES]:
        kind, where, payload = (chunk[0] if chunk else 0), (chunk[1] if len(chunk) > 1 else 0), chunk[2:][:MAX_PAYLOAD]
        folder, pick = DIRECTORIES[where & 7], where >> 3

        def at(name: bytes) -> bytes:
            return folder + b"/" + name if folder else name

        choice = kind % 6
        if choice == 0:  # an nginx file, content from the input
            entries.append(("file", at(NGINX_NAMES[pick % len(NGINX_NAMES)]), payload))
        elif choice == 1:  # a backend or orchestration file, content from the input
            entries.append(("file", at(BACKEND_NAMES[pick % len(BACKEND_NAMES)]), payload))
        elif choice == 2:  # a symlink, its name from the input
            name = _sanitize(payload[:64]) + EXTENSIONS[pick % len(EXTENSIONS)] if payload else b"link"
            entries.append(("link", at(name), LINK_TARGETS[pick % len(LINK_TARGETS)].encode()))
        elif choice == 3:  # a file whose name is arbitrary bytes
            entries.append(("file", at(_sanitize(payload[:200]) + EXTENSIONS[pick % len(EXTENSIONS)]), NGINX_AROUND_NAME))
        elif choice == 4:  # the project configuration, which names files to read
            snippet = CONFIG_SNIPPETS[pick % len(CONFIG_SNIPPETS)].encode()
            entries.append(("config", b".nglint.toml", snippet + b"\n" + payload))
        else:  # an include pattern (with `..`, globs, absolute paths) in an nginx.conf
            pattern = payload or INCLUDE_PATTERNS[pick % len(INCLUDE_PATTERNS)].encode()
            entries.append(("file", at(b"nginx.conf"), b"http {\n  include " + pattern + b";\n}\n"))
    return entries


def _outside(base: str) -> str:
    """Files next to the tree that nglint must never list, read or name."""
    outside = os.path.join(base, "outside")
    os.makedirs(outside)
    for name, text in (
        ("known.conf", f"upstream {SENTINEL.replace('-', '_')} {{ server 10.0.0.1:80; }}\n"),
        (f"{SENTINEL}.conf", f"# {SENTINEL}\n"),
        ("server.xml", f'<Server><Service name="{SENTINEL}"><Connector port="8080" keepAliveTimeout="{SENTINEL}"/></Service></Server>\n'),
    ):
        with open(os.path.join(outside, name), "w", encoding="utf-8") as handle:
            handle.write(text)
    return outside


def build(tree: bytes, entries: list[tuple[str, bytes, bytes]], outside: bytes) -> None:
    """Write the entries under `tree`; what the file system refuses (a name too long, a
    file where a directory should be) is skipped, as a checkout could not hold it either."""
    for kind, rel, payload in entries:
        path = os.path.join(tree, rel)
        with contextlib.suppress(OSError):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if kind == "link":
                target = {b"<self>": os.path.basename(path), b"<outside>": outside}.get(payload, payload)
                os.symlink(target, path)
            else:
                with open(path, "wb") as handle:
                    handle.write(payload)


def run_cli(tree: str, fmt: str, cwd: str) -> tuple[int, str, str]:
    """`nglint check TREE --format FMT` in this process (as the CLI runs it), from `cwd`."""
    from nglint.cli import main

    out, err = io.StringIO(), io.StringIO()
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["check", tree, "--format", fmt, "--jobs", "1"])
    finally:
        os.chdir(previous)
    return code, out.getvalue(), err.getvalue()


def verify(fmt: str, code: int, stdout: str, stderr: str) -> None:
    """The oracle for one format's run; AssertionError (a crash to atheris) when it fails."""
    both = stdout + stderr
    assert code in (0, 1, 2), f"{fmt}: exit {code}\n{stderr[-2000:]}"
    assert "Traceback" not in both, f"{fmt}: traceback\n{both[-3000:]}"
    assert "internal error" not in both, f"{fmt}: internal error\n{stderr[-2000:]}"
    if code == 2:
        assert stderr.count("nglint: error:") == 1, f"{fmt}: exit 2 without exactly one error line\n{stderr[-2000:]}"
    elif code == 1 or fmt not in QUIET_WHEN_CLEAN:
        assert stdout.strip(), f"{fmt}: exit {code} and no report"
    both.encode("utf-8")  # no lone surrogate: every raw name was made printable
    assert "\x1b" not in both, f"{fmt}: an escape character reached the output"
    assert SENTINEL not in both, f"{fmt}: a name or text from outside the tree leaked into the output"


def lint_tree(data: bytes, plant_inside: bool = False) -> dict[str, tuple[int, str, str]]:
    """Decode, build, and lint in every format: (exit code, stdout, stderr) per format.

    `plant_inside` also puts a sentinel-named file inside the tree, which every format
    then names: the canary test uses it to show that the oracle sees each format's output."""
    from nglint.cli import FORMATS

    base = tempfile.mkdtemp(prefix="nglint-fuzz-tree-")
    try:
        outside = _outside(base)
        tree = os.path.join(base, "tree")
        os.makedirs(tree)
        build(os.fsencode(tree), decode(data), os.fsencode(outside))
        if plant_inside:
            with open(os.path.join(tree, f"{SENTINEL}.conf"), "w", encoding="utf-8") as handle:
                handle.write("http {\n  include missing.conf;\n}\n")
        return {fmt: run_cli(tree, fmt, base) for fmt in FORMATS}
    finally:
        shutil.rmtree(base, ignore_errors=True)


def tree_one_input(data: bytes) -> dict[str, tuple[int, str, str]]:
    """The fuzz target: lint the tree the bytes describe, in every format, and hold each
    output to the oracle (an AssertionError is a crash to atheris)."""
    results = lint_tree(data)
    for fmt, result in results.items():
        verify(fmt, *result)
    return results
