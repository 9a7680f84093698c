"""The two independent judges of nglint's SARIF: the OASIS schema and Microsoft's validator.

* `schema_errors` checks a log against the official SARIF 2.1.0 JSON schema (draft-04),
  vendored in tests/data (see tests/data/README.md for where it comes from).
* `multitool_issues` runs `sarif-multitool validate --rule-kind "Gh;Sarif"`, i.e. the
  SARIF rules plus GitHub's ingestion rules, and returns what it reported.

A missing validator fails the test under CI=true and skips it elsewhere.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SCHEMA_PATH = DATA / "sarif-schema-2.1.0.json"
MULTITOOL_CONFIG = DATA / "sarif-multitool.config.xml"

# Everything sarif-multitool may still say about nglint's logs, and why it does not apply.
# Anything else it reports (at any level) fails the tests, and errors always do.
ALLOWED_MULTITOOL_REPORTS = {
    "WRN999.RuleExplicitlyDisabled": (
        "Our config disables SARIF2006 (UrisShouldBeReachable) because it sends HTTP "
        "requests to every URI in the log; tests run without network access."
    ),
    "SARIF2002": (
        "note, ProvideMessageArguments: nglint's messages are built per finding from "
        "values of two tiers; rules carry no message templates to reference by id, and "
        "GitHub shows message.text."
    ),
    "SARIF2003": (
        "note, ProvideVersionControlProvenance: nglint lints files, not repositories; "
        "upload-sarif sends the commit and ref alongside the log."
    ),
}


@dataclass(frozen=True)
class MultitoolReport:
    rule: str
    level: str
    where: str


def schema_errors(log: dict) -> list[str]:
    """Every violation of the OASIS SARIF 2.1.0 schema, as readable strings."""
    import jsonschema

    validator = jsonschema.Draft4Validator(_schema())
    return [
        f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in sorted(validator.iter_errors(log), key=lambda e: list(map(str, e.absolute_path)))
    ]


@functools.lru_cache(maxsize=1)
def _schema() -> dict:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    import jsonschema

    jsonschema.Draft4Validator.check_schema(schema)
    return schema


def _native_binary() -> Path | None:
    platform = {"linux": "linux", "darwin": "darwin", "win32": "win32"}.get(sys.platform)
    if platform is None:
        return None
    name = "Sarif.Multitool.exe" if platform == "win32" else "Sarif.Multitool"
    candidate = ROOT / ".ci" / "node" / "node_modules" / "@microsoft" / f"sarif-multitool-{platform}" / name
    if not candidate.is_file():
        return None
    if platform != "win32" and not os.access(candidate, os.X_OK):
        # The package's postinstall only does this chmod, and npm may skip install scripts.
        candidate.chmod(candidate.stat().st_mode | 0o100)
    return candidate


def multitool_command() -> list[str] | None:
    """argv prefix that runs the validator, or None when it is not installed.

    Prefers the native binary from `npm install --prefix .ci/node @microsoft/sarif-multitool`
    (or NGLINT_SARIF_MULTITOOL). The npm wrapper on PATH runs its argv through a shell,
    where the `;` of "Gh;Sarif" would end the command, so it is only the fallback and
    its arguments get quoted (see `_argv`).
    """
    override = os.environ.get("NGLINT_SARIF_MULTITOOL")
    if override:
        return [override]
    native = _native_binary()
    if native is not None:
        return [str(native)]
    wrapper = shutil.which("sarif-multitool")
    return [wrapper, "--shell-quoted"] if wrapper else None


def require_multitool() -> list[str]:
    command = multitool_command()
    if command is None:
        message = (
            "sarif-multitool is not installed: run `npm install --prefix .ci/node "
            "@microsoft/sarif-multitool` (see .ci/run)"
        )
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    return command


def _argv(command: list[str], args: list[str]) -> list[str]:
    if command[1:] == ["--shell-quoted"]:
        return [command[0], *(f'"{arg}"' for arg in args)]
    return [*command, *args]


@functools.lru_cache(maxsize=1)
def _no_network_prefix() -> tuple[str, ...]:
    """Run the validator in an empty network namespace when the system allows it."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return (unshare, "-n")
    return ()


def multitool_issues(sarif_path: Path, work_dir: Path) -> tuple[list[MultitoolReport], str]:
    """Run the validator on one file; return its reports and its console output."""
    command = require_multitool()
    out = work_dir / f"{sarif_path.stem}.validation.sarif"
    args = ["validate", "--rule-kind", "Gh;Sarif", "--level", "Error;Warning;Note",
            "--config", str(MULTITOOL_CONFIG), "--output", str(out), str(sarif_path)]
    proc = subprocess.run(
        [*_no_network_prefix(), *_argv(command, args)],
        capture_output=True, text=True, timeout=300,
        # Invariant globalization: the .NET binary then needs no libicu on the machine.
        env={**os.environ, "DOTNET_CLI_TELEMETRY_OPTOUT": "1", "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1"},
    )
    console = proc.stdout + proc.stderr
    assert out.is_file(), f"sarif-multitool wrote no result (exit {proc.returncode}):\n{console}"
    run = json.loads(out.read_text(encoding="utf-8-sig"))["runs"][0]
    reports = [
        MultitoolReport(result["ruleId"], result.get("level", "warning"), ", ".join(result["message"].get("arguments", [])[:1]))
        for result in run.get("results", [])
    ]
    for invocation in run.get("invocations", []):
        for key in ("toolConfigurationNotifications", "toolExecutionNotifications"):
            for note in invocation.get(key, []):
                reports.append(MultitoolReport(note.get("descriptor", {}).get("id", "?"), note.get("level", "warning"), key))
    return reports, console


def assert_github_ready(sarif_path: Path, work_dir: Path) -> None:
    """Schema-valid, and sarif-multitool (SARIF + GitHub rules) reports nothing unexplained."""
    log = json.loads(sarif_path.read_text(encoding="utf-8"))
    assert schema_errors(log) == []
    reports, console = multitool_issues(sarif_path, work_dir)
    errors = [r for r in reports if r.level == "error"]
    assert errors == [], console
    unexplained = [r for r in reports if r.rule not in ALLOWED_MULTITOOL_REPORTS]
    assert unexplained == [], console
