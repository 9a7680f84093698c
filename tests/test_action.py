"""The GitHub Action (action.yml): validated by actionlint, and its run steps executed.

actionlint reads a local action's metadata when a workflow uses it (`uses: ./`), so a
workflow that uses the action with every input is checked against action.yml, and one
with a misspelt input must fail (the judge can say no). The shell steps are then run as
the runner would run them: `${{ ... }}` replaced by the inputs, GITHUB_OUTPUT a file,
the install step into a fresh virtualenv, `nglint check` on samples/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import IN_CI, PROJECT_ROOT
from sarif_validation import schema_errors

ACTION = PROJECT_ROOT / "action.yml"


def _action() -> dict:
    import yaml

    return yaml.safe_load(ACTION.read_text())


def _tool(name: str) -> str:
    found = shutil.which(name) or (str(Path(sys.executable).parent / name) if (Path(sys.executable).parent / name).exists() else None)
    if found is None:
        if IN_CI:
            pytest.fail(f"{name} is not installed (required in CI)")
        pytest.skip(f"{name} is not installed")
    return found


WORKFLOW = """\
name: lint
on: [push, pull_request]
permissions:
  contents: read
  security-events: write
jobs:
  nglint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v5
      - uses: ./
        id: nglint
        with:
          paths: deploy/nginx deploy/tomcat
          format: sarif
          config: deploy/.nglint.toml
          fail-on: error
          {extra}
      - run: echo "exit code ${{{{ steps.nglint.outputs.exit-code }}}} in ${{{{ steps.nglint.outputs.sarif-file }}}}"
"""


def _actionlint(tmp_path: Path, workflow: str) -> subprocess.CompletedProcess:
    actionlint = _tool("actionlint")
    shutil.copy(ACTION, tmp_path / "action.yml")
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "lint.yml").write_text(workflow)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    return subprocess.run([actionlint, "-no-color", ".github/workflows/lint.yml"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)


def test_actionlint_accepts_the_action(tmp_path: Path) -> None:
    result = _actionlint(tmp_path, WORKFLOW.format(extra="upload-sarif: 'true'"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_reads_the_action_metadata(tmp_path: Path) -> None:
    result = _actionlint(tmp_path, WORKFLOW.format(extra="fail_on: error"))
    assert result.returncode == 1 and "fail_on" in result.stdout, result.stdout + result.stderr


def test_action_inputs_are_never_spliced_into_scripts() -> None:
    """Script injection: inputs reach `run:` only through `env:`."""
    for step in _action()["runs"]["steps"]:
        assert "inputs." not in step.get("run", ""), step["name"]


def _run_steps(inputs: dict[str, str]) -> list[tuple[str, dict[str, str], str]]:
    """(name, env, script) of each shell step, with `${{ }}` resolved as the runner does."""
    action = _action()
    values = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    values.update(inputs)

    def resolve(text: str, outputs: dict[str, str]) -> str:
        def one(match: re.Match) -> str:
            expression = match.group(1).strip()
            if expression == "github.action_path":
                return str(PROJECT_ROOT)
            if expression.startswith("inputs."):
                return values[expression.removeprefix("inputs.")]
            step = re.fullmatch(r"steps\.check\.outputs\.([\w-]+)", expression)
            if step:
                return outputs.get(step.group(1), "")
            raise AssertionError(f"unexpected expression {expression}")

        return re.sub(r"\$\{\{(.*?)\}\}", one, str(text))

    return [(step["name"], step.get("env", {}), step["run"], resolve) for step in action["runs"]["steps"] if "run" in step]


def _shellcheck_scripts() -> list[str]:
    return [re.sub(r"\$\{\{(.*?)\}\}", "/action", step["run"]) for step in _action()["runs"]["steps"] if "run" in step]


def test_shellcheck_accepts_the_run_steps(tmp_path: Path) -> None:
    shellcheck = _tool("shellcheck")
    for number, script in enumerate(_shellcheck_scripts()):
        path = tmp_path / f"step{number}.sh"
        path.write_text("#!/usr/bin/env bash\nset -e\n" + script)
        result = subprocess.run([shellcheck, "-s", "bash", str(path)], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stdout


@pytest.fixture(scope="module")
def action_venv(tmp_path_factory) -> Path:
    """A fresh virtualenv: the install step must bring nglint into it by itself."""
    venv = tmp_path_factory.mktemp("action") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=300)
    return venv


def _execute(tmp_path: Path, venv: Path, inputs: dict[str, str]) -> tuple[dict[str, str], list[subprocess.CompletedProcess]]:
    output_file = tmp_path / "github_output"
    output_file.write_text("")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update({"PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", "GITHUB_OUTPUT": str(output_file),
                "VIRTUAL_ENV": str(venv), "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    outputs: dict[str, str] = {}
    results = []
    for name, step_env, script, resolve in _run_steps(inputs):
        if name.startswith("Fail") and outputs.get("exit-code") == "0":
            continue  # its `if:` is false
        full_env = {**env, **{key: resolve(value, outputs) for key, value in step_env.items()}}
        result = subprocess.run(["bash", "-e", "-c", resolve(script, outputs)], cwd=tmp_path / "work", env=full_env,
                                capture_output=True, text=True, timeout=900)
        results.append(result)
        outputs = dict(line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line)
        if result.returncode != 0:
            break
    return outputs, results


def _workspace(tmp_path: Path) -> None:
    shutil.copytree(PROJECT_ROOT / "samples", tmp_path / "work" / "samples")


def test_run_steps_on_samples_write_valid_sarif_and_fail(tmp_path: Path, action_venv: Path) -> None:
    _workspace(tmp_path)
    outputs, results = _execute(tmp_path, action_venv, {"paths": "samples/01-tomcat-race samples/03-unused-pool-http10"})
    install, check, fail = results
    assert install.returncode == 0, install.stderr
    assert (action_venv / "bin" / "nglint").exists()  # installed by the step, from the action's path
    assert check.returncode == 0, check.stderr  # findings do not stop the step: the upload comes first
    assert outputs == {"sarif-file": "nglint.sarif", "exit-code": "1"}
    assert "KA001" in check.stdout  # the log shows the findings too
    log = json.loads((tmp_path / "work" / "nglint.sarif").read_text())
    assert schema_errors(log) == []
    assert {r["ruleId"] for r in log["runs"][0]["results"]} >= {"KA001", "KA003"}
    assert fail.returncode == 1  # the job fails after the upload


def test_run_steps_clean_and_fail_on(tmp_path: Path, action_venv: Path) -> None:
    _workspace(tmp_path)
    outputs, results = _execute(tmp_path, action_venv, {"paths": "samples/03-unused-pool-http10", "fail-on": "error",
                                                        "format": "github"})
    assert outputs == {"exit-code": "0"} and all(r.returncode == 0 for r in results)
    assert "::warning file=samples/03-unused-pool-http10/nginx/nginx.conf" in results[1].stdout


def test_run_steps_usage_error_fails_the_step(tmp_path: Path, action_venv: Path) -> None:
    _workspace(tmp_path)
    outputs, results = _execute(tmp_path, action_venv, {"paths": "samples", "config": "missing.toml"})
    assert results[-1].returncode == 2 and outputs["exit-code"] == "2"


def test_actionlint_accepts_the_actions_the_action_uses(tmp_path: Path) -> None:
    """actionlint does not look inside a composite action's `uses:` steps; put them in a
    workflow so it checks their versions and inputs (setup-python, upload-sarif)."""
    import yaml

    steps = []
    for step in _action()["runs"]["steps"]:
        if "uses" in step:
            with_ = {key: re.sub(r"\$\{\{.*?\}\}", "x", str(value)) for key, value in step.get("with", {}).items()}
            steps.append({"uses": step["uses"], "with": with_})
    assert {s["uses"].split("@")[0] for s in steps} == {"actions/setup-python", "github/codeql-action/upload-sarif"}
    workflow = {"on": "push", "permissions": {"security-events": "write"},
                "jobs": {"a": {"runs-on": "ubuntu-latest", "steps": steps}}}
    actionlint = _tool("actionlint")
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "uses.yml").write_text(yaml.safe_dump(workflow, sort_keys=False))
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    result = subprocess.run([actionlint, "-no-color"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
