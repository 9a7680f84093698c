"""`nglint check --format sarif`: a log GitHub code scanning, reviewdog and GitLab accept.

Unit tests build Reports by hand over real files in tmp_path (regions are measured on
the raw text); CLI tests run nglint on every sample directory. Every log is checked by
the official OASIS schema and by Microsoft's sarif-multitool with GitHub's rules.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from nglint import __version__
from nglint.findings import Finding, Location, Related, Severity
from nglint.fingerprint import line_hashes
from nglint.registry import all_rules
from nglint.report import Report
from nglint.reporters import sarif
from sarif_validation import ROOT, assert_github_ready, schema_errors

SAMPLES = sorted(p for p in (ROOT / "samples").iterdir() if p.is_dir())

NGINX = """\
http {
\tupstream app {
\t\tserver 127.0.0.1:8080;
\t\tkeepalive 16;
\t}
}
"""


def _report(tmp_path: Path, findings: list[Finding], suppressed: list[Finding] | None = None) -> Report:
    return Report(findings=findings, rules=all_rules(), cwd=str(tmp_path), suppressed=suppressed or [])


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def _log(report: Report) -> dict:
    log = json.loads(sarif.render(report))
    assert schema_errors(log) == []
    return log


def _ka001(path: str, line: int = 4, anchor: str | None = "keepalive", **kwargs) -> Finding:
    return Finding("KA001", Severity.ERROR, "Upstream 'app' keeps idle connections too long", Location(path, line),
                   anchor=anchor, **kwargs)


# --- the tool and its rules -------------------------------------------------------------


def test_empty_run_is_a_valid_log_listing_every_rule(tmp_path: Path) -> None:
    log = _log(_report(tmp_path, []))
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-schema-2.1.0.json")
    (run,) = log["runs"]
    assert run["results"] == []
    assert run["automationDetails"] == {"id": "nglint/"}
    driver = run["tool"]["driver"]
    assert driver["name"] == "nglint"
    assert driver["version"] == driver["semanticVersion"] == __version__
    assert driver["informationUri"].startswith("https://")
    assert [r["id"] for r in driver["rules"]] == [rule.code for rule in all_rules()]
    path = tmp_path / "empty.sarif"
    path.write_text(sarif.render(_report(tmp_path, [])), encoding="utf-8")
    assert_github_ready(path, tmp_path)


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.code)
def test_every_rule_carries_its_whole_doc(tmp_path: Path, rule) -> None:
    driver = _log(_report(tmp_path, []))["runs"][0]["tool"]["driver"]
    descriptor = next(d for d in driver["rules"] if d["id"] == rule.code)
    assert descriptor["name"] == sarif.pascal_case(rule.name)
    assert descriptor["shortDescription"]["text"] == rule.summary
    assert descriptor["fullDescription"]["text"].startswith(rule.summary)
    assert " ".join(rule.rationale.split()) in descriptor["fullDescription"]["text"]
    assert descriptor["help"] == {"text": rule.render_text(), "markdown": rule.render_markdown()}
    # The help carries what, why, a bad and a good example (and the fix when there is one).
    assert rule.bad_example.strip() in descriptor["help"]["markdown"]
    assert rule.good_example.strip() in descriptor["help"]["markdown"]
    assert descriptor["helpUri"] == rule.help_uri
    assert descriptor["defaultConfiguration"]["level"] == sarif.level(rule.severity)
    assert descriptor["properties"]["tags"] == list(rule.tags)


def test_pascal_case_names() -> None:
    assert sarif.pascal_case("upstream-keepalive-outlives-backend") == "UpstreamKeepaliveOutlivesBackend"
    assert sarif.pascal_case("nginx-parse-error") == "NginxParseError"


@pytest.mark.parametrize(("severity", "level"), [(Severity.ERROR, "error"), (Severity.WARNING, "warning"),
                                                 (Severity.INFO, "note")])
def test_levels(tmp_path: Path, severity: Severity, level: str) -> None:
    path = _write(tmp_path, "nginx.conf", NGINX)
    finding = Finding("KA002", severity, "Something is off", Location(path, 4), anchor="keepalive")
    (result,) = _log(_report(tmp_path, [finding]))["runs"][0]["results"]
    assert result["level"] == level


# --- results --------------------------------------------------------------------------


def test_result_points_at_the_anchor_on_the_raw_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "nginx.conf", NGINX)
    log = _log(_report(tmp_path, [_ka001(path)]))
    run = log["runs"][0]
    (result,) = run["results"]
    assert result["ruleId"] == "KA001"
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "KA001"
    assert result["message"]["text"] == "Upstream 'app' keeps idle connections too long."
    (location,) = result["locations"]
    physical = location["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "nginx.conf"}
    # "\t\tkeepalive 16;": two tabs, so the token starts at column 3 and ends before 12.
    assert physical["region"] == {"startLine": 4, "startColumn": 3, "endLine": 4, "endColumn": 12,
                                  "snippet": {"text": "keepalive"}}
    assert physical["contextRegion"]["startLine"] == 2
    assert physical["contextRegion"]["endLine"] == 6
    assert physical["contextRegion"]["snippet"]["text"] == "\n".join(NGINX.split("\n")[1:6])


def test_without_anchor_the_region_is_the_lines_text(tmp_path: Path) -> None:
    path = _write(tmp_path, "nginx.conf", NGINX)
    (result,) = _log(_report(tmp_path, [_ka001(path, anchor=None)]))["runs"][0]["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startColumn"], region["endColumn"]) == (3, 16)  # "keepalive 16;" without indent
    assert region["snippet"]["text"] == "keepalive 16;"


def test_columns_are_utf16_code_units(tmp_path: Path) -> None:
    """An astral character before the token counts twice, as GitHub (JavaScript) counts."""
    path = _write(tmp_path, "nginx.conf", 'set $face "\U0001F600"; keepalive 8;\n')
    (result,) = _log(_report(tmp_path, [_ka001(path, line=1)]))["runs"][0]["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    code_point_column = 'set $face "\U0001F600"; '.__len__() + 1
    assert region["startColumn"] == code_point_column + 1
    assert region["endColumn"] == code_point_column + 1 + len("keepalive")
    assert _log(_report(tmp_path, []))["runs"][0]["columnKind"] == "utf16CodeUnits"


def test_line_zero_is_reported_on_line_one(tmp_path: Path) -> None:
    path = _write(tmp_path, "nginx.conf", "events {}\n")
    finding = Finding("P001", Severity.ERROR, "unexpected end of file", Location(path, 0))
    (result,) = _log(_report(tmp_path, [finding]))["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 1


@pytest.mark.parametrize(
    ("relative", "uri"),
    [
        ("conf.d/site.conf", "conf.d/site.conf"),
        ("my conf/n\u00fcginx.conf", "my%20conf/n%C3%BCginx.conf"),
        ("odd/a#b%c?.conf", "odd/a%23b%25c%3F.conf"),
    ],
)
def test_uri_is_relative_posix_and_percent_encoded(tmp_path: Path, relative: str, uri: str) -> None:
    path = _write(tmp_path, relative, NGINX)
    (result,) = _log(_report(tmp_path, [_ka001(path)]))["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == uri


def test_file_outside_the_current_directory_stays_relative(tmp_path: Path) -> None:
    """GitHub rejects absolute file: URIs (GH1006); `../` keeps the log ingestible."""
    path = _write(tmp_path, "etc/nginx.conf", NGINX)
    cwd = tmp_path / "project"
    cwd.mkdir()
    report = Report(findings=[_ka001(path)], rules=all_rules(), cwd=str(cwd))
    (result,) = _log(report)["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "../etc/nginx.conf"


def test_related_locations_are_linked_from_the_message(tmp_path: Path) -> None:
    nginx = _write(tmp_path, "nginx/nginx.conf", NGINX)
    xml = _write(tmp_path, "tomcat/conf/server.xml",
                 '<Server>\n  <Service name="Catalina">\n    <Connector port="8080" keepAliveTimeout="20000"/>\n'
                 "  </Service>\n</Server>\n")
    finding = _ka001(nginx, related=[Related(Location(xml, 3), "Tomcat Connector [port 8080] closes after 20s.")])
    (result,) = _log(_report(tmp_path, [finding]))["runs"][0]["results"]
    (related,) = result["relatedLocations"]
    assert related["id"] == 1
    assert related["message"]["text"] == "Tomcat Connector [port 8080] closes after 20s."
    physical = related["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "tomcat/conf/server.xml"
    assert physical["region"]["startLine"] == 3
    assert physical["region"]["snippet"]["text"] == '<Connector port="8080" keepAliveTimeout="20000"/>'
    # GitHub shows related locations only when the message links to them; the first
    # sentence (the alert title) stays the finding's own.
    assert result["message"]["text"] == (
        "Upstream 'app' keeps idle connections too long. "
        "Related: [Tomcat Connector \\[port 8080\\] closes after 20s](1)."
    )


def test_brackets_in_messages_are_escaped_only_where_they_would_read_as_links(tmp_path: Path) -> None:
    path = _write(tmp_path, "nginx.conf", NGINX)
    plain = Finding("KA002", Severity.WARNING, "listen [::]:80 has no keepalive_timeout", Location(path, 4))
    linkish = Finding("KA002", Severity.WARNING, "value [a](b) looks like a link", Location(path, 4))
    assert sarif.message_text(plain) == "listen [::]:80 has no keepalive_timeout."
    assert sarif.message_text(linkish) == "value \\[a\\](b) looks like a link."


def test_primary_location_line_hash_is_codeql_actions(tmp_path: Path) -> None:
    text = "upstream a {\n    keepalive 8;\n}\nupstream b {\n    keepalive 8;\n}\n"
    path = _write(tmp_path, "nginx.conf", text)
    findings = [_ka001(path, line=2), _ka001(path, line=5)]
    results = _log(_report(tmp_path, findings))["runs"][0]["results"]
    expected = line_hashes(text)
    assert [r["partialFingerprints"]["primaryLocationLineHash"] for r in results] == [expected[1], expected[4]]
    assert all(":" in r["partialFingerprints"]["primaryLocationLineHash"] for r in results)


def test_crlf_file_region_and_fingerprint(tmp_path: Path) -> None:
    path = tmp_path / "nginx.conf"
    path.write_bytes(NGINX.replace("\n", "\r\n").encode())
    (result,) = _log(_report(tmp_path, [_ka001(str(path))]))["runs"][0]["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"], region["endColumn"]) == (4, 3, 12)
    assert result["partialFingerprints"]["primaryLocationLineHash"] == line_hashes(NGINX)[3]


def test_suppressed_findings_are_results_with_an_in_source_suppression(tmp_path: Path) -> None:
    path = _write(tmp_path, "nginx.conf", NGINX)

    @dataclass
    class Suppression:
        justification: str

    active = _ka001(path)
    quiet = [_ka001(path, line=3, anchor="server", suppressed="legacy pool, see OPS-12"),
             _ka001(path, line=2, anchor="upstream", suppressed=Suppression("reviewed")),
             _ka001(path, line=1, anchor="http", suppressed=True)]
    results = _log(_report(tmp_path, [active], suppressed=quiet))["runs"][0]["results"]
    assert "suppressions" not in results[0]
    assert [r.get("suppressions") for r in results[1:]] == [
        [{"kind": "inSource", "justification": "legacy pool, see OPS-12"}],
        [{"kind": "inSource", "justification": "reviewed"}],
        [{"kind": "inSource"}],
    ]


@dataclass
class _Position:
    line: int
    column: int


@dataclass
class _Edit:
    path: str
    start: _Position
    end: _Position
    text: str


@dataclass
class _Fix:
    description: str
    edits: list


def test_fix_hook_turns_edits_into_sarif_fixes(tmp_path: Path) -> None:
    """A hand-built fix with two edits in two files: the reporter takes any fix-shaped object."""
    nginx = _write(tmp_path, "nginx.conf", NGINX)
    other = _write(tmp_path, "conf.d/extra conf.conf", "keepalive_timeout 75s;\n")
    fix = _Fix("Set keepalive_timeout below the backend's", [
        _Edit(nginx, _Position(4, 15), _Position(4, 15), "\n\t\tkeepalive_timeout 18s;"),
        _Edit(other, _Position(1, 19), _Position(1, 22), "18s"),
    ])
    (result,) = _log(_report(tmp_path, [_ka001(nginx, fix=fix)]))["runs"][0]["results"]
    assert result["fixes"] == [{
        "description": {"text": "Set keepalive_timeout below the backend's."},
        "artifactChanges": [
            {"artifactLocation": {"uri": "nginx.conf"},
             "replacements": [{"deletedRegion": {"startLine": 4, "startColumn": 15, "endLine": 4, "endColumn": 15},
                               "insertedContent": {"text": "\n\t\tkeepalive_timeout 18s;"}}]},
            {"artifactLocation": {"uri": "conf.d/extra%20conf.conf"},
             "replacements": [{"deletedRegion": {"startLine": 1, "startColumn": 19, "endLine": 1, "endColumn": 22},
                               "insertedContent": {"text": "18s"}}]},
        ],
    }]
    # Mappings and bare edit lists work too, so the fix engine can pick its own shape.
    as_dicts = [{"path": other, "start": {"line": 1, "column": 19}, "end": {"line": 1, "column": 22}, "text": "18s"}]
    assert sarif.sarif_fixes(_report(tmp_path, []), as_dicts)[0]["artifactChanges"][0]["replacements"][0][
        "insertedContent"] == {"text": "18s"}
    assert sarif.sarif_fixes(_report(tmp_path, []), _Fix("nothing", [])) == []
    out = tmp_path / "fix.sarif"
    out.write_text(sarif.render(_report(tmp_path, [_ka001(nginx, fix=fix)])), encoding="utf-8")
    assert_github_ready(out, tmp_path)


def test_hand_built_log_with_every_feature_passes_github_rules(tmp_path: Path) -> None:
    nginx = _write(tmp_path, "nginx/nginx.conf", NGINX)
    xml = _write(tmp_path, "tomcat/server.xml", '<Server>\n  <Connector port="8080"/>\n</Server>\n')
    findings = [
        _ka001(nginx, related=[Related(Location(xml, 2), "Tomcat Connector port 8080")]),
        Finding("KA003", Severity.WARNING, "Pool unused", Location(nginx, 2), anchor="upstream"),
        Finding("P005", Severity.INFO, "Upstream not linked", Location(nginx, 3)),
        # A whole-file problem in an empty file: an empty region on line 1, no fingerprint issue.
        Finding("P001", Severity.ERROR, "Empty file", Location(_write(tmp_path, "nginx/empty.conf", ""), 0)),
        # A file that vanished after loading: still a result, just without a fingerprint.
        Finding("P002", Severity.ERROR, "Include gone", Location(str(tmp_path / "nginx" / "gone.conf"), 3)),
    ]
    out = tmp_path / "all.sarif"
    out.write_text(sarif.render(_report(tmp_path, findings, suppressed=[_ka001(nginx, line=3, suppressed="ok")])),
                   encoding="utf-8")
    assert_github_ready(out, tmp_path)


# --- the CLI on real samples ----------------------------------------------------------


def _nglint(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nglint", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_every_sample_gives_a_github_ready_log(tmp_path: Path, sample: Path) -> None:
    out = tmp_path / f"{sample.name}.sarif"
    proc = _nglint(sample, "check", "--format", "sarif", "--output", str(out), ".")
    assert proc.stdout == "" and proc.returncode in (0, 1), proc.stderr
    as_json = json.loads(_nglint(sample, "check", "--format", "json", ".").stdout)
    log = json.loads(out.read_text(encoding="utf-8"))
    run = log["runs"][0]
    assert len(run["tool"]["driver"]["rules"]) == len(all_rules())
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in run["results"]] == [
        (f["rule"], f["path"], f["line"]) for f in as_json["findings"]]
    for result in run["results"]:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert (sample / uri).is_file()  # relative to the directory nglint ran in
        assert result["partialFingerprints"]["primaryLocationLineHash"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["endColumn"] > region["startColumn"]
        for related in result.get("relatedLocations", []):
            assert (sample / related["physicalLocation"]["artifactLocation"]["uri"]).is_file()
    assert_github_ready(out, tmp_path)


def test_sample_with_a_tomcat_race_relates_the_connector() -> None:
    sample = ROOT / "samples" / "01-tomcat-race"
    log = json.loads(_nglint(sample, "check", "--format", "sarif", ".").stdout)
    (result,) = [r for r in log["runs"][0]["results"] if r["ruleId"] == "KA001"]
    assert result["level"] == "error"
    (related,) = result["relatedLocations"]
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "tomcat/conf/server.xml"
    assert "Connector" in related["physicalLocation"]["region"]["snippet"]["text"]
    assert "](1)" in result["message"]["text"]


def test_unparseable_files_are_results_too(tmp_path: Path) -> None:
    (tmp_path / "nginx").mkdir()
    (tmp_path / "nginx" / "nginx.conf").write_text("http {\n    upstream app {\n        server 127.0.0.1:8080;\n",
                                                   encoding="utf-8")
    (tmp_path / "tomcat" / "conf").mkdir(parents=True)
    (tmp_path / "tomcat" / "conf" / "server.xml").write_text('<Server>\n  <Connector port="8080"\n</Server>\n',
                                                              encoding="utf-8")
    out = tmp_path / "broken.sarif"
    proc = _nglint(tmp_path, "check", "--format", "sarif", "--output", str(out), ".")
    assert proc.returncode == 1, proc.stderr
    log = json.loads(out.read_text(encoding="utf-8"))
    by_rule = {r["ruleId"]: r for r in log["runs"][0]["results"]}
    assert {"P001", "P003"} <= set(by_rule)
    assert by_rule["P001"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "nginx/nginx.conf"
    assert by_rule["P003"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "tomcat/conf/server.xml"
    assert_github_ready(out, tmp_path)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_output_writes_any_format_to_a_file(tmp_path: Path, fmt: str) -> None:
    sample = ROOT / "samples" / "01-tomcat-race"
    out = tmp_path / f"report.{fmt}"
    proc = _nglint(sample, "check", "--format", fmt, "--output", str(out), ".")
    assert proc.returncode == 1 and proc.stdout == ""
    assert out.read_text(encoding="utf-8") == _nglint(sample, "check", "--format", fmt, ".").stdout
    assert "KA001" in out.read_text(encoding="utf-8")


def test_output_to_an_unwritable_place_is_a_usage_error(tmp_path: Path) -> None:
    proc = _nglint(ROOT / "samples" / "06-clean", "check", "--format", "sarif",
                   "--output", str(tmp_path / "missing" / "x.sarif"), ".")
    assert proc.returncode == 2
    assert "cannot write" in proc.stderr


def test_the_validators_do_catch_what_github_would_refuse(tmp_path: Path) -> None:
    """Guards the harness itself: a broken log must not pass silently."""
    from sarif_validation import multitool_issues

    path = _write(tmp_path, "nginx.conf", NGINX)
    log = json.loads(sarif.render(_report(tmp_path, [_ka001(path)])))
    physical = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    physical["artifactLocation"]["uri"] = Path(path).as_uri()  # absolute: GitHub refuses it
    assert schema_errors(log) == []  # the schema alone cannot see that
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert any("fatal" in error for error in schema_errors(log))
    log["runs"][0]["results"][0]["level"] = "error"
    bad = tmp_path / "bad.sarif"
    bad.write_text(json.dumps(log), encoding="utf-8")
    reports, console = multitool_issues(bad, tmp_path)
    assert ("GH1006", "error") in {(r.rule, r.level) for r in reports}, console
