"""`--format gitlab|junit|checkstyle|rdjson`, each judged by its consumer's published schema.

The schemas are vendored in tests/data (provenance in tests/data/README.md): GitLab's
Code Quality format, Jenkins' JUnit XSD, checkstyle's report XSD, reviewdog's rdjson
schema. XML is validated with lxml (libxml2), JSON with jsonschema.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT, run_cli, write_tree

DATA = Path(__file__).resolve().parent / "data"
RACE = "upstream app {\n    server 127.0.0.1:8080;\n    keepalive 16;\n}\n"
SERVER_XML = '<Server><Service name="C"><Connector port="8080" protocol="HTTP/1.1" connectionTimeout="5000"/></Service></Server>\n'
NGINX_HTTP10 = (
    "events {}\nhttp {\n    upstream app {\n        server 127.0.0.1:8080;\n        keepalive 16;\n    }\n"
    "    server {\n        listen 80;\n        location / {\n            proxy_pass http://app;\n        }\n    }\n}\n"
)
NGINX = NGINX_HTTP10.replace(
    "proxy_pass http://app;\n", 'proxy_pass http://app;\n            proxy_http_version 1.1;\n            proxy_set_header Connection "";\n'
)


def _xml_schema(name: str):
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(DATA / name)))


def _xml_errors(schema_name: str, text: str) -> list[str]:
    from lxml import etree

    schema = _xml_schema(schema_name)
    document = etree.fromstring(text.encode("utf-8"))
    return [] if schema.validate(document) else [str(error) for error in schema.error_log]


def _json_errors(schema_name: str, payload) -> list[str]:
    import jsonschema

    schema = json.loads((DATA / schema_name).read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(payload)]


def validation_errors(fmt: str, output: str) -> list[str]:
    if fmt == "gitlab":
        assert not output.startswith("\ufeff")  # GitLab's parser rejects a BOM
        return _json_errors("gitlab-codequality-schema.json", json.loads(output))
    if fmt == "rdjson":
        return _json_errors("reviewdog-rdf-DiagnosticResult.json", json.loads(output))
    if fmt == "junit":
        return _xml_errors("jenkins-junit-10.xsd", output)
    return _xml_errors("checkstyle-report-1.0.0.xsd", output)


FORMATS = ("gitlab", "junit", "checkstyle", "rdjson")


def test_schemas_reject_wrong_documents() -> None:
    """The judges can fail: each rejects a document that breaks its format."""
    assert validation_errors("gitlab", json.dumps([{"description": "x", "check_name": "A", "fingerprint": "f",
                                                     "severity": "warning", "location": {"path": "a"}}]))
    assert validation_errors("rdjson", json.dumps({"diagnostics": [{"message": 3}]}))
    assert validation_errors("junit", '<testsuites><testsuite name="x"/></testsuites>')
    assert validation_errors("checkstyle", '<checkstyle><file name="a"><error line="0"/></file></checkstyle>')


@pytest.mark.parametrize("fmt", FORMATS)
def test_samples_valid_against_schema(fmt: str) -> None:
    result = run_cli("check", "samples", "--format", fmt, cwd=PROJECT_ROOT)
    assert result.returncode == 1, result.stderr
    assert validation_errors(fmt, result.stdout) == []
    assert "samples/01-tomcat-race/nginx/nginx.conf" in result.stdout


@pytest.mark.parametrize("fmt", FORMATS)
def test_clean_run_is_valid_and_exit_0(fmt: str) -> None:
    result = run_cli("check", "samples/06-clean", "--format", fmt, cwd=PROJECT_ROOT)
    assert result.returncode == 0, result.stderr
    assert validation_errors(fmt, result.stdout) == []


def test_output_format_is_an_alias_of_format() -> None:
    a = run_cli("check", "samples/01-tomcat-race", "--output-format", "checkstyle", cwd=PROJECT_ROOT)
    b = run_cli("check", "samples/01-tomcat-race", "--format", "checkstyle", cwd=PROJECT_ROOT)
    assert a.returncode == b.returncode == 1 and a.stdout == b.stdout and "<checkstyle" in a.stdout


def test_gitlab_fields_and_stable_fingerprints(tmp_path: Path) -> None:
    write_tree(tmp_path, {"nginx.conf": NGINX, "tomcat/server.xml": SERVER_XML})
    first = json.loads(run_cli("check", ".", "--format", "gitlab", cwd=tmp_path).stdout)
    by_rule = {issue["check_name"]: issue for issue in first}
    ka001 = by_rule["KA001"]
    assert ka001["severity"] == "critical" and ka001["location"] == {"path": "nginx.conf", "lines": {"begin": 5}}
    assert ka001["description"].startswith("KA001: ")
    assert len({issue["fingerprint"] for issue in first}) == len(first)
    # A finding that only moves (lines inserted above) keeps its fingerprint.
    (tmp_path / "nginx.conf").write_text("# moved\n\n" + NGINX, encoding="utf-8")
    moved = json.loads(run_cli("check", ".", "--format", "gitlab", cwd=tmp_path).stdout)
    assert {i["fingerprint"] for i in moved} == {i["fingerprint"] for i in first}
    assert {i["check_name"]: i for i in moved}["KA001"]["location"]["lines"]["begin"] == 7


def test_junit_failures_follow_the_exit_code(tmp_path: Path) -> None:
    """Info findings do not fail the run, so they are passing testcases, not failures."""
    from lxml import etree

    conf = NGINX.replace("127.0.0.1:8080", "127.0.0.1:9999").replace("keepalive 16;", "keepalive 16;\n        keepalive_timeout 4s;")
    write_tree(tmp_path, {"nginx.conf": conf})
    result = run_cli("check", ".", "--format", "junit", cwd=tmp_path)
    root = etree.fromstring(result.stdout.encode())
    cases = root.findall(".//testcase")
    assert cases and result.returncode == 0  # only P005 (info): the run passes
    assert root.findall(".//failure") == [] and root.get("failures") == "0"
    assert "P005" in cases[0].findtext("system-out")


def test_checkstyle_errors_carry_rule_line_column(tmp_path: Path) -> None:
    from lxml import etree

    write_tree(tmp_path, {"nginx.conf": NGINX, "tomcat/server.xml": SERVER_XML})
    root = etree.fromstring(run_cli("check", ".", "--format", "checkstyle", cwd=tmp_path).stdout.encode())
    error = root.find("file[@name='nginx.conf']/error[@source='nglint.KA001']")
    assert error is not None and error.get("severity") == "error"
    assert (error.get("line"), error.get("column")) == ("5", "9")


def _apply_rdjson(text: bytes, suggestions: list[dict]) -> bytes:
    """Apply reviewdog suggestions (1-based lines, UTF-8 byte columns, end exclusive)."""
    lines = text.split(b"\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)

    def offset(position: dict) -> int:
        return starts[position["line"] - 1] + position["column"] - 1

    for suggestion in sorted(suggestions, key=lambda s: offset(s["range"]["start"]), reverse=True):
        start, end = offset(suggestion["range"]["start"]), offset(suggestion["range"]["end"])
        text = text[:start] + suggestion["text"].encode("utf-8") + text[end:]
    return text


def test_rdjson_suggestions_are_nglints_fixes(tmp_path: Path) -> None:
    """Applying the rdjson suggestions gives the same file as `nglint check --fix`."""
    write_tree(tmp_path / "a", {"nginx.conf": "# é ünïcode before the fix\n" + NGINX, "tomcat/server.xml": SERVER_XML})
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    payload = json.loads(run_cli("check", ".", "--format", "rdjson", cwd=tmp_path / "a").stdout)
    assert _json_errors("reviewdog-rdf-DiagnosticResult.json", payload) == []
    ka001 = next(d for d in payload["diagnostics"] if d["code"]["value"] == "KA001")
    assert ka001["severity"] == "ERROR" and ka001["location"]["path"] == "nginx.conf"
    assert ka001["code"]["url"].endswith("KA001.md")
    assert ka001["related_locations"][0]["location"]["path"] == "tomcat/server.xml"
    assert ka001.get("suggestions"), ka001
    suggested = _apply_rdjson((tmp_path / "a" / "nginx.conf").read_bytes(), ka001["suggestions"])
    run_cli("check", ".", "--fix", "--select", "KA001", cwd=tmp_path / "b")
    assert suggested == (tmp_path / "b" / "nginx.conf").read_bytes()


def test_rdjson_columns_count_utf8_bytes(tmp_path: Path) -> None:
    write_tree(tmp_path, {"nginx.conf": NGINX_HTTP10.replace("upstream app {", "upstream app { # ü").replace(
        "            proxy_pass http://app;", "  #é\n            proxy_pass http://app;")})
    payload = json.loads(run_cli("check", ".", "--format", "rdjson", cwd=tmp_path).stdout)
    ka003 = next(d for d in payload["diagnostics"] if d["code"]["value"] == "KA003")
    start = ka003["location"]["range"]["start"]
    line = (tmp_path / "nginx.conf").read_bytes().split(b"\n")[start["line"] - 1]
    assert line[start["column"] - 1:].startswith(b"proxy_pass")


@pytest.mark.parametrize("fmt", FORMATS)
def test_any_file_name_is_reported_without_crashing(tmp_path: Path, fmt: str) -> None:
    """A file name that is not UTF-8, or holds a control character, is still reported."""
    if sys.platform == "darwin":
        pytest.skip("macOS refuses file names that are not UTF-8")
    root = os.fsencode(tmp_path)
    for raw, port in ((b"caf\xe9", "8080"), (b"ctl\x01x", "8081")):
        os.makedirs(os.path.join(root, raw, b"tomcat"))
        with open(os.path.join(root, raw, b"nginx.conf"), "wb") as handle:
            handle.write(NGINX.replace("8080", port).encode())
        with open(os.path.join(root, raw, b"tomcat", b"server.xml"), "wb") as handle:
            handle.write(SERVER_XML.replace("8080", port).encode())
    result = subprocess.run([sys.executable, "-m", "nglint", "check", ".", "--format", fmt], cwd=tmp_path,
                            capture_output=True, timeout=120)
    assert result.returncode == 1, result.stderr.decode(errors="replace")
    assert b"Traceback" not in result.stderr
    output = result.stdout.decode("utf-8")  # valid UTF-8, whatever the file names
    if fmt in FORMATS:
        assert validation_errors(fmt, output) == []
        assert "caf\ufffd/nginx.conf" in output and "ctl" in output
        assert output.count("KA001") >= 2


def test_statistics_json_counts_by_rule_and_severity() -> None:
    result = run_cli("check", "samples", "--statistics", "--format", "json", cwd=PROJECT_ROOT)
    assert result.returncode == 1, result.stderr
    payload = json.loads(result.stdout)
    findings = json.loads(run_cli("check", "samples", "--format", "json", cwd=PROJECT_ROOT).stdout)["findings"]
    expected: dict[tuple[str, str], int] = {}
    for finding in findings:
        expected[(finding["rule"], finding["severity"])] = expected.get((finding["rule"], finding["severity"]), 0) + 1
    assert {(row["code"], row["severity"]): row["count"] for row in payload["statistics"]} == expected
    assert payload["summary"]["total"] == len(findings)


def test_statistics_with_an_xml_format_is_a_usage_error() -> None:
    result = run_cli("check", "samples", "--statistics", "--format", "junit", cwd=PROJECT_ROOT)
    assert result.returncode == 2 and "--statistics" in result.stderr


def test_rdjson_and_gitlab_are_deterministic() -> None:
    outputs = [run_cli("check", "samples", "--format", "gitlab", cwd=PROJECT_ROOT).stdout for _ in range(2)]
    assert hashlib.sha256(outputs[0].encode()).digest() == hashlib.sha256(outputs[1].encode()).digest()
