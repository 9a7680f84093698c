"""Rule metadata: the documentation that lives next to each check's logic.

Shaped after ruff's rule docs (what it does, why it is bad, example, fix) so that
`nglint rule CODE`, the README and SARIF `help` all render from one source.
"""

from __future__ import annotations

from nglint.findings import Severity
from nglint.records import field, record


DOCS_BASE_URI = "https://github.com/nglint/nglint/blob/main/docs/rules/"

# When a rule runs (Rule.stage). CHECK: `check(project)` over the linked model, with every
# other rule. AFTER_SUPPRESSIONS: `check_suppressions(applied)` once inline suppressions
# are applied, because the rule judges them (which one silenced nothing is known only then).
CHECK, AFTER_SUPPRESSIONS = "check", "after-suppressions"
STAGES = (CHECK, AFTER_SUPPRESSIONS)

# What a rule reads (Rule.needs), beyond the tier model every rule may read:
# "nginx" the typed nginx view (project.keepalive, upstreams, proxy_pass sites),
# "front" the front-tier analysis (project.front), "suppressions" the inline suppressions.
NEEDS = ("nginx", "front", "suppressions")


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
    stage: str = CHECK  # when the engine runs it (see STAGES)
    needs: tuple[str, ...] = field(default_factory=tuple)  # what it reads beyond the tier model (see NEEDS)

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
