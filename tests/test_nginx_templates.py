"""nginx configs kept as templates (ERB, Jinja2, Go templates, Mustache) are read as nginx.

The proofs: masking keeps every offset; the templates in samples/ render (with the real
template engines) into configs a real `nginx -t` accepts, and nglint reports the same
findings on the template as on what it renders to; `--fix` edits the template in place and
leaves its tags alone.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from hypothesis import given, settings, strategies as st

from conftest import IN_CI, PROJECT_ROOT, run_cli, write_tree
from nglint.sources.nginx.templating import DIALECTS, ERB, GO_TEMPLATE, JINJA, MUSTACHE, mask, mask_tags, shown

SAMPLES = PROJECT_ROOT / "samples"


def findings(result) -> set[tuple[str, str, int]]:
    return {(f["rule"], f["path"], f["line"]) for f in json.loads(result.stdout)["findings"]}


# -- masking --------------------------------------------------------------------------


def _word(tag: str) -> str:
    return "$" + "_" * (len(tag) - 1)


def _blank(tag: str) -> str:
    return " " * len(tag)


# Each case: the dialect and its pieces, (text, what masking makes of it).
CASES = [
    (ERB, [("listen ", str), ("<%= ENV['PORT'] %>", _word), (";", str)]),
    (ERB, [("<% if ssl %>", _blank), ("listen 443;", str), ("<% end %>", _blank)]),
    (ERB, [("<%# a comment %>", _blank), ("x;", str)]),
    (ERB, [("listen ", str), ("<%- port -%>", _blank), (";", str)]),  # <%- without = prints nothing
    (JINJA, [("server_name ", str), ("{{ names | join(' ') }}", _word), (";", str)]),
    (JINJA, [("{% if tls %}", _blank), ("listen 443 ssl;", str), ("{%- endif %}", _blank)]),
    (JINJA, [("{# note #}", _blank), ("x;", str)]),
    (GO_TEMPLATE, [("{{ range .Hosts }}", _blank), ("server ", str), ("{{ .Addr }}", _word), (";", str), ("{{ end }}", _blank)]),
    (GO_TEMPLATE, [("{{/* c */}}", _blank), ("x;", str), ("{{- if .TLS -}}", _blank)]),
    (MUSTACHE, [("{{#tls}}", _blank), ("listen ", str), ("{{port}}", _word), (" ssl;", str), ("{{/tls}}", _blank)]),
    (MUSTACHE, [("root ", str), ("{{{root}}}", _word), (";", str)]),
]


@pytest.mark.parametrize("dialect, pieces", CASES)
def test_output_tags_become_one_word_and_statements_become_blanks(dialect, pieces):
    text = "".join(piece for piece, _ in pieces).encode()
    expected = "".join(make(piece) for piece, make in pieces).encode()
    assert mask_tags(text, dialect) == expected


def test_a_tag_spanning_lines_keeps_its_line_breaks():
    text = b"listen <%=\n  ENV['PORT']\r\n%>;\nkeepalive_timeout 5;\n"
    masked = mask_tags(text, ERB)
    assert len(masked) == len(text)
    assert [i for i, c in enumerate(masked) if c in b"\r\n"] == [i for i, c in enumerate(text) if c in b"\r\n"]
    assert masked.splitlines()[0] == b"listen $__"
    assert masked.splitlines()[-1] == b"keepalive_timeout 5;"


def test_an_unclosed_tag_leaves_the_rest_for_nginx_to_report():
    assert mask_tags(b"a <%= b; c;", ERB) == b"a <%= b; c;"


def test_files_that_are_no_template_are_not_changed():
    data = b"listen {{ not_a_template }};"
    assert mask("nginx.conf", data) == data
    assert mask("site.conf.template", b"listen ${PORT};") == b"listen ${PORT};"


def test_messages_name_a_masked_value_as_a_template_value():
    assert shown("127.0.0.1:$_____") == "127.0.0.1:<template value>"
    assert shown("$http_upgrade") == "$http_upgrade"


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=400), dialect=st.sampled_from([d for d in DIALECTS if d.tags]))
def test_masking_keeps_length_and_line_breaks_of_any_bytes(data, dialect):
    masked = mask_tags(data, dialect)
    assert len(masked) == len(data)
    assert [i for i, c in enumerate(masked) if c in b"\r\n"] == [i for i, c in enumerate(data) if c in b"\r\n"]


# -- discovery and findings -----------------------------------------------------------


NGINX_BODY = "events {}\nhttp {\n  server { listen 80; }\n}\n"


@pytest.mark.parametrize(
    "name, linted",
    [
        ("config/nginx.conf.erb", True),
        ("templates/site.conf.j2", True),
        ("templates/nginx.j2", True),
        ("consul/nginx.ctmpl", True),
        ("config/database.yml.erb", False),  # renders to YAML
        ("templates/app.py.j2", False),
    ],
)
def test_templates_are_found_by_the_name_they_render_to(tmp_path, name, linted):
    write_tree(tmp_path, {name: NGINX_BODY + "{{ x }}\n" if name.endswith(("j2", "ctmpl")) else NGINX_BODY})
    result = run_cli("check", ".", "--format", "json", cwd=tmp_path)
    summary = json.loads(result.stdout)["summary"]
    assert (summary["files_checked"] == 1) is linted, result.stdout


def test_a_tag_nginx_still_rejects_is_a_placeholder_note_naming_the_tag(tmp_path):
    write_tree(tmp_path, {"nginx.conf.erb": "events {}\nhttp {\n  <%= File.read('extra.conf') %>\n}\n"})
    result = run_cli("check", ".", "--format", "json", cwd=tmp_path)
    [finding] = json.loads(result.stdout)["findings"]
    assert (finding["rule"], finding["line"], finding["severity"]) == ("P004", 3, "info")
    assert "<%= File.read('extra.conf') %>" in finding["message"] and "ERB" in finding["message"]


def test_a_real_syntax_error_in_a_template_stays_a_parse_error(tmp_path):
    write_tree(tmp_path, {"nginx.conf.j2": "events {}\nhttp {\n  resolver {{ dns }};\n  server { listen 80 }\n}\n"})
    result = run_cli("check", ".", "--format", "json", cwd=tmp_path)
    assert {(f["rule"], f["line"]) for f in json.loads(result.stdout)["findings"]} == {("P001", 4)}


def test_keepalive_timeout_from_a_template_is_unknown_never_guessed(tmp_path):
    write_tree(tmp_path, {
        "nginx.conf.j2": "events {}\nhttp {\n  upstream app {\n    server unix:/run/app.sock;\n"
                         "    keepalive 8;\n    keepalive_timeout {{ pool_idle }};\n  }\n"
                         "  server { listen 80; location / { proxy_http_version 1.1; proxy_set_header Connection \"\"; proxy_pass http://app; } }\n}\n",
        "gunicorn.conf.py": 'bind = "unix:/run/app.sock"\nworker_class = "gthread"\nkeepalive = 2\n',
    })
    result = run_cli("check", ".", "--format", "json", cwd=tmp_path)
    found = json.loads(result.stdout)["findings"]
    assert {(f["rule"], f["line"]) for f in found} == {("P004", 6)}
    assert "<template value>" in found[0]["message"] and "$_" not in found[0]["message"]


# -- the samples: real template engines, real nginx -t, same findings -------------------


def _erb(source, target, env):
    erb = shutil.which("erb")
    if erb is None:
        if IN_CI:
            pytest.fail("erb (Debian package ruby) is not installed; .ci/install-system.sh must install it")
        pytest.skip("erb is not installed")
    rendered = subprocess.run([erb, str(source)], capture_output=True, check=True, env=env, timeout=60).stdout
    target.write_bytes(rendered)


def _jinja(source, target, variables):
    import jinja2

    template = jinja2.Environment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined).from_string(source.read_text())
    target.write_text(template.render(**variables))


ERB_ENV = {"PORT": "8080", "PATH": "/usr/bin:/bin"}
JINJA_VARS = {"nginx_user": "www-data", "ansible_processor_vcpus": 2, "nginx_worker_connections": 512, "app_name": "shop",
              "nginx_port": 80, "server_names": ["shop.example.com"], "nginx_tls": False}
RENDERED = {
    "26-erb-puma-race": ("config/nginx.conf.erb", "config/nginx.conf", _erb, ERB_ENV),
    "27-erb-puma-race-fixed": ("config/nginx.conf.erb", "config/nginx.conf", _erb, ERB_ENV),
    "28-jinja-gunicorn-race": ("roles/web/templates/nginx.conf.j2", "roles/web/templates/nginx.conf", _jinja, JINJA_VARS),
    "29-jinja-gunicorn-race-fixed": ("roles/web/templates/nginx.conf.j2", "roles/web/templates/nginx.conf", _jinja, JINJA_VARS),
}


def _render(sample: str, tmp_path):
    work = tmp_path / sample
    shutil.copytree(SAMPLES / sample, work)
    template, target, render, values = RENDERED[sample]
    render(work / template, work / target, values)
    (work / template).unlink()
    return work, target


@pytest.mark.parametrize("sample", sorted(RENDERED))
def test_template_sample_renders_to_a_config_real_nginx_accepts(sample, tmp_path):
    from test_samples import nginx_binary

    work, target = _render(sample, tmp_path)
    config = (work / target).read_text()
    config = config.replace("daemon off;", "").replace("use epoll;", "")
    config = config.replace("user www-data;", "").replace("unix:/tmp/", f"unix:{tmp_path}/").replace("unix:/run/", f"unix:{tmp_path}/")
    (work / target).write_text(config)
    (tmp_path / "logs" / "nginx").mkdir(parents=True)  # the buildpack's default log paths, under -p
    result = subprocess.run([nginx_binary(), "-t", "-q", "-p", str(tmp_path), "-c", str(work / target), "-e", str(tmp_path / "error.log"),
                             "-g", f"pid {tmp_path}/nginx.pid;"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("sample", sorted(RENDERED))
def test_findings_on_a_template_are_those_on_what_it_renders_to(sample, tmp_path):
    template, target = RENDERED[sample][0], RENDERED[sample][1]
    on_template = findings(run_cli("check", ".", "--isolated", "--format", "json", cwd=SAMPLES / sample))
    work, _ = _render(sample, tmp_path)
    on_rendered = findings(run_cli("check", ".", "--isolated", "--format", "json", cwd=work))
    assert on_template == {(rule, template if path == target else path, line) for rule, path, line in on_rendered}
    assert ("race-fixed" in sample) is (not on_template)


def test_fix_edits_the_template_and_leaves_its_tags_alone(tmp_path):
    work = tmp_path / "app"
    shutil.copytree(SAMPLES / "26-erb-puma-race", work)
    before = (work / "config/nginx.conf.erb").read_text()
    result = run_cli("check", ".", "--fix", "--unsafe-fixes", cwd=work)
    assert result.returncode == 0, result.stdout + result.stderr
    after = (work / "config/nginx.conf.erb").read_text()
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert len(added) == 1 and added[0].strip().startswith("keepalive_timeout 18s;")
    assert [line for line in before.splitlines()] == [line for line in after.splitlines() if line not in added]
    assert findings(run_cli("check", ".", "--format", "json", cwd=work)) == set()
