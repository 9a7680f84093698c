"""The engine as an explicit pipeline: stages fed one another's results, rules scheduled
by their metadata, fixes planned when a finding is made, nothing hidden on the Project."""

from __future__ import annotations

import types

import pytest

from conftest import write_tree

UPSTREAM = '<Server><Service name="s"><Connector port="8080" protocol="HTTP/1.1" keepAliveTimeout="20000"/></Service></Server>\n'
KA001 = {
    "nginx.conf": "events {}\nhttp {\n    upstream app {\n        server 127.0.0.1:8080;\n        keepalive 8;\n    }\n"
    "    server {\n        listen 80;\n        location / {\n            proxy_pass http://app;\n"
    "            proxy_http_version 1.1;\n            proxy_set_header Connection \"\";\n        }\n    }\n}\n",
    "tomcat/conf/server.xml": UPSTREAM,
}
SUPPRESSED = dict(KA001, **{"nginx.conf": KA001["nginx.conf"].replace("keepalive 8;", "keepalive 8;  # nglint: disable=KA001 see OPS-1\n        # nglint: disable=KA003 stale")})


def _request(root, **extra):
    from nglint.config import Settings
    from nglint.pipeline import Request

    return Request([str(root)], Settings(), str(root), **extra)


def test_each_stage_takes_the_previous_result(tmp_path):
    from nglint import pipeline

    write_tree(tmp_path, SUPPRESSED)
    result = _request(tmp_path)
    kinds = []
    for stage in pipeline.STAGES:
        result = stage(result)
        kinds.append(type(result).__name__)
    assert kinds == ["Loaded", "Linked", "Checked", "Filtered", "Suppressed", "Scoped", "Fixed"]
    assert [f.rule for f in result.report.suppressed] == ["KA001"]
    assert [f.rule for f in result.report.findings] == ["N001"]  # the KA003 suppression silenced nothing


def test_no_hidden_state_is_left_on_the_project(tmp_path):
    """Everything a run derives is a declared field or a documented property of Project."""
    from nglint.project import Project
    from nglint.records import fields
    from nglint.runner import run_with_project

    write_tree(tmp_path, SUPPRESSED)
    from nglint.config import Settings

    report, project = run_with_project([str(tmp_path)], Settings(), cwd=str(tmp_path))
    assert report.fixes_built
    declared = {f.name for f in fields(Project)} | {name for name, value in vars(Project).items() if isinstance(value, property) or hasattr(value, "attrname")}
    assert set(vars(project)) <= declared, set(vars(project)) - declared


def test_n001_is_scheduled_by_its_stage_not_by_a_hook(tmp_path):
    from nglint.registry import all_checks
    from nglint.rules import AFTER_SUPPRESSIONS, CHECK

    stages = {check.RULE.code: check.RULE.stage for check in all_checks()}
    assert stages.pop("N001") == AFTER_SUPPRESSIONS
    assert set(stages.values()) == {CHECK}


def _plugin(rule, **entry_points):
    return types.SimpleNamespace(RULE=rule, __name__=f"plugin {rule.code}", **entry_points)


def _rule(code: str, **extra):
    from nglint.rules import Rule
    from nglint.findings import Severity

    return Rule(code=code, name=code.lower(), severity=Severity.WARNING, summary="s", rationale="r",
                bad_example="b", good_example="g", **extra)


def test_registry_refuses_a_rule_whose_stage_entry_point_is_missing():
    from nglint.registry import RegistryError, _validate_schedule
    from nglint.rules import AFTER_SUPPRESSIONS

    late = _rule("XLATE1", stage=AFTER_SUPPRESSIONS)
    with pytest.raises(RegistryError, match="check_suppressions"):
        _validate_schedule(_plugin(late, check=lambda project: ()), late)
    _validate_schedule(_plugin(late, check_suppressions=lambda applied: ()), late)
    odd = _rule("XODD1", needs=("the-moon",))
    with pytest.raises(RegistryError, match="the-moon"):
        _validate_schedule(_plugin(odd, check=lambda project: ()), odd)
    never = _rule("XNEV1", stage="never")
    with pytest.raises(RegistryError, match="never"):
        _validate_schedule(_plugin(never, check=lambda project: ()), never)


def test_a_late_rule_sees_the_split_and_its_findings_are_filtered_like_others(tmp_path):
    """A rule of stage after-suppressions gets the suppress stage's result: active,
    suppressed and every file's suppression comments."""
    from nglint import pipeline
    from nglint.findings import Finding, Location
    from nglint.rules import AFTER_SUPPRESSIONS

    seen = {}
    rule = _rule("XLATE1", stage=AFTER_SUPPRESSIONS, needs=("suppressions",))

    def check_suppressions(applied):
        seen["suppressed"] = [f.rule for f in applied.suppressed]
        seen["comments"] = sorted(s.line for file in applied.files for s in file.suppressions)
        yield Finding(rule.code, rule.severity, "late", Location(str(tmp_path / "nginx.conf"), 5))
        yield Finding(rule.code, rule.severity, "late", Location(str(tmp_path / "nginx.conf"), 5))  # a duplicate

    write_tree(tmp_path, SUPPRESSED)
    linked = pipeline.link(pipeline.load(_request(tmp_path)))
    linked.run.checks = [c for c in linked.run.checks if c.RULE.code == "KA001"] + [_plugin(rule, check_suppressions=check_suppressions)]
    suppressed = pipeline.suppress(pipeline.filter_findings(pipeline.check(linked)))
    assert seen == {"suppressed": ["KA001"], "comments": [5, 6]}
    assert [(f.rule, f.line, f.location.column) for f in suppressed.report.findings] == [("XLATE1", 5, 9)]


def test_fixable_findings_carry_a_plan_against_the_setting(tmp_path):
    """KA001 plans its change when it makes the finding: the setting is named by a
    SettingRef whose handle is the directive itself, nothing is read or rendered yet."""
    from nglint import pipeline
    from nglint.fixer.plan import INSERT_AFTER

    write_tree(tmp_path, KA001)
    checked = pipeline.check(pipeline.link(pipeline.load(_request(tmp_path))))
    (finding,) = [f for f in checked.findings if f.rule == "KA001"]
    assert finding.fix is None
    (change,) = finding.plan.changes
    assert change.op == INSERT_AFTER and change.template == "ka001.j2" and change.context["seconds"] == 18
    ref = change.ref
    assert (ref.format, ref.path, ref.line, ref.key, ref.exists) == ("nginx", str(tmp_path / "nginx.conf"), 5, "keepalive_timeout", False)
    assert ref.handle.name == "keepalive" and ref.handle.args == ["8"]


def test_no_builtin_rule_defines_a_fix_hook():
    from nglint.registry import all_checks

    assert [c.RULE.code for c in all_checks() if hasattr(c, "fix")] == []


def test_a_third_party_fix_hook_still_fixes(tmp_path):
    """A check written before plans (fix(finding, project) with FixBuilder) still gets its
    fix, reading the project through the run's FixContext."""
    from nglint.fixer import attach_fixes
    from nglint.fixer.builder import FixBuilder
    from nglint.findings import Location
    from nglint.api import at_directive

    rule = _rule("XOLD1", fix_safety="safe")

    def check(project):
        for model in project.models:
            for upstream in model.upstreams:
                yield at_directive(rule, upstream.directive, "old style")

    def fix(finding, project):
        upstream = next(u for model in project.models for u in model.upstreams if u.directive.line == finding.line)
        builder = FixBuilder(rule, finding, project)
        builder.replace(upstream.directive.block[1], "ka004.j2", value="")
        return builder.build("old-style hook")

    from nglint import pipeline

    write_tree(tmp_path, KA001)
    linked = pipeline.link(pipeline.load(_request(tmp_path)))
    old = _plugin(rule, check=check, fix=fix)
    findings = pipeline.run_checks(linked.run.project, [old])
    attach_fixes(findings, linked.run.project, [old])
    (finding,) = findings
    assert finding.location == Location(str(tmp_path / "nginx.conf"), 3)
    assert finding.fix.description == "old-style hook"
    assert [edit.text for edit in finding.fix.edits] == ['proxy_set_header Connection "";']
