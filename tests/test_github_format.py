"""`nglint check --format github`: workflow commands that become PR annotations."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from nglint.findings import Finding, Location, Related, Severity
from nglint.registry import all_rules
from nglint.report import Report
from nglint.reporters import github

ROOT = Path(__file__).resolve().parent.parent

_COMMAND = re.compile(r"^::(?P<kind>error|warning|notice) (?P<props>[^:]*)::(?P<message>.*)$")


def _unescape(text: str) -> str:
    """What the Actions runner does to a command, per the toolkit's escaping rules."""
    for escaped, raw in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, raw)
    return text


def parse(line: str) -> tuple[str, dict[str, str], str]:
    match = _COMMAND.match(line)
    assert match, line
    props = dict(pair.split("=", 1) for pair in match["props"].split(","))
    return match["kind"], {k: _unescape(v) for k, v in props.items()}, _unescape(match["message"])


def test_escape_data_and_property() -> None:
    assert github.escape_data("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext: a,b"
    assert github.escape_property("dir:a,b%\n") == "dir%3Aa%2Cb%25%0A"
    # `%` first, so an escape sequence already in the text survives a round trip.
    assert _unescape(github.escape_property("literal %3A")) == "literal %3A"


@pytest.mark.parametrize(("severity", "kind"), [(Severity.ERROR, "error"), (Severity.WARNING, "warning"),
                                                (Severity.INFO, "notice")])
def test_one_command_per_finding_with_exact_region(tmp_path: Path, severity: Severity, kind: str) -> None:
    conf = tmp_path / "conf.d" / "up,stream:1.conf"
    conf.parent.mkdir()
    conf.write_text("upstream app {\n    server 127.0.0.1:8080;\n    keepalive 16;\n}\n", encoding="utf-8")
    finding = Finding("KA005", severity, "Pool at 100% of: a, b\nsecond line", Location(str(conf), 3),
                      anchor="keepalive")
    report = Report(findings=[finding], rules=all_rules(), cwd=str(tmp_path))
    output = github.render(report)
    assert output == (
        f"::{kind} file=conf.d/up%2Cstream%3A1.conf,line=3,col=5,endLine=3,endColumn=14,title=KA005"
        "::Pool at 100%25 of: a, b%0Asecond line\n"
    )
    parsed_kind, props, message = parse(output.rstrip("\n"))
    assert parsed_kind == kind
    assert props == {"file": "conf.d/up,stream:1.conf", "line": "3", "col": "5", "endLine": "3",
                     "endColumn": "14", "title": "KA005"}
    assert message == "Pool at 100% of: a, b\nsecond line"


def test_related_locations_follow_the_message(tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    conf.write_text("keepalive 8;\n", encoding="utf-8")
    xml = tmp_path / "server.xml"
    xml.write_text("<Server/>\n", encoding="utf-8")
    finding = Finding("KA001", Severity.ERROR, "Too long.", Location(str(conf), 1), anchor="keepalive",
                      related=[Related(Location(str(xml), 1), "Connector closes after 20s")])
    report = Report(findings=[finding], rules=all_rules(), cwd=str(tmp_path))
    _, _, message = parse(github.render(report).rstrip("\n"))
    assert message == "Too long.\nRelated: server.xml:1: Connector closes after 20s"


def test_suppressed_findings_and_clean_runs_print_nothing(tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    conf.write_text("keepalive 8;\n", encoding="utf-8")
    quiet = Finding("KA001", Severity.ERROR, "Too long.", Location(str(conf), 1), suppressed="ok")
    assert github.render(Report(findings=[], rules=all_rules(), cwd=str(tmp_path), suppressed=[quiet])) == ""


def test_cli_on_the_tomcat_race_sample() -> None:
    sample = ROOT / "samples" / "01-tomcat-race"
    proc = subprocess.run([sys.executable, "-m", "nglint", "check", "--format", "github", "."], cwd=sample,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    (line,) = proc.stdout.splitlines()
    kind, props, message = parse(line)
    assert kind == "error"
    assert props["file"] == "nginx/nginx.conf" and props["title"] == "KA001"
    text = (sample / props["file"]).read_text(encoding="utf-8").split("\n")[int(props["line"]) - 1]
    assert text[int(props["col"]) - 1:int(props["endColumn"]) - 1] == "keepalive"
    assert message.startswith("Upstream 'tomcat_app' keeps idle connections 60s, Tomcat closes them after 20s: set keepalive_timeout 18s\nSource: ")
    assert "Related: tomcat/conf/server.xml:6: " in message


def test_cli_clean_sample_prints_nothing() -> None:
    proc = subprocess.run([sys.executable, "-m", "nglint", "check", "--format", "github", "."],
                          cwd=ROOT / "samples" / "06-clean", capture_output=True, text=True, timeout=120)
    assert (proc.returncode, proc.stdout) == (0, "")
