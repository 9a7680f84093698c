"""JUnit XML: findings as test results, for CI systems that show tests but not lint
(Jenkins `junit`, GitLab `artifacts:reports:junit`, Azure Pipelines, CircleCI).

One `<testcase>` per finding, grouped under one `<testsuite>` per file, as ruff and
pylint-junit do: the test name says rule and line, the classname the file. A finding
that fails the run (see `fail-on`) is a `<failure>`; one that does not (info by default)
is a passing testcase whose text sits in `<system-out>`, so a report never shows red for
what the exit code calls success. A clean run is one suite with one passing testcase,
which CI systems show as "nglint: passed" rather than as a missing report.
"""

from __future__ import annotations

from nglint.report import Report
from nglint.reporters.portable import path_text, xml_text


def render(report: Report) -> str:
    from lxml import etree

    urls = report.help_uris
    by_file: dict[str, list] = {}
    for finding in report.findings:
        by_file.setdefault(path_text(report, finding.path), []).append(finding)
    failures = sum(1 for finding in report.findings if report.fails(finding))
    tests = max(len(report.findings), 1)
    root = etree.Element("testsuites", name="nglint", tests=str(tests), failures=str(failures), errors="0", time="0")
    if not by_file:
        suite = _suite(root, "nglint", 1, 0)
        etree.SubElement(suite, "testcase", name="nglint", classname="nglint", time="0")
    for name, findings in by_file.items():
        suite = _suite(root, name, len(findings), sum(1 for f in findings if report.fails(f)))
        for finding in findings:
            case = etree.SubElement(suite, "testcase", name=xml_text(f"{finding.rule} {name}:{finding.line}"),
                                    classname=xml_text(name), time="0")
            text = xml_text(_details(report, finding, name, urls.get(finding.rule)))
            if report.fails(finding):
                failure = etree.SubElement(case, "failure", type=finding.rule, message=xml_text(finding.message))
                failure.text = text
            else:
                etree.SubElement(case, "system-out").text = text
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode("utf-8")


def _suite(root, name: str, tests: int, failures: int):
    from lxml import etree

    return etree.SubElement(root, "testsuite", name=xml_text(name), tests=str(tests), failures=str(failures),
                            errors="0", skipped="0", time="0")


def _details(report: Report, finding, name: str, help_uri: str | None) -> str:
    lines = [f"{name}:{finding.line}:{finding.location.column}: {finding.rule} [{finding.severity.value}] {finding.message}"]
    lines += [f"    related: {path_text(report, r.location.path)}:{r.location.line}: {r.message}" for r in finding.related]
    if help_uri:
        lines.append(f"    docs: {help_uri}")
    return "\n".join(lines)
