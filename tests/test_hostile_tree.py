"""Hostile trees: odd links, names, depths and configs end in a report, never a traceback,
and nothing outside the checked tree is listed, read or named.

Every test runs the real CLI in a subprocess and reads its raw bytes: what a CI log or a
SARIF upload would receive.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import IN_CI, write_tree
from hostile import SECRET

FORMATS = ("text", "json", "sarif", "github")
KA001_TREE = {
    "nginx.conf": "events {}\nhttp {\n  upstream app { server 127.0.0.1:8080; keepalive 8; }\n"
    "  server { listen 80; location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }\n}\n",
    "tomcat/conf/server.xml": '<Server><Service name="s"><Connector port="8080" protocol="HTTP/1.1" keepAliveTimeout="20000"/></Service></Server>\n',
}


def cli(*args, cwd=None, env=None, preexec_fn=None, prefix=()) -> subprocess.CompletedProcess:
    """The real CLI; stdout and stderr as raw bytes."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "PYTHONIOENCODING")}
    full_env.update(env or {})
    return subprocess.run(
        [*prefix, sys.executable, "-m", "nglint", *map(os.fsdecode, args)],
        cwd=cwd, env=full_env, capture_output=True, timeout=300, preexec_fn=preexec_fn,
    )


def assert_report(result: subprocess.CompletedProcess, codes=(0, 1)) -> None:
    assert result.returncode in codes, result.stderr
    assert b"Traceback" not in result.stderr and b"Traceback" not in result.stdout, result.stderr
    result.stdout.decode("utf-8")  # every format is valid UTF-8, whatever the names
    result.stderr.decode("utf-8")


def every_format(*args, cwd=None, env=None, prefix=()) -> bytes:
    out = b""
    for fmt in FORMATS:
        result = cli("check", *args, "--format", fmt, cwd=cwd, env=env, prefix=prefix)
        assert_report(result)
        if fmt in ("json", "sarif"):
            json.loads(result.stdout)
        out += result.stdout + result.stderr
    return out


@pytest.fixture
def public_tmp():
    """A directory an unprivileged user can read (pytest's tmp_path is root-only)."""
    path = Path(tempfile.mkdtemp(prefix="nglint-public-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def as_nobody() -> list[str]:
    """Run without privilege over the machine's other processes, to whom /proc/1/cwd
    cannot be resolved: a new user namespace (root inside maps to the caller outside, so
    the interpreter and nglint stay readable; /proc/1 belongs to the parent namespace).
    An unprivileged caller is that already."""
    if os.geteuid() != 0:
        return []
    unshare = shutil.which("unshare")
    if unshare is None:
        if IN_CI:
            pytest.fail("unshare (util-linux) is needed to run the CLI without privilege over pid 1")
        pytest.skip("unshare missing")
    return [unshare, "--user", "--map-root-user", "--"]


# -- never a traceback ---------------------------------------------------------------------


def test_links_the_process_may_not_resolve_are_findings(public_tmp):
    """/proc/1/cwd raises PermissionError from readlink for an unprivileged process: a
    symlink to it, through it, or an include glob reaching it is one finding each."""
    write_tree(public_tmp, {"nginx.conf": "http {\n  include proc/*.conf;\n  include proc/x.conf;\n  include root/etc/*;\n}\n"})
    (public_tmp / "evil.conf").symlink_to("/proc/1/cwd/x.conf")
    (public_tmp / "server.xml").symlink_to("/proc/1/root/etc/passwd")
    (public_tmp / "proc").symlink_to("/proc/1/cwd")
    (public_tmp / "root").symlink_to("/proc/1/root")
    for path in public_tmp.rglob("*"):
        os.lchown(path, 0, 0)
    output = every_format(public_tmp, prefix=as_nobody())
    text = cli("check", public_tmp, prefix=as_nobody()).stdout.decode()
    assert text.count("P002") == 4 and text.count("P003") == 1, text
    assert b"/proc/1" not in output and b"root:x:0" not in output


def test_thousand_levels_deep(tmp_path):
    deep = str(tmp_path)
    for _ in range(1000):
        deep += "/d"
        os.mkdir(deep)  # one by one: os.makedirs and Path.mkdir(parents=True) recurse
    with open(deep + "/nginx.conf", "w") as handle:
        handle.write("http {\n  include missing.conf;\n}\n")
    try:
        result = cli("check", tmp_path, "--format", "json")
        assert_report(result)
        assert [f["rule"] for f in json.loads(result.stdout)["findings"]] == ["P002"]
    finally:  # pytest's own clean-up would recurse a thousand levels
        os.remove(deep + "/nginx.conf")
        while deep != str(tmp_path):
            os.rmdir(deep)
            deep = os.path.dirname(deep)


def test_changed_file_outside_every_project_is_linted_alone(tmp_path):
    """No git repository, no config, run from `/` (or from a home directory above it): the
    file is linted in its own directory, never more; nothing above it is walked."""
    write_tree(tmp_path, {"lone/site.conf": "server {\n  listen 80;\n  include missing.conf;\n}\n", "lone/other/nginx.conf": "http {\n",
                          "above/nginx.conf": "http {\n"})
    for cwd in ("/", tmp_path):
        result = cli("check", "--changed", tmp_path / "lone/site.conf", "--format", "json", cwd=cwd)
        assert_report(result)
        report = json.loads(result.stdout)
        assert report["summary"]["files_checked"] == 2  # lone/site.conf and lone/other/nginx.conf, not above/
    assert {f["path"].rsplit("/", 1)[-1] for f in report["findings"]} == {"site.conf"}


def test_changed_skips_directories_and_submodules(tmp_path):
    """`git diff --name-only | xargs nglint check --changed` passes a submodule as a path."""
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "protocol.file.allow=always"]
    sub = tmp_path / "sub"
    write_tree(sub, {"nginx.conf": "http {}\n"})
    subprocess.run([*git, "init", "-q", str(sub)], check=True)
    subprocess.run([*git, "-C", str(sub), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(sub), "commit", "-qm", "x"], check=True)
    repo = tmp_path / "repo"
    write_tree(repo, KA001_TREE)
    subprocess.run([*git, "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "-C", str(repo), "submodule", "add", "-q", str(sub), "vendor/sub"], check=True, capture_output=True)
    subprocess.run([*git, "-C", str(repo), "add", "-A"], check=True)
    names = subprocess.run(["git", "-C", str(repo), "diff", "--cached", "--name-only"], capture_output=True, text=True, check=True).stdout.split()
    assert "vendor/sub" in names
    result = cli("check", "--changed", *names, "--format", "json", cwd=repo)
    assert_report(result)
    assert [f["rule"] for f in json.loads(result.stdout)["findings"]] == ["KA001"]


# -- nothing outside the tree ------------------------------------------------------------


def test_include_globs_leaving_the_tree_are_decided_on_the_pattern(tmp_path):
    """`include ../../etc/*;` is one finding per line, never a listing of the outside, and
    the wording does not reveal whether an outside file exists."""
    outside = tmp_path / "outside"
    for index in range(200):
        (outside / f"{SECRET}-{index}.conf").parent.mkdir(parents=True, exist_ok=True)
        (outside / f"{SECRET}-{index}.conf").write_text(f"upstream {SECRET.replace('-', '_')} {{ server a:1; }}\n")
    (outside / "known.conf").write_text(f"# {SECRET}\n")
    lines = ["include ../../outside/*;"] * 50 + [
        "include ../../outside/known.conf;",  # exists
        "include ../../outside/none.conf;",  # does not
        "include link/*.conf;",
        "include link/known.conf;",
        "include link/none.conf;",
        "include /etc/nginx/../../../outside/*;",
    ]
    write_tree(tmp_path, {"a/b/nginx.conf": "http {\n" + "".join(f"  {line}\n" for line in lines) + "}\n"})
    (tmp_path / "a/b/link").symlink_to(outside)
    output = every_format(tmp_path / "a/b")
    assert SECRET.encode() not in output
    result = cli("check", tmp_path / "a/b", "--format", "json")
    messages = [f["message"] for f in json.loads(result.stdout)["findings"]]
    # One finding per pattern (the 50 identical lines are one, the others its sources); the absolute one is info.
    assert len(messages) == len(set(lines))
    assert all("points outside the checked tree" in m or "absolute path" in m for m in messages), messages
    # Exists or not, the same words: nothing is learnt about the machine.
    assert {m.replace("known.conf", "X").replace("none.conf", "X") for m in messages if "X" not in m and ".conf" in m} == {
        "include '../../outside/X' points outside the checked tree; not read",
        "include 'link/X' points outside the checked tree; not read",
        "include 'link/*.conf' points outside the checked tree; not read",
    }


def test_a_glob_through_a_linked_subdirectory_is_not_listed(tmp_path):
    outside = tmp_path / "outside"
    write_tree(outside, {f"{SECRET}.conf": "upstream x { server a:1; }\n"})
    write_tree(tmp_path, {"tree/nginx.conf": "http {\n  include */*.conf;\n}\n", "tree/ok/a.conf": "upstream a { server b:1; }\n"})
    (tmp_path / "tree/evil").symlink_to(outside)
    output = every_format(tmp_path / "tree")
    assert SECRET.encode() not in output
    assert b"also reaches outside the checked tree" in output


@pytest.mark.parametrize(
    "setting",
    [
        'nginx-roots = ["/proc/self/environ"]',
        'nginx-prefix = {"/etc/nginx" = "/etc"}',
        '[[backend]]\nupstream = "app"\nserver-xml = "/proc/self/environ"',
        '[[backend]]\nupstream = "app"\nserver-xml = "link.xml"',
    ],
)
def test_paths_in_the_config_are_held_to_the_project(tmp_path, setting):
    write_tree(tmp_path, {**KA001_TREE, ".nglint.toml": setting + "\n"})
    (tmp_path / "link.xml").symlink_to("/proc/self/environ")
    result = cli("check", tmp_path, "--format", "sarif", cwd=tmp_path, env={SECRET: SECRET})
    assert result.returncode == 2, result.stdout
    assert b"is outside the project" in result.stderr and b"--allow-outside" in result.stderr
    assert SECRET.encode() not in result.stdout + result.stderr


def test_allow_outside_lets_the_command_line_widen_the_project(tmp_path):
    write_tree(tmp_path, {"elsewhere/server.xml": KA001_TREE["tomcat/conf/server.xml"], "proj/nginx.conf": KA001_TREE["nginx.conf"]})
    (tmp_path / "proj/.nglint.toml").write_text('[[backend]]\nupstream = "app"\nserver-xml = "../elsewhere/server.xml"\n')
    refused = cli("check", tmp_path / "proj", cwd=tmp_path / "proj")
    assert refused.returncode == 2
    allowed = cli("check", tmp_path / "proj", "--allow-outside", tmp_path / "elsewhere", "--format", "json", cwd=tmp_path / "proj")
    assert_report(allowed)
    assert [f["rule"] for f in json.loads(allowed.stdout)["findings"]] == ["KA001"]


# -- every name, every format --------------------------------------------------------------


NASTY_NAMES = [
    b"bad\xff\xfename.conf",
    b"line\nbreak::error file=x::forged.conf",
    b"esc\x1b[31mred\x1b]0;title\x07.conf",
    b"c1\xc2\x9bname\x7f.conf",
]


@pytest.mark.parametrize("env", [{}, {"LC_ALL": "C"}, {"LC_ALL": "C", "PYTHONIOENCODING": "ascii:strict"}, {"PYTHONIOENCODING": "latin-1:strict"}])
def test_any_file_name_in_any_format_and_locale(tmp_path, env):
    root = tmp_path / "t"
    root.mkdir()
    for name in NASTY_NAMES:
        with open(os.path.join(os.fsencode(root), name), "wb") as handle:
            handle.write(b"server {\n  listen 80;\n  include missing.conf;\n}\n")
    output = every_format(root, env=env, cwd=tmp_path)
    assert b"\x1b" not in output and b"\x07" not in output and b"\x9b" not in output
    sarif = json.loads(cli("check", root, "--format", "sarif", cwd=tmp_path, env=env).stdout)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert "t/bad%FF%FEname.conf" in uris and "t/line%0Abreak%3A%3Aerror%20file%3Dx%3A%3Aforged.conf" in uris
    github = cli("check", root, "--format", "github", cwd=tmp_path, env=env).stdout.decode()
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in github.splitlines()), github
    text = cli("check", root, cwd=tmp_path, env=env).stdout.decode()
    assert len(text.splitlines()) == len(NASTY_NAMES) + 1  # one line per finding, one summary
    out = tmp_path / "report.sarif"
    assert_report(cli("check", root, "--format", "sarif", "--output", out, cwd=tmp_path, env=env))
    json.loads(out.read_bytes())


def test_values_from_files_cannot_forge_workflow_commands(tmp_path):
    write_tree(tmp_path, {
        "nginx.conf": KA001_TREE["nginx.conf"].replace("keepalive 8;", 'keepalive 8; keepalive_timeout "1\\n::add-mask::x";'),
        "tomcat/conf/server.xml": '<Server><Service name="s"><Connector port="8080" protocol="HTTP/1.1" '
        'keepAliveTimeout="2&#10;::add-mask::secret&#27;[2J"/></Service></Server>\n',
    })
    github = cli("check", tmp_path, "--format", "github", cwd=tmp_path)
    assert_report(github)
    lines = github.stdout.decode().splitlines()
    assert lines and all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines), lines
    text = cli("check", tmp_path, cwd=tmp_path).stdout
    assert b"\x1b" not in text and not any(line.startswith(b"::") for line in text.splitlines())


def test_output_file_is_complete_or_absent(tmp_path):
    """A full disk (here: RLIMIT_FSIZE) leaves no partial report and no temporary file."""
    write_tree(tmp_path, {"t/nginx.conf": "http {\n" + "  include missing.conf;\n" * 300 + "}\n"})
    target = tmp_path / "out" / "nglint.sarif"
    target.parent.mkdir()
    target.write_text("previous")

    def small_files():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    result = cli("check", tmp_path / "t", "--format", "sarif", "--output", target, preexec_fn=small_files)
    assert result.returncode == 2 and b"cannot write" in result.stderr and b"Traceback" not in result.stderr
    assert target.read_text() == "previous"
    assert sorted(p.name for p in target.parent.iterdir()) == ["nglint.sarif"]


def test_a_walked_server_xml_does_not_widen_the_tree_to_the_current_directory(tmp_path):
    """Found by the `tree` fuzz target: a server.xml found by walking the checked directory
    counted as a file named on the command line, so the current directory became part of
    the tree and `include ../outside/*;` read the tree's siblings when run from its parent."""
    write_tree(tmp_path, {
        f"outside/{SECRET}.conf": f"upstream {SECRET.replace('-', '_')} {{ server a:1; }}\n",
        "tree/nginx.conf": "http {\n  include ../outside/*;\n}\n",
        "tree/server.xml": KA001_TREE["tomcat/conf/server.xml"],
    })
    output = every_format("tree", cwd=tmp_path)
    assert SECRET.encode() not in output
    result = cli("check", "tree", "--format", "json", cwd=tmp_path)
    assert [f["message"] for f in json.loads(result.stdout)["findings"]] == ["include '../outside/*' points outside the checked tree; not read"]
