"""What a finished run hands to reporters: findings plus the context to print them."""

from __future__ import annotations

import os
from functools import cached_property

from nglint.findings import Finding, Severity
from nglint.printable import printable
from nglint.records import field, record
from nglint.rules import Rule
from nglint.source import SourceCache


@record
class Report:
    """The outcome of `nglint check`, independent of output format.

    `findings` holds active findings sorted by path/line; `suppressed` those silenced
    in source (kept so SARIF can show them); `rules` is every known rule, fired or not.
    """

    findings: list[Finding]
    rules: list[Rule]
    cwd: str
    files_checked: int = 0
    suppressed: list[Finding] = field(default_factory=list)
    sources: SourceCache = field(default_factory=SourceCache)
    # The least severity that fails the run (`fail-on`): warning by default, so info never does.
    fail_on: Severity = Severity.WARNING
    # nginx files read in the reported scope, and the paths named: "nothing checked" is
    # said as such, not as "All checks passed".
    nginx_files: int = 0
    fixes_built: bool = False  # findings carry the fixes --fix would apply (see runner.run)
    fix_texts: bool = True  # False: fixes were built to be counted; their text is a stand-in
    named_paths: list[str] = field(default_factory=list)

    @cached_property
    def help_uris(self) -> dict[str, str]:
        """Rule code -> docs page, built once per report: a JSON report of thousands of
        findings would otherwise format the same URI thousands of times."""
        return {rule.code: rule.help_uri for rule in self.rules}

    def display_path(self, path: str) -> str:
        """Path relative to the current directory with POSIX separators, printable (a
        newline or an undecodable byte in a file name is shown escaped; see printable)."""
        return printable(self.relative_path(path))

    def relative_path(self, path: str) -> str:
        """The same path, raw: the exact name, for SARIF URIs built from its bytes."""
        try:
            rel = os.path.relpath(path, self.cwd)
        except ValueError:  # different drive on Windows
            rel = path
        return rel.replace(os.sep, "/")

    def counts(self) -> dict[str, int]:
        counts = {severity.value: 0 for severity in Severity}
        for finding in self.findings:
            counts[finding.severity.value] += 1
        return counts

    def fails(self, finding: Finding) -> bool:
        """True when this finding alone makes the run fail (exit 1) under `fail_on`."""
        return _RANK[Severity(finding.severity)] >= _RANK[Severity(self.fail_on)]

    @property
    def failed(self) -> bool:
        return any(self.fails(f) for f in self.findings)


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}
