"""Precision on real repositories: each kind of noise on its smallest reproduction, with the
twin that must still be reported, and the length of what a person reads."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT, run_cli, write_tree

TOMCAT = """<Server port="8005">
  <Service name="Catalina">
    <Connector port="8080" protocol="HTTP/1.1" connectionTimeout="{timeout}"/>
  </Service>
</Server>
"""


def check_json(cwd: Path, *args: str) -> tuple[list[dict], subprocess.CompletedProcess]:
    result = run_cli("check", *args, "--format", "json", cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)["findings"], result


def rules_at(findings: list[dict]) -> list[tuple[str, str, str, int]]:
    return [(f["rule"], f["severity"], f["path"], f["line"]) for f in findings]


# -- stock include files ---------------------------------------------------------------------
STOCK = ["mime.types", "fastcgi_params", "fastcgi.conf", "proxy_params", "scgi_params", "uwsgi_params",
         "koi-utf", "koi-win", "win-utf", "snippets/fastcgi-php.conf"]


def _includes(spelling: str) -> str:
    return f"events {{}}\nhttp {{\n    include {spelling};\n    server {{\n        listen 80;\n        include {spelling};\n    }}\n}}\n"


@pytest.mark.parametrize("name", STOCK)
@pytest.mark.parametrize("absolute", [False, True])
def test_a_missing_stock_include_is_one_info_relative_or_absolute(tmp_path, name, absolute):
    spelling = f"/etc/nginx/{name}" if absolute else name
    write_tree(tmp_path, {"nginx.conf": _includes(spelling)})
    findings, result = check_json(tmp_path, ".")
    assert rules_at(findings) == [("P002", "info", "nginx.conf", 3)]  # one per file, at its first include
    assert "stock nginx file" in findings[0]["message"] and "nginx-prefix" in findings[0]["message"]
    assert result.returncode == 0


def test_a_present_stock_include_is_read_and_silent(tmp_path):
    write_tree(tmp_path, {"nginx.conf": _includes("mime.types"), "mime.types": "types { text/html html; }\n"})
    assert check_json(tmp_path, ".")[0] == []


@pytest.mark.parametrize("spelling", ["mime.types", "/etc/nginx/mime.types"])
def test_following_the_nginx_prefix_advice_never_turns_the_info_into_an_error(tmp_path, spelling):
    write_tree(tmp_path, {"nginx/nginx.conf": _includes(spelling)})
    (before,), _ = check_json(tmp_path, ".")
    assert before["severity"] == "info"
    # The advice: map /etc/nginx onto the repository's copy (which lacks the stock file).
    write_tree(tmp_path, {".nglint.toml": '[nginx-prefix]\n"/etc/nginx" = "nginx"\n'})
    after, result = check_json(tmp_path, ".")
    assert [(f["rule"], f["severity"]) for f in after] == [("P002", "info")] and result.returncode == 0


def test_a_missing_include_that_is_not_stock_stays_an_error_once_per_file(tmp_path):
    write_tree(tmp_path, {"nginx.conf": _includes("conf.d/ssl.conf")})
    findings, result = check_json(tmp_path, ".")
    assert rules_at(findings) == [("P002", "error", "nginx.conf", 3)]
    assert findings[0]["sources"] == ["the same include is also on line 6"]
    assert result.returncode == 1


@pytest.mark.parametrize("pattern", ["/etc/nginx/conf.d/*.conf", "/etc/nginx/sites-enabled/*", "/usr/share/nginx/modules/*.conf"])
def test_an_absolute_glob_under_the_install_prefix_with_nothing_here_is_silent(tmp_path, pattern):
    write_tree(tmp_path, {"nginx.conf": f"events {{}}\nhttp {{\n    include {pattern};\n}}\n"})
    assert check_json(tmp_path, ".")[0] == []


def test_an_absolute_include_outside_any_install_prefix_is_still_reported(tmp_path):
    write_tree(tmp_path, {"nginx.conf": "events {}\nhttp {\n    include /data/nginx/proxy_host/*.conf;\n}\n"})
    (finding,), _ = check_json(tmp_path, ".")
    assert (finding["rule"], finding["severity"]) == ("P002", "info") and "nginx-prefix" in finding["message"]


# -- files that are not nginx ----------------------------------------------------------------
NOT_NGINX = {
    "php-fpm.d/www.conf": "; pool\n[www]\nuser = www-data\nlisten = /run/php/php-fpm.sock\npm = dynamic\npm.max_children = 5\n",
    "supervisor/app.conf": "[program:app]\ncommand=/usr/bin/app --listen 8080\nautorestart=true\n",
    "systemd/override.conf": "[Service]\nExecStart=\nExecStart=/usr/sbin/nginx -g 'daemon off;'\nRestart=always\n",
    "haproxy/haproxy.conf": "global\n    log /dev/log local0\ndefaults\n    mode http\nfrontend web\n    bind *:80\n"
                            "    default_backend app\nbackend app\n    server app1 10.0.0.1:8080 check\nlisten stats\n    bind *:8404\n",
    "apache/site.conf": "<VirtualHost *:80>\n    ServerName example.com\n    DocumentRoot /var/www\n"
                        "    <Directory /var/www>\n        Require all granted\n    </Directory>\n</VirtualHost>\n",
}


def test_files_that_are_not_nginx_are_not_linted_as_nginx(tmp_path):
    write_tree(tmp_path, NOT_NGINX)
    result = run_cli("check", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "P001" not in result.stdout and "no nginx configuration found under ." in result.stderr


@pytest.mark.parametrize("rel", sorted(NOT_NGINX))
def test_one_sniff_decides_for_discovery_and_for_changed_files(tmp_path, rel):
    from nglint.changed_files import _is_nginx
    from nglint.discovery import is_nginx_file

    write_tree(tmp_path, {rel: NOT_NGINX[rel], "nginx/conf.d/app.conf": "server {\n    listen 80;\n}\n"})
    assert not is_nginx_file(str(tmp_path / rel)) and not _is_nginx(str(tmp_path / rel))
    nginx = str(tmp_path / "nginx/conf.d/app.conf")
    assert is_nginx_file(nginx) and _is_nginx(nginx)


def test_the_sniff_stays_linear_on_hostile_lines():
    import time

    from nglint.sources.nginx.sniff import looks_like_nginx_text

    for head in (b" " * 65536, b"a" + b" " * 65535, b"a ;" * 21845, b"x {" + b"}" * 65533, b"\n" * 65536):
        started = time.perf_counter()
        looks_like_nginx_text(head)
        assert time.perf_counter() - started < 2


# -- nginx files with other names ------------------------------------------------------------
SITE = ("upstream app {{ server 10.0.0.1:8080; keepalive 8; }}\n"
        "server {{\n    listen {port};\n    location / {{\n        proxy_pass http://app;\n"
        "        proxy_http_version 1.1;\n        proxy_set_header Connection \"\";\n    }}\n}}\n")


@pytest.mark.parametrize("rel", ["sites-available/shop", "sites-enabled/shop", "conf.d/shop", "nginx/shop",
                                 "deploy/shop.nginx", "deploy/shop.vhost", "templates/shop.conf.template"])
def test_nginx_files_with_other_names_are_found_by_their_content(tmp_path, rel):
    write_tree(tmp_path, {rel: SITE.format(port=80), "docs/notes": "listen to this;\n",
                          "tomcat/conf/server.xml": TOMCAT.format(timeout=20000)})
    findings, _ = check_json(tmp_path, ".")
    assert rules_at(findings) == [("KA001", "error", rel, 1)]


def test_template_placeholders_are_placeholders_not_parse_errors(tmp_path):
    template = (
        "upstream app {\n    server ${APP_HOST}:3000;\n    keepalive 8;\n    keepalive_timeout ${KEEPALIVE};\n}\n"
        "server {\n    listen ${NGINX_PORT};\n    location / {\n        proxy_pass http://app;\n"
        "        proxy_http_version 1.1;\n        proxy_set_header Connection \"\";\n    }\n}\n"
    )
    write_tree(tmp_path, {"templates/default.conf.template": template})
    findings, _ = check_json(tmp_path, ".")
    assert "P001" not in {f["rule"] for f in findings}
    (p004,) = [f for f in findings if f["rule"] == "P004"]
    assert "${KEEPALIVE}" in p004["message"]


def test_a_parse_error_at_a_template_placeholder_is_reported_as_a_placeholder(tmp_path):
    from nglint.problems import Problem
    from nglint.sources.nginx.placeholders import template_problems

    write_tree(tmp_path, {"t.conf.template": "server {\n    listen ${PORT}\n}\n", "t.conf": "server {\n    listen 80\n}\n"})
    template, plain = str(tmp_path / "t.conf.template"), str(tmp_path / "t.conf")
    # nginx reports the unterminated statement at the `}` after it (line 3).
    problems = [Problem("nginx-parse-error", template, 3, 'unexpected "}"'), Problem("nginx-parse-error", plain, 3, 'unexpected "}"')]
    converted = template_problems(problems, 1 << 20)
    assert [(p.kind, p.severity.value if p.severity else None) for p in converted] == [
        ("unresolved-placeholder", "info"), ("nginx-parse-error", None)]
    assert "${PORT}" in converted[0].message


# -- KA002, the map'd Connection header, proxy_http_version 2 ---------------------------------
def _pool(location: str, http_extra: str = "") -> str:
    return (f"events {{}}\nhttp {{\n{http_extra}    upstream app {{ server 127.0.0.1:8080; keepalive 8; }}\n"
            f"    server {{\n        listen 80;\n        location / {{\n            proxy_pass http://app;\n{location}        }}\n    }}\n}}\n")


UPGRADE = "            proxy_http_version 1.1;\n            proxy_set_header Upgrade $http_upgrade;\n            proxy_set_header Connection $connection_upgrade;\n"


MAPPED_CONNECTION = "            proxy_http_version 1.1;\n            proxy_set_header Connection $connection_upgrade;\n"


def test_a_map_that_sends_close_without_upgrade_leaves_the_pool_unused(tmp_path):
    write_tree(tmp_path, {"nginx.conf": _pool(MAPPED_CONNECTION, "    map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n")})
    findings, _ = check_json(tmp_path, ".")
    assert [f["rule"] for f in findings] == ["KA003"]  # not KA002: the pool is not used
    assert "$connection_upgrade is 'close' without an Upgrade header" in findings[0]["message"]
    assert any("map $http_upgrade $connection_upgrade at nginx.conf:3" in s for s in findings[0]["sources"])
    assert findings[0]["fix"] is None  # an explicit Connection header is the user's decision


def test_on_a_websocket_location_the_close_branch_is_reported_once_by_ws001(tmp_path):
    write_tree(tmp_path, {"nginx.conf": _pool(UPGRADE, "    map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n")})
    findings, _ = check_json(tmp_path, ".")
    assert [f["rule"] for f in findings] == ["WS001"]  # with its `'' ''` fix; KA003 stays silent


def test_a_map_that_clears_connection_without_upgrade_uses_the_pool(tmp_path):
    write_tree(tmp_path, {"nginx.conf": _pool(UPGRADE, "    map $http_upgrade $connection_upgrade { default upgrade; '' ''; }\n")})
    findings, _ = check_json(tmp_path, ".")
    assert [f["rule"] for f in findings] == ["P005", "KA002"]


@pytest.mark.parametrize("version", ["2", "1.1"])
def test_proxy_http_version_2_pools_like_1_1(tmp_path, version):
    write_tree(tmp_path, {"nginx.conf": _pool(f"            proxy_http_version {version};\n            proxy_set_header Connection \"\";\n")})
    assert [f["rule"] for f in check_json(tmp_path, ".")[0]] == ["P005", "KA002"]


def test_messages_name_the_actual_version_and_no_fix_downgrades_it(tmp_path):
    write_tree(tmp_path, {"nginx.conf": _pool("            proxy_http_version 2;\n")})
    (ka003,), _ = check_json(tmp_path, ".")
    assert ka003["message"].endswith(': add proxy_set_header Connection ""') and "1.0" not in json.dumps(ka003)
    result = run_cli("check", "--fix", "--unsafe-fixes", ".", cwd=tmp_path)
    assert "proxy_http_version 2;" in (tmp_path / "nginx.conf").read_text() and "1.1" not in (tmp_path / "nginx.conf").read_text()
    assert result.returncode == 1


def test_http_1_0_is_named_as_written(tmp_path):
    write_tree(tmp_path, {"nginx.conf": _pool("            proxy_http_version 1.0;\n            proxy_set_header Connection \"\";\n")})
    (ka003,), _ = check_json(tmp_path, ".")
    assert ka003["message"].endswith(": set proxy_http_version 1.1")
    assert ka003["sources"] == ["proxy_http_version 1.0 at nginx.conf:8"]


# -- nothing checked -------------------------------------------------------------------------
@pytest.mark.parametrize("files, target", [
    ({"empty/.keep": ""}, "empty"),
    ({"only/tomcat/conf/server.xml": TOMCAT.format(timeout=20000)}, "only"),
    ({"notes.txt": "Remember to renew the certificate.\n"}, "notes.txt"),
])
def test_a_run_that_found_no_nginx_says_so_instead_of_all_checks_passed(tmp_path, files, target):
    write_tree(tmp_path, files)
    result = run_cli("check", target, cwd=tmp_path)
    assert result.returncode == 0
    assert f"nglint: warning: no nginx configuration found under {target}" in result.stderr
    assert "All checks passed" not in result.stdout and result.stdout.startswith("Nothing to lint: ")


def test_a_clean_nginx_tree_still_passes(tmp_path):
    write_tree(tmp_path, {"nginx.conf": "events {}\nhttp {\n    server { listen 80; }\n}\n"})
    result = run_cli("check", ".", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("All checks passed") and "warning" not in result.stderr


# -- fixes -----------------------------------------------------------------------------------
RACE = "events {}\nhttp {\n    upstream app {\n        server tomcat:8080;\n        keepalive 8;\n    }\n}\n"


@pytest.mark.parametrize("files, hint", [
    ({"nginx/nginx.conf": RACE, "tomcat/conf/server.xml": TOMCAT.format(timeout=20000)}, "[*] 1 fixable with --fix."),
    ({"nginx/nginx.conf": RACE, "tomcat/conf/server.xml": TOMCAT.format(timeout=1000)}, None),  # no whole second fits
    ({"nginx.conf": _pool("            proxy_http_version 1.1;\n            proxy_set_header Connection \"\";\n")}, None),  # KA002: display only
])
def test_the_fixable_hint_counts_only_what_fix_would_apply(tmp_path, files, hint):
    write_tree(tmp_path, files)
    result = run_cli("check", ".", cwd=tmp_path)
    assert result.returncode == 1
    if hint is None:
        assert "fixable" not in result.stderr and "--unsafe-fixes" not in result.stderr, result.stderr
    else:
        assert hint in result.stderr


def test_refixing_rewrites_the_comment_the_previous_fix_wrote(tmp_path):
    write_tree(tmp_path, {"nginx/nginx.conf": RACE, "tomcat/conf/server.xml": TOMCAT.format(timeout=20000)})
    assert run_cli("check", "--fix", ".", cwd=tmp_path).returncode == 0
    assert "keepalive_timeout 18s;  # Tomcat HTTP Connector port 8080 closes idle connections after 20s" in (tmp_path / "nginx/nginx.conf").read_text()
    write_tree(tmp_path, {"tomcat/conf/server.xml": TOMCAT.format(timeout=10000)})
    assert run_cli("check", "--fix", ".", cwd=tmp_path).returncode == 0
    text = (tmp_path / "nginx/nginx.conf").read_text()
    assert "keepalive_timeout 9s;  # Tomcat HTTP Connector port 8080 closes idle connections after 10s\n" in text
    assert "20s" not in text and text.count("keepalive_timeout") == 1


def test_a_comment_the_user_wrote_is_kept_when_the_value_changes(tmp_path):
    conf = RACE.replace("keepalive 8;", "keepalive 8;\n        keepalive_timeout 30s;  # agreed with the app team")
    write_tree(tmp_path, {"nginx/nginx.conf": conf, "tomcat/conf/server.xml": TOMCAT.format(timeout=20000)})
    assert run_cli("check", "--fix", ".", cwd=tmp_path).returncode == 0
    assert "keepalive_timeout 18s;  # agreed with the app team" in (tmp_path / "nginx/nginx.conf").read_text()


def test_fixes_respect_an_nginx_version_without_upstream_keepalive_timeout(tmp_path):
    write_tree(tmp_path, {"nginx/nginx.conf": RACE, "tomcat/conf/server.xml": TOMCAT.format(timeout=20000),
                          ".nglint.toml": 'nginx-version = "1.14"\n'})
    before = (tmp_path / "nginx/nginx.conf").read_bytes()
    (ka001,), _ = check_json(tmp_path, ".")
    assert "nginx 1.14.0 has no upstream keepalive_timeout (since 1.15.3)" in ka001["message"] and ka001["fix"] is None
    result = run_cli("check", "--fix", ".", cwd=tmp_path)
    assert result.returncode == 1 and (tmp_path / "nginx/nginx.conf").read_bytes() == before
    write_tree(tmp_path, {".nglint.toml": 'nginx-version = "1.15.3"\n'})
    (ka001,), _ = check_json(tmp_path, ".")
    assert ka001["message"].endswith("set keepalive_timeout 18s") and ka001["fix"]["safety"] == "safe"


# -- the same verdict from any path ----------------------------------------------------------
APP = ("upstream app {\n    server tomcat:8080;\n    keepalive 32;\n}\n"
       "server {\n    listen 80;\n    location / {\n        proxy_pass http://app;\n"
       "        proxy_http_version 1.1;\n        proxy_set_header Connection \"\";\n    }\n}\n")
PROJECT = {
    "nginx/nginx.conf": "events {}\nhttp {\n    include conf.d/*.conf;\n}\n",
    "nginx/conf.d/app.conf": APP,
    "tomcat/conf/server.xml": TOMCAT.format(timeout=20000),
}


def _project(tmp_path: Path, marker: str) -> Path:
    root = tmp_path / "project"
    write_tree(root, PROJECT)
    if marker == "git":
        subprocess.run(["git", "init", "-q", str(root)], check=True, capture_output=True)
    else:
        write_tree(root, {".nglint.toml": "# the project root\n"})
    return root


@pytest.mark.parametrize("marker", ["git", "config"])
def test_any_path_inside_a_project_gets_the_verdict_of_the_whole_project(tmp_path, marker):
    root = _project(tmp_path, marker)
    whole, result = check_json(root, ".")
    assert rules_at(whole) == [("KA001", "error", "nginx/conf.d/app.conf", 3)] and result.returncode == 1
    for path in ("nginx/conf.d/app.conf", "nginx/conf.d", "nginx", "nginx/nginx.conf"):
        scoped, result = check_json(root, path)
        assert scoped == whole and result.returncode == 1, path
    (from_inside,), _ = check_json(root / "nginx", ".")
    assert (from_inside["rule"], from_inside["severity"], from_inside["path"]) == ("KA001", "error", "conf.d/app.conf")
    # The backend's directory holds no finding of its own: nothing is reported there.
    scoped, result = check_json(root, "tomcat")
    assert scoped == [] and result.returncode == 0


def test_isolated_keeps_the_paths_as_their_own_context(tmp_path):
    root = _project(tmp_path, "git")
    isolated, _ = check_json(root, "--isolated", "nginx/conf.d/app.conf")
    assert sorted(f["rule"] for f in isolated) == ["KA002", "P005"]


def test_paths_outside_any_project_are_their_own_context(tmp_path):
    write_tree(tmp_path, PROJECT)  # no git, no config: the path itself is the context
    scoped, _ = check_json(tmp_path, "nginx/conf.d/app.conf")
    assert sorted(f["rule"] for f in scoped) == ["KA002", "P005"]


def test_paths_doc_exists_and_names_the_rule():
    text = (PROJECT_ROOT / "docs" / "paths.md").read_text(encoding="utf-8")
    assert "--isolated" in text and "git work tree" in text


# -- messages a person reads once ------------------------------------------------------------
def _assert_headlines_short(findings: list[dict]) -> None:
    from nglint.messages import HEADLINE_MAX, headline

    too_long = [(f["rule"], f["path"], len(headline(f["message"]))) for f in findings if len(headline(f["message"])) > HEADLINE_MAX]
    assert too_long == []


def test_every_finding_on_the_samples_reads_in_one_short_sentence():
    findings, _ = check_json(PROJECT_ROOT, "samples")
    assert findings
    _assert_headlines_short(findings)


def test_every_finding_on_the_corpus_reads_in_one_short_sentence(corpus):
    findings, _ = check_json(corpus, ".")
    assert len(findings) > 100
    _assert_headlines_short(findings)


def test_a_named_directory_also_reports_in_the_files_its_configs_include(tmp_path):
    root = tmp_path / "project"
    write_tree(root, {
        ".nglint.toml": "",
        "nginx/nginx.conf": "events {}\nhttp {\n    include ../shared/upstreams.conf;\n}\n",
        "shared/upstreams.conf": "upstream app {\n    server tomcat:8080;\n    keepalive 32;\n}\n"
                                 "server {\n    listen 80;\n    location / {\n        proxy_pass http://app;\n"
                                 "        proxy_http_version 1.1;\n        proxy_set_header Connection \"\";\n    }\n}\n",
        "tomcat/conf/server.xml": TOMCAT.format(timeout=20000),
        "other/nginx.conf": "events {}\nhttp {\n    include /etc/nginx/conf.d/missing.conf;\n}\n",
    })
    whole, _ = check_json(root, ".")
    assert {f["path"] for f in whole} == {"shared/upstreams.conf", "other/nginx.conf"}
    for path in ("nginx", "nginx/nginx.conf"):
        scoped, _ = check_json(root, path)
        assert rules_at(scoped) == [("KA001", "error", "shared/upstreams.conf", 3)], path


def test_a_template_placeholder_for_the_http_version_is_unknown_not_http_1_0(tmp_path):
    write_tree(tmp_path, {"nginx.conf.template": _pool("            proxy_http_version ${HTTP_VERSION};\n            proxy_set_header Connection \"\";\n")})
    assert "KA003" not in {f["rule"] for f in check_json(tmp_path, ".")[0]}
