"""The GitLab CI template: valid against GitLab's published CI schema, and its script works.

GitLab's own schema (`app/assets/javascripts/editor/schema/ci.json`, vendored in
tests/data) judges the YAML; a misspelt report key must fail it. The script lines are
then run in one bash session, as the runner does, against samples/: the install line
installs this checkout (the template's URL is the same tree at the release tag), and the
two reports it writes are validated against GitLab's Code Quality format and the JUnit XSD.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT
from test_output_formats import validation_errors

from nglint import __version__

TEMPLATE = PROJECT_ROOT / "integrations" / "gitlab" / "nglint.gitlab-ci.yml"
SCHEMA = Path(__file__).resolve().parent / "data" / "gitlab-ci-schema.json"


def _template() -> dict:
    import yaml

    return yaml.safe_load(TEMPLATE.read_text())


def _errors(document: dict) -> list[str]:
    import jsonschema

    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(document)]


def test_template_is_valid_gitlab_ci() -> None:
    assert _errors(_template()) == []


def test_schema_rejects_a_misspelt_report() -> None:
    broken = _template()
    broken["nglint"]["artifacts"]["reports"] = {"codequalty": "gl-code-quality-report.json"}
    assert _errors(broken)


def test_template_installs_this_release() -> None:
    template = _template()
    assert template["variables"]["NGLINT_VERSION"] == f"v{__version__}"
    assert f"nglint/v{__version__}/integrations/gitlab/nglint.gitlab-ci.yml" in TEMPLATE.read_text()
    reports = template["nglint"]["artifacts"]["reports"]
    assert reports == {"codequality": "gl-code-quality-report.json", "junit": "nglint-junit.xml"}


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("gitlab") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(path)], check=True, timeout=300)
    return path


def _run_script(work: Path, venv: Path, variables: dict[str, str]) -> subprocess.CompletedProcess:
    job = _template()["nglint"]
    lines = []
    for line in job["script"]:
        if "pip install" in line:
            assert "${NGLINT_VERSION}" in line
            line = f'python -m pip install --disable-pip-version-check --quiet "{PROJECT_ROOT}"'
        lines.append(line)
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(_template()["variables"])
    env.update(job["variables"])
    env.update(variables)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(["bash", "-e", "-c", "\n".join(lines)], cwd=work, env=env, capture_output=True, text=True, timeout=900)


def test_script_writes_valid_reports_and_fails_on_findings(tmp_path: Path, venv: Path) -> None:
    shutil.copytree(PROJECT_ROOT / "samples", tmp_path / "samples")
    result = _run_script(tmp_path, venv, {"NGLINT_PATHS": "samples/01-tomcat-race samples/03-unused-pool-http10"})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "KA001" in result.stdout  # the log shows the findings
    quality = (tmp_path / "gl-code-quality-report.json").read_text()
    assert validation_errors("gitlab", quality) == []
    assert {issue["check_name"] for issue in json.loads(quality)} >= {"KA001", "KA003"}
    assert validation_errors("junit", (tmp_path / "nglint-junit.xml").read_text()) == []


def test_script_with_fail_on_error_passes_on_warnings(tmp_path: Path, venv: Path) -> None:
    shutil.copytree(PROJECT_ROOT / "samples", tmp_path / "samples")
    result = _run_script(tmp_path, venv, {"NGLINT_PATHS": "samples/03-unused-pool-http10", "NGLINT_FAIL_ON": "error"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads((tmp_path / "gl-code-quality-report.json").read_text())  # the warnings are still reported
