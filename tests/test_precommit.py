"""The pre-commit hooks, run by the real pre-commit in throw-away git repositories.

Most tests install the hooks of this working tree's `.pre-commit-hooks.yaml` as a
`repo: local` hook (same id, files pattern, require_serial..., with `language: system`
and the test's own Python, so no hook environment is built); one test runs the published
manifest as users do, through `pre-commit try-repo` (a `language: python` environment).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import IN_CI, PROJECT_ROOT, run_cli, write_tree

TOMCAT = (
    "<Server>\n  <Service>\n"
    '    <Connector port="8081" protocol="HTTP/1.1"\n               keepAliveTimeout="{ka}"/>\n'
    "  </Service>\n</Server>\n"
)
UPSTREAMS = "upstream shop {{\n    server 127.0.0.1:8081;\n    keepalive 16;\n    keepalive_timeout {timeout};{comment}\n}}\n"
STACK = {
    "README.md": "demo\n",
    "nginx/nginx.conf": "events {}\nhttp {\n    include conf.d/*.conf;\n}\n",
    "nginx/conf.d/upstreams.conf": UPSTREAMS.format(timeout="25s", comment=""),
    "nginx/conf.d/site.conf": (
        "server {\n    listen 80;\n    location / {\n        include snippets/proxy.conf;\n"
        "        proxy_pass http://shop;\n    }\n}\n"
    ),
    "nginx/snippets/proxy.conf": 'proxy_http_version 1.1;\nproxy_set_header Connection "";\n',
    "tomcat/conf/server.xml": TOMCAT.format(ka=30000),
}


def _need(condition: bool, reason: str) -> None:
    if not condition:
        if IN_CI:
            pytest.fail(reason + " (required in CI)")
        pytest.skip(reason)


def _pre_commit_available() -> bool:
    try:
        import pre_commit  # noqa: F401
        import yaml  # noqa: F401  (a dependency of pre-commit)
    except ImportError:
        return False
    return True


@pytest.fixture(scope="session")
def pre_commit_env(tmp_path_factory) -> dict[str, str]:
    """One PRE_COMMIT_HOME per test session; git isolated from the user's global config."""
    _need(shutil.which("git") is not None, "git is not installed")
    _need(_pre_commit_available(), "pre-commit is not installed (pip install pre-commit)")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "GIT_"))}
    env.update({
        "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home")),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "NO_COLOR": "1",
    })
    env.pop("FORCE_COLOR", None)
    return env


def local_hooks(*ids: str, **overrides) -> str:
    """A `repo: local` config with the hooks exactly as published, run with this Python."""
    import yaml

    manifest = yaml.safe_load((PROJECT_ROOT / ".pre-commit-hooks.yaml").read_text())
    hooks = []
    for hook in manifest:
        if hook["id"] in ids:
            hook = dict(hook)
            hook.pop("minimum_pre_commit_version", None)
            assert hook["entry"].startswith("nglint ")
            hook["entry"] = f"{shlex.quote(sys.executable)} -m {hook['entry']}"
            hook["language"] = "system"
            hook.update(overrides)
            hooks.append(hook)
    assert len(hooks) == len(ids)
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]}, sort_keys=False)


class Repo:
    """A git repository with the hooks installed; commits go through `git commit`."""

    def __init__(self, path: Path, env: dict[str, str], config: str) -> None:
        self.path, self.env = path, env
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        for key, value in (("user.name", "nglint test"), ("user.email", "test@example.invalid"), ("commit.gpgsign", "false")):
            self.git("config", key, value)
        (path / ".pre-commit-config.yaml").write_text(config)
        self.pre_commit("install")

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(["git", *args], cwd=self.path, env=self.env, capture_output=True, text=True, timeout=600)
        if check:
            assert result.returncode == 0, result.stdout + result.stderr
        return result

    def pre_commit(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", *args], cwd=self.path, env=self.env, capture_output=True, text=True, timeout=900
        )

    def write(self, files: dict[str, str]) -> None:
        write_tree(self.path, files)

    def commit(self, message: str) -> tuple[bool, str]:
        """Stage everything and commit; (accepted, everything pre-commit printed)."""
        self.git("add", "-A")
        result = self.git("commit", "-q", "-m", message, check=False)
        return result.returncode == 0, result.stdout + result.stderr

    def commits(self) -> int:
        result = self.git("rev-list", "--count", "HEAD", check=False)
        return int(result.stdout.strip()) if result.returncode == 0 else 0


@pytest.fixture
def repo(tmp_path, pre_commit_env):
    def make(files: dict[str, str] = STACK, config: str | None = None) -> Repo:
        created = Repo(tmp_path / "repo", pre_commit_env, config or local_hooks("nglint"))
        created.write(files)
        return created

    return make


def test_commit_introducing_ka001_is_rejected_with_the_finding_and_the_fix_passes(repo):
    r = repo()
    ok, out = r.commit("clean stack")
    assert ok, out
    r.write({"nginx/conf.d/upstreams.conf": UPSTREAMS.format(timeout="45s", comment="")})
    ok, out = r.commit("raise the idle timeout")
    assert not ok
    assert "nglint" in out and "Failed" in out
    assert "nginx/conf.d/upstreams.conf:4:5: KA001 Upstream 'shop' keeps idle connections 45s, Tomcat closes them after 30s" in out
    assert "related: tomcat/conf/server.xml:3:" in out
    assert r.commits() == 1
    r.write({"nginx/conf.d/upstreams.conf": UPSTREAMS.format(timeout="27s", comment="")})
    ok, out = r.commit("keepalive_timeout below Tomcat's")
    assert ok, out
    assert r.commits() == 2


def test_change_only_to_an_included_file_is_caught_through_its_root(repo):
    r = repo()
    assert r.commit("clean stack")[0]
    # Only the snippet changes; the location that includes it loses its pooled connections.
    r.write({"nginx/snippets/proxy.conf": "proxy_http_version 1.1;\nproxy_set_header Host $host;\n"})
    ok, out = r.commit("snippet: set Host")
    assert not ok
    assert re.search(r"nginx/conf\.d/site\.conf:5:\d+: KA003 ", out), out
    r.git("checkout", "--", ".")
    # Only conf.d/site.conf changes: its include is resolved against nginx.conf's directory
    # (the root that includes it), so a missing snippet is an error, not a fragment's info.
    r.write({"nginx/conf.d/site.conf": STACK["nginx/conf.d/site.conf"].replace("proxy.conf", "proxy-params.conf")})
    ok, out = r.commit("site: other snippet")
    assert not ok
    assert "nginx/conf.d/site.conf:4:9: P002 include 'snippets/proxy-params.conf' matches no file" in out
    assert r.commits() == 1


def test_change_only_to_server_xml_is_caught(repo):
    r = repo()
    assert r.commit("clean stack")[0]
    r.write({"tomcat/conf/server.xml": TOMCAT.format(ka=15000)})
    ok, out = r.commit("tomcat: shorter keepAliveTimeout")
    assert not ok
    assert "nginx/conf.d/upstreams.conf:4:5: KA001 " in out
    assert 'related: tomcat/conf/server.xml:3: Tomcat HTTP Connector port 8081 closes idle connections after 15s' in out


def test_change_only_to_catalina_properties_is_caught(repo):
    files = dict(STACK)
    files["tomcat/conf/server.xml"] = TOMCAT.format(ka="${http.keepalive}")
    files["tomcat/conf/catalina.properties"] = "http.keepalive=30000\n"
    r = repo(files)
    assert r.commit("clean stack")[0]
    r.write({"tomcat/conf/catalina.properties": "http.keepalive=10000\n"})
    ok, out = r.commit("tomcat: shorter keepAliveTimeout")
    assert not ok and "nginx/conf.d/upstreams.conf:4:5: KA001 " in out


def test_suppressed_finding_passes_and_an_unexplained_one_does_not(repo):
    r = repo()
    assert r.commit("clean stack")[0]
    r.write({"nginx/conf.d/upstreams.conf": UPSTREAMS.format(timeout="45s", comment="  # nglint: disable=KA001")})
    ok, out = r.commit("suppress without a reason")
    assert not ok and "N001 Suppression of KA001 gives no reason" in out and " KA001 Upstream" not in out
    r.write({"nginx/conf.d/upstreams.conf": UPSTREAMS.format(timeout="45s", comment="  # nglint: disable=KA001 retried by the client, OPS-7")})
    ok, out = r.commit("suppress with a reason")
    assert ok, out
    shown = r.pre_commit("run", "nglint", "--files", "nginx/conf.d/upstreams.conf", "--verbose")
    assert shown.returncode == 0 and "All checks passed (5 files checked, 1 suppressed)." in shown.stdout


def test_unrelated_changes_do_not_run_the_hook_and_old_findings_elsewhere_do_not_block(repo):
    files = dict(STACK)
    files["nginx/conf.d/upstreams.conf"] = UPSTREAMS.format(timeout="45s", comment="")
    r = repo(files)
    r.git("add", "-A")
    r.git("commit", "-q", "--no-verify", "-m", "legacy state with a KA001")
    r.write({"README.md": "docs only\n"})
    ok, out = r.commit("docs")
    assert ok and "nglint" in out and "(no files to check)Skipped" in out.replace(".", "")
    r.write({"nginx/conf.d/site.conf": STACK["nginx/conf.d/site.conf"].replace("listen 80;", "listen 8080;")})
    ok, out = r.commit("site: another port")
    assert ok, out  # the KA001 is in upstreams.conf, which this commit does not touch


def test_fragments_no_entry_includes_are_linted_without_context_dependent_checks(repo):
    import json

    site = (
        "upstream app {\n    server 127.0.0.1:8080;\n    keepalive 8;\n}\n"
        "server {\n    listen 80;\n    location / {\n        include proxy_params;\n        proxy_pass http://app;\n    }\n}\n"
    )
    r = repo({
        "README.md": "sites only; nginx.conf comes from the distribution\n",
        "sites-available/app.conf": site,
        "snippets/headers.conf": "proxy_set_header X-Real-IP $remote_addr;\nproxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n",
        "tomcat/server.xml": '<Server><Service>\n<Connector port="8080" keepAliveTimeout="120000"/>\n</Service></Server>\n',
    })
    ok, out = r.commit("sites")
    assert ok, out
    direct = run_cli("check", "--changed", "sites-available/app.conf", "snippets/headers.conf", "--format", "json", cwd=r.path)
    findings = json.loads(direct.stdout)["findings"]
    # `include proxy_params;` is Debian's /etc/nginx/proxy_params: a stock file, so info;
    # KA003 (HTTP/1.0 to the pool) depends on the http level nginx.conf would give: off.
    assert [(f["rule"], f["severity"]) for f in findings] == [("P002", "info")]
    assert "stock nginx file" in findings[0]["message"]
    # The same file under an entry file that leaves proxy_http_version at 1.0: KA003.
    r.write({"nginx.conf": "events {}\nhttp {\n    include sites-available/*.conf;\n}\n", "proxy_params": "proxy_set_header Host $host;\n"})
    run = r.pre_commit("run", "nglint", "--files", "sites-available/app.conf")
    assert run.returncode == 1 and re.search(r"sites-available/app\.conf:9:\d+: KA003 ", run.stdout), run.stdout


def test_batch_split_reports_each_finding_once(repo):
    """Enough long file names that pre-commit splits them over several nglint processes."""
    filler = "x" * 180
    files = dict(STACK)
    files["nginx/conf.d/upstreams.conf"] = UPSTREAMS.format(timeout="45s", comment="")
    files["tomcat/conf/server.xml"] = TOMCAT.format(ka=20000)
    for index in range(900):
        body = "server {\n    listen 80;\n" + ("    include missing.conf;\n" if index in (3, 850) else "") + "}\n"
        files[f"nginx/conf.d/{filler}-{index:04d}.conf"] = body
    r = repo(files)
    ok, out = r.commit("everything at once")
    assert not ok
    batches = len(re.findall(r"^(Found \d+ problems?|All checks passed)", out, re.MULTILINE))
    assert batches >= 2, f"pre-commit did not split the files:\n{out[-2000:]}"
    assert len(re.findall(r" KA001 ", out)) == 1, out[-3000:]
    assert len(re.findall(rf"{filler}-0003\.conf:3:5: P002 ", out)) == 1
    assert len(re.findall(rf"{filler}-0850\.conf:3:5: P002 ", out)) == 1
    assert len(re.findall(r" P002 ", out)) == 2


def test_project_hook_lints_the_configured_roots(repo):
    files = dict(STACK)
    files[".nglint.toml"] = 'nginx-roots = ["nginx/nginx.conf"]\n'
    r = repo(files, config=local_hooks("nglint-project"))
    assert r.commit("clean stack")[0]
    r.write({"tomcat/conf/server.xml": TOMCAT.format(ka=15000)})
    ok, out = r.commit("tomcat")
    assert not ok
    assert "nglint (whole project)" in out and "nginx/conf.d/upstreams.conf:4:5: KA001 " in out
    assert "in 5 files checked" in out


def test_published_manifest_through_try_repo(repo):
    """What users run: the hooks of this working tree, installed by pre-commit itself."""
    r = repo()
    r.write({"nginx/conf.d/upstreams.conf": UPSTREAMS.format(timeout="45s", comment="")})
    r.git("add", "-A")
    changed = r.pre_commit("try-repo", str(PROJECT_ROOT), "nglint", "--files", "nginx/conf.d/upstreams.conf", "tomcat/conf/server.xml")
    out = changed.stdout + changed.stderr
    assert changed.returncode == 1, out
    assert len(re.findall(r"nginx/conf\.d/upstreams\.conf:4:5: KA001 ", out)) == 1, out
    project = r.pre_commit("try-repo", str(PROJECT_ROOT), "nglint-project", "--all-files")
    out = project.stdout + project.stderr
    assert project.returncode == 1 and "KA001" in out, out


# -- `nglint check --changed` on its own (what the hook runs), without pre-commit ----------
def _changed(tmp_path, *files: str, fmt: str = "json"):
    """`--changed` as pre-commit runs it: inside a git work tree, which is the context (a
    file in no work tree and no config directory is linted in its own directory only)."""
    import json

    if not (tmp_path / ".git").exists():
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    result = run_cli("check", "--changed", *files, "--format", fmt, cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    return [(f["rule"], f["path"], f["line"]) for f in json.loads(result.stdout)["findings"]]


def test_changed_reports_findings_in_and_caused_by_the_given_files_once(tmp_path):
    files = dict(STACK)
    files["nginx/conf.d/upstreams.conf"] = UPSTREAMS.format(timeout="45s", comment="")
    files["nginx/conf.d/site.conf"] = STACK["nginx/conf.d/site.conf"].replace("listen 80;", "listen 80;\n    include missing.conf;")
    write_tree(tmp_path, files)
    ka001 = ("KA001", "nginx/conf.d/upstreams.conf", 4)
    assert _changed(tmp_path, "nginx/conf.d/upstreams.conf") == [ka001]
    assert _changed(tmp_path, "tomcat/conf/server.xml") == [ka001]
    assert _changed(tmp_path, "nginx/conf.d/upstreams.conf", "tomcat/conf/server.xml") == [ka001]
    assert _changed(tmp_path, "nginx/snippets/proxy.conf") == []
    assert _changed(tmp_path, "nginx/nginx.conf") == []
    assert _changed(tmp_path, "nginx/conf.d/site.conf") == [("P002", "nginx/conf.d/site.conf", 3)]


def test_changed_ignores_deleted_excluded_and_foreign_files(tmp_path):
    files = dict(STACK)
    files["nginx/conf.d/upstreams.conf"] = UPSTREAMS.format(timeout="45s", comment="")
    files["supervisor/conf.d/worker.conf"] = "[program:worker]\ncommand=/usr/bin/worker\n"
    files["legacy/old.conf"] = "server { listen 80;\n"
    files[".nglint.toml"] = 'exclude = ["legacy/*"]\n'
    write_tree(tmp_path, files)
    assert _changed(tmp_path, "README.md", "supervisor/conf.d/worker.conf", "legacy/old.conf", "nginx/deleted.conf") == []
    nothing = run_cli("check", "--changed", cwd=tmp_path)
    assert nothing.returncode == 0 and nothing.stdout == "All checks passed (0 files checked).\n"
    # A directory (what `git diff --name-only` lists for a submodule) is skipped, as
    # pre-commit never passes one.
    directory = run_cli("check", "--changed", "nginx", "--format", "json", cwd=tmp_path)
    assert directory.returncode == 0, directory.stderr
    assert '"findings": []' in directory.stdout


def test_changed_uses_the_config_directory_as_context_outside_git(tmp_path):
    files = {f"deploy/{path}": content for path, content in STACK.items()}
    files["deploy/.nglint.toml"] = 'nginx-roots = ["nginx/nginx.conf"]\n'
    files["deploy/nginx/conf.d/upstreams.conf"] = UPSTREAMS.format(timeout="45s", comment="")
    files["other/nginx.conf"] = "events {\n"  # outside the project: not part of the context
    write_tree(tmp_path, files)
    assert _changed(tmp_path, "deploy/tomcat/conf/server.xml") == [("KA001", "deploy/nginx/conf.d/upstreams.conf", 4)]


def test_changed_http_level_reports_what_it_breaks_in_included_files_but_not_siblings(tmp_path):
    files = dict(STACK)
    files["nginx/nginx.conf"] = "events {}\nhttp {\n    proxy_http_version 1.0;\n    include conf.d/*.conf;\n}\n"
    files["nginx/snippets/proxy.conf"] = 'proxy_set_header Connection "";\n'
    files["nginx/conf.d/other.conf"] = "server {\n    listen 81;\n    include missing.conf;\n}\n"
    write_tree(tmp_path, files)
    ka003 = ("KA003", "nginx/conf.d/site.conf", 5)
    # The http level of nginx.conf sets HTTP/1.0 for every location below it.
    assert _changed(tmp_path, "nginx/nginx.conf") == [ka003]
    # The snippet is spliced into that location: its edit is the location's too.
    assert _changed(tmp_path, "nginx/snippets/proxy.conf") == [ka003]
    # A sibling server block shapes nothing in site.conf; its own P002 is its own.
    assert _changed(tmp_path, "nginx/conf.d/other.conf") == [("P002", "nginx/conf.d/other.conf", 3)]


def test_changed_main_context_shapes_no_http_level(tmp_path):
    files = dict(STACK)
    files["nginx/nginx.conf"] = "worker_processes 2;\nevents {}\nhttp {\n    include conf.d/*.conf;\n}\n"
    files["nginx/conf.d/upstreams.conf"] = UPSTREAMS.format(timeout="45s", comment="")
    write_tree(tmp_path, files)
    assert _changed(tmp_path, "nginx/nginx.conf") == []
    assert _changed(tmp_path, "nginx/conf.d/upstreams.conf") == [("KA001", "nginx/conf.d/upstreams.conf", 4)]


def test_manifest_declares_both_hooks_and_the_documented_files():
    _need(_pre_commit_available(), "pre-commit (and its pyyaml) is not installed")
    import yaml

    hooks = {hook["id"]: hook for hook in yaml.safe_load((PROJECT_ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"nglint", "nglint-project"}
    assert hooks["nglint"]["entry"] == "nglint check --changed" and hooks["nglint"].get("pass_filenames", True)
    assert hooks["nglint-project"]["entry"] == "nglint check"
    assert hooks["nglint-project"]["pass_filenames"] is False
    assert all(hook["require_serial"] is True and hook["language"] == "python" for hook in hooks.values())
    pattern = re.compile(hooks["nglint"]["files"])
    taken = ["nginx.conf", "deploy/nginx/nginx.conf", "app.conf", "site.nginx", "conf.d/app", "sites-enabled/default",
             "etc/sites-available/x", "snippets/proxy_params", "tomcat/conf/server.xml", "conf/catalina.properties",
             "deploy/shop.vhost", "templates/default.conf.template", "deploy/nginx/shop",
             "k8s/deploy.yaml", "docker-compose.yml", "infra/main.tf", "Dockerfile", "app/gunicorn.conf.py", "src/server.js",
             "config/puma.rb", "src/main/resources/application-docker.properties", "Procfile"]
    left = ["README.md", "conf.d.md", "server.xml.bak", "myserver.xml", "app.conf.orig", "confd/x", "src/util.js", "lib/models.py"]
    assert [p for p in taken if not pattern.search(p)] == []
    assert [p for p in left if pattern.search(p)] == []


def test_changed_servers_file_included_in_an_upstream_block(tmp_path):
    files = dict(STACK)
    files["nginx/conf.d/upstreams.conf"] = (
        "upstream shop {\n    include upstream-servers.inc;\n    keepalive 16;\n    keepalive_timeout 25s;\n}\n"
    )
    files["nginx/upstream-servers.inc"] = "server 127.0.0.1:8082;\n"
    files["tomcat2/conf/server.xml"] = TOMCAT.format(ka=20000).replace("8081", "8082")
    write_tree(tmp_path, files)
    # The list of servers moved the pool to a Tomcat that closes idle connections after 20s.
    assert _changed(tmp_path, "nginx/upstream-servers.inc") == [("KA001", "nginx/conf.d/upstreams.conf", 4)]
