"""Reporters for `nglint explain`: text for a terminal, JSON for tools, Markdown for a ticket.

All three lay out the same summary dict (summary.py). Output is str that may hold lone
surrogates (log bytes that were not UTF-8); the command encodes it with surrogateescape,
so text and Markdown show those lines byte for byte. JSON escapes them as \\udcXX, which
a reader decodes back to the same bytes.
"""

from __future__ import annotations

from typing import Callable

from nglint.records import record

FORMATS = ("text", "json", "markdown")  # nglint.commands.explain.FORMATS names the same
SHOWN = 5  # explanations per cause in text and Markdown; JSON has them all


def render(summary: dict, fmt: str) -> str:
    if fmt != "json":
        # Log lines and configuration values come from outside: an ESC or a line break in
        # them would drive the terminal or forge a CI workflow command. JSON escapes them.
        summary = _displayable(summary)
    return {"text": text, "json": as_json, "markdown": markdown}[fmt](summary)


def _displayable(value):
    """Every string of the summary with control characters escaped (nglint.printable)."""
    from nglint.printable import printable_keeping_bytes

    if isinstance(value, str):
        return printable_keeping_bytes(value)
    if isinstance(value, dict):
        return {_displayable(key): _displayable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_displayable(item) for item in value)
    return value


def as_json(summary: dict) -> str:
    import json  # only for this format: `nglint check` builds this parser too and never needs json

    # ensure_ascii keeps lone surrogates as \udcXX escapes: valid JSON, and reversible.
    return json.dumps(summary, indent=2, ensure_ascii=True) + "\n"


def _headline(summary: dict) -> str:
    parts = [f"{summary['lines']} lines", f"{summary['parsed']} explained"]
    if summary["unparsed"]:
        parts.append(f"{summary['unparsed']} not an nginx error-log line")
    if summary["outside_window"]:
        parts.append(f"{summary['outside_window']} outside --since/--until")
    if summary["overlong"]:
        parts.append(f"{summary['overlong']} overlong (cut)")
    return ", ".join(parts)


def _config_line(summary: dict) -> str:
    config = summary["config"]
    if config["loaded"]:
        return f"configuration: {config['files']} file(s) checked" + (f" ({config['note']})" if config["note"] else "")
    return f"configuration: not loaded ({config['note'] or 'pass --config-path'})"


def _where(cause: dict) -> str:
    merged: dict[str, int] = {}
    for row in cause["upstreams"]:
        name = row["upstream"] or row["address"]
        merged[name] = merged.get(name, 0) + row["lines"]
    tops = [f"{name} ({lines})" for name, lines in sorted(merged.items(), key=lambda kv: -kv[1])[:2]]
    tops += [f"server {row['name']} ({row['lines']})" for row in cause["servers"][:1] if row["name"]]
    return ", ".join(tops) or "-"


@record(frozen=True)
class _Style:
    """How text and Markdown differ in the points they list under each cause."""

    bullet: str  # before each point
    note: str  # before the ambiguity and what was observed
    cell: Callable[[str], str]  # escapes a value for the layout
    code: Callable[[str], str]  # marks a message or a cause id as code
    times: str
    ambiguous: str


_TEXT = _Style("  - ", "  ", str, str, "x", "ambiguous:")
_MARKDOWN = _Style("- ", "- ", lambda value: _cell(value), lambda value: f"`{value}`", "×", "**Ambiguous**:")


def _points(cause: dict, style: _Style) -> list[str]:
    """What both layouts list under a cause: its explanations (SHOWN of them), what nglint
    could not see, the most frequent messages, and the ambiguity with what was observed."""
    cell, code = style.cell, style.code
    out = [f"{style.bullet}{cell(sentence)}" for sentence in cause["explanations"][:SHOWN]]
    if len(cause["explanations"]) > SHOWN:
        out.append(f"{style.bullet}... {len(cause['explanations']) - SHOWN} more upstream(s) in {code('--format json')}")
    if cause["unexplained"]:
        out.append(f"{style.bullet}{cell(cause['unexplained'])}")
    for message in cause["messages"][:5]:
        out.append(f"{style.bullet}{message['lines']} {style.times} {code(cell(message['message']))}")
    amb = cause["ambiguous"]
    if amb:
        out.append(f"{style.note}{style.ambiguous} {amb['lines']} line(s) could also be {code(amb['with'])}. "
                   f"{amb['deciding_evidence']}".rstrip())
        if amb["observed"]:
            out.append(f"{style.note}{cell(amb['observed'])}")
    return out


def text(summary: dict) -> str:
    out = [f"nglint explain: {_headline(summary)}", _config_line(summary), ""]
    causes = summary["causes"]
    if not causes:
        out.append("No nginx error-log lines to explain.")
        return "\n".join(out) + "\n"
    width = max(len(c["id"]) for c in causes)
    out.append(f"{'cause':<{width}}  {'lines':>8}  {'share':>6}  {'first':<19}  {'last':<19}  top upstreams / servers")
    for cause in causes:
        out.append(
            f"{cause['id']:<{width}}  {cause['count']:>8}  {cause['share'] * 100:>5.1f}%  "
            f"{cause['first'] or '-':<19}  {cause['last'] or '-':<19}  {_where(cause)}"
        )
    for cause in causes:
        out += ["", f"{cause['id']}: {cause['title']} ({cause['count']} line{'' if cause['count'] == 1 else 's'})"]
        methods = ", ".join(f"{m} {n}" for m, n in cause["methods"].items())
        if methods:
            without = f"; {cause['without_request']} without a request" if cause["without_request"] else ""
            out.append(f"  requests: {methods}{without}")
        out += _points(cause, _TEXT)
        if cause["id"] != "other":
            out.append(f"  how sure: {cause['confidence']}")
            out.append(f"  what to do: {cause['action']}")
            if cause["related_rules"]:
                out.append(f"  related rules: {', '.join(cause['related_rules'])}")
        if cause["samples"]:
            out.append("  sample:")
            out += [_quoted(sample) for sample in cause["samples"][:2]]
    if summary["unparsed_samples"]:
        out += ["", f"not an nginx error-log line ({summary['unparsed']}), for example:"]
        out += [_quoted(sample) for sample in summary["unparsed_samples"][:2]]
    if summary["access_log"]:
        out += ["", _access_text(summary["access_log"])]
    return "\n".join(out) + "\n"


def _access_text(access: dict) -> str:
    parts = []
    for status, entry in access["statuses"].items():
        methods = ", ".join(f"{m} {n}" for m, n in entry["methods"].items())
        upstreams = ", ".join(f"{a} ({n})" for a, n in list(entry["upstreams"].items())[:3])
        parts.append(f"  {status}: {entry['count']} ({methods})" + (f" via {upstreams}" if upstreams else ""))
    return "\n".join([f"access log: {access['lines']} line(s), {access['with_upstream_addr']} with an upstream address", *parts])


def _quoted(sample: str) -> str:
    """A log line as text output shows it: behind a `| ` mark, so a line that itself starts
    with `::` cannot become a CI workflow command (runners trim leading blanks)."""
    return f"    | {sample}"


def _fence(samples: list[str]) -> str:
    """A code fence longer than any run of backticks in the samples."""
    joined = "\n".join(samples)
    ticks = 3
    while "`" * ticks in joined:
        ticks += 1
    return "`" * ticks


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def markdown(summary: dict) -> str:
    out = ["# nglint explain", "", f"{_headline(summary)}. {_config_line(summary)}.", ""]
    causes = summary["causes"]
    if not causes:
        return "\n".join(out + ["No nginx error-log lines to explain.", ""])
    out += ["| cause | lines | share | first | last | top upstreams / servers |", "|---|---:|---:|---|---|---|"]
    for cause in causes:
        out.append(f"| `{cause['id']}` | {cause['count']} | {cause['share'] * 100:.1f}% | {cause['first'] or '-'} | "
                   f"{cause['last'] or '-'} | {_cell(_where(cause))} |")
    for cause in causes:
        out += ["", f"## `{cause['id']}`: {cause['title']}", ""]
        out += _points(cause, _MARKDOWN)
        if cause["findings"]:
            out += ["", "| finding | where | fingerprint |", "|---|---|---|"]
            out += [f"| {f['rule']} | `{f['path']}:{f['line']}` | `{f['fingerprint'] or '-'}` |" for f in cause["findings"]]
        if cause["id"] != "other":
            out += ["", f"**How sure**: {cause['confidence']}", "", f"**What to do**: {cause['action']}"]
        if cause["samples"]:
            fence = _fence(cause["samples"])
            out += ["", fence + "text", *cause["samples"][:3], fence]
    if summary["access_log"]:
        out += ["", "## Access log", "", "```text", _access_text(summary["access_log"]), "```"]
    return "\n".join(out) + "\n"
