"""Rule metadata: the documentation that lives next to each check's logic.

Shaped after ruff's rule docs (what it does, why it is bad, example, fix) so that
`nglint rule CODE`, the README and SARIF `help` all render from one source.
"""

from __future__ import annotations

from nglint.findings import Severity
from nglint.records import field, record


DOCS_BASE_URI = "https://github.com/nglint/nglint/blob/main/docs/rules/"


@record(frozen=True)
class Rule:
    """Everything a user needs to understand one rule code."""

    code: str
    name: str
    severity: Severity
    summary: str
    rationale: str
    bad_example: str
    good_example: str
    fix: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)
    fix_safety: str | None = None  # "safe", "unsafe", "display" or None when not fixable
    since: str = "0.1.0"  # the nglint release that introduced the rule
    # Diagnostic kinds (nglint.diagnostics) this rule turns into findings: readers record
    # kinds, never codes, and this is where a kind meets the code that reports it.
    reports: tuple[str, ...] = ()

    @property
    def help_uri(self) -> str:
        """The rule's page in the repository, generated from this metadata (nglint.docs)."""
        return f"{DOCS_BASE_URI}{self.code}.md"

    def render_text(self) -> str:
        """Plain-text doc for `nglint rule CODE`."""
        parts = [
            f"{self.code} ({self.name}) [{self.severity.value}]",
            "",
            "What it does",
            f"  {self.summary}",
            "",
            "Why is this bad?",
            *("  " + line for line in self.rationale.strip().splitlines()),
            "",
            "Example",
            *("  " + line for line in self.bad_example.strip("\n").splitlines()),
            "",
            "Use instead",
            *("  " + line for line in self.good_example.strip("\n").splitlines()),
        ]
        if self.fix:
            parts += ["", "Fix", f"  {self.fix}"]
            if self.fix_safety:
                parts.append(f"  (fix safety: {self.fix_safety})")
        return "\n".join(parts) + "\n"

    def render_markdown(self) -> str:
        """Markdown doc, used by the README generator and SARIF `help.markdown`."""
        lang = "xml" if self.bad_example.lstrip().startswith("<") else "nginx"
        out = [
            f"**{self.code}** `{self.name}` ({self.severity.value})",
            "",
            f"**What it does.** {self.summary}",
            "",
            f"**Why is this bad?** {' '.join(self.rationale.split())}",
            "",
            "**Example**",
            "",
            f"```{lang}",
            self.bad_example.strip("\n"),
            "```",
            "",
            "**Use instead**",
            "",
            f"```{lang}",
            self.good_example.strip("\n"),
            "```",
        ]
        if self.fix:
            out += ["", f"**Fix.** {self.fix}" + (f" (safety: `{self.fix_safety}`)" if self.fix_safety else "")]
        return "\n".join(out) + "\n"
