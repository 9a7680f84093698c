"""Third-party checks: a real package installed into a temporary environment registers a rule
through the `nglint.checks` entry point, and nglint runs and selects it by code."""

import json
import subprocess
import sys
import venv

import pytest

from conftest import PROJECT_ROOT, write_tree

PLUGIN_MODULE = '''
"""A tiny third-party nglint check: flags upstream blocks named 'legacy'."""
from nglint.api import Rule, Severity, at_directive

RULE = Rule(
    code="XLEG001",
    name="legacy-upstream-name",
    severity=Severity.WARNING,
    summary="An upstream is called legacy.",
    rationale="Team convention.",
    bad_example="upstream legacy { server a:1; }",
    good_example="upstream app { server a:1; }",
)


def check(project):
    for model in project.models:
        for upstream in model.upstreams:
            if upstream.name == "legacy":
                yield at_directive(RULE, upstream.directive, "upstream named legacy")
'''


@pytest.fixture(scope="module")
def plugin_env(tmp_path_factory):
    root = tmp_path_factory.mktemp("plugin")
    write_tree(root, {
        "plugin/pyproject.toml": (
            '[build-system]\nrequires = ["setuptools>=64"]\nbuild-backend = "setuptools.build_meta"\n'
            '[project]\nname = "nglint-legacy-plugin"\nversion = "0.1"\n'
            '[project.entry-points."nglint.checks"]\nlegacy = "nglint_legacy"\n'
            '[tool.setuptools.package-data]\nnglint_legacy = ["*.j2"]\n'
        ),
        "plugin/nglint_legacy/__init__.py": PLUGIN_MODULE,
        # Fix templates beside the check, like the built-ins' (one tries to shadow KA001's).
        "plugin/nglint_legacy/xleg001.j2": "upstream {{ name }} { server {{ server }}; }\n",
        "plugin/nglint_legacy/ka001.j2": "not the built-in template\n",
    })
    env_dir = root / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=True).create(env_dir)
    python = env_dir / "bin" / "python"
    for target in (str(PROJECT_ROOT), str(root / "plugin")):
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--no-deps", target],
            check=True, capture_output=True, timeout=300,
        )
    return python


def test_plugin_rule_runs_and_is_selectable(plugin_env, tmp_path):
    write_tree(tmp_path, {"nginx.conf": "events {}\nhttp {\n  upstream legacy {\n    server 10.0.0.1:80;\n  }\n}\n"})
    listing = subprocess.run([str(plugin_env), "-m", "nglint", "rules"], capture_output=True, text=True, check=True)
    assert "XLEG001" in listing.stdout

    result = subprocess.run(
        [str(plugin_env), "-m", "nglint", "check", str(tmp_path), "--format", "json", "--select", "XLEG001"],
        capture_output=True, text=True,
    )
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert [(f["rule"], f["line"]) for f in findings] == [("XLEG001", 3)]

    ignored = subprocess.run(
        [str(plugin_env), "-m", "nglint", "check", str(tmp_path), "--format", "json", "--ignore", "XLEG"],
        capture_output=True, text=True,
    )
    assert "XLEG001" not in ignored.stdout


def test_plugin_templates_are_found_beside_the_plugin(plugin_env):
    """A plugin's fix template is found by name in its own package; a built-in template
    of the same name still wins, so a plugin cannot change a built-in rule's fix."""
    code = (
        "from nglint.fixer.render import render_lines\n"
        "print(render_lines('xleg001.j2', name='app', server='a:1'))\n"
        "print(render_lines('ka001.j2', seconds=18, note=False))\n"
    )
    done = subprocess.run([str(plugin_env), "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.splitlines() == ["['upstream app { server a:1; }']", "['keepalive_timeout 18s;']"], done.stderr


def test_plugin_is_not_visible_without_installation():
    listing = subprocess.run([sys.executable, "-m", "nglint", "rules"], capture_output=True, text=True, check=True)
    assert "XLEG001" not in listing.stdout
