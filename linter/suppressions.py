"""Inline suppressions: `# nglint: disable=KA001 reason` in nginx, `<!-- nglint: ... -->` in server.xml.

A suppressed finding does not vanish: it moves to `Report.suppressed` with the reason, so
the summary counts it and SARIF shows it with an `inSource` suppression. A suppression
is itself checked (N001): it must give a reason, name known rules, and silence something,
because a stale or unexplained `disable` is how a real regression slips through review.

nginx forms (the comment text is what crossplane collected with comments=True):
  keepalive_timeout 45s;  # nglint: disable=KA001 reason      (this directive's line)
  # nglint: disable=KA001,KA002 reason                          (the next directive line)
  # nglint: disable-file=KA003 reason                           (the whole file)
server.xml form, just before the element (only other comments may sit in between):
  <!-- nglint: disable=KA001 reason -->
  <Connector port="8080" .../>

Scope: when the line a suppression covers opens a block (`upstream app {`, `location / {`)
the suppression covers the whole block, down to its last directive, as `# noqa` on a
multi-line construct does in other linters; in server.xml the comment before an element
covers the element and everything inside it (before `<Service>`: all its Connectors).
"""

from __future__ import annotations

import re
from typing import Iterable

from nglint.boundary import Refused, open_limited
from nglint.diagnostics import FILE_UNREAD
from nglint.findings import Finding
from nglint.records import field, record

_MARKER = re.compile(r"^\s*nglint\s*:", re.IGNORECASE)
_DIRECTIVE = re.compile(
    r"^\s*nglint\s*:\s*(?P<kind>disable-file|disable)\s*=\s*"
    r"(?P<codes>[A-Za-z]+[0-9]+(?:\s*,\s*[A-Za-z]+[0-9]+)*)"
    r"(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_REASON_LEAD = " \t\r\n-:—–"


@record(eq=False)
class Suppression:
    """One `nglint: disable` comment: where it is, what it silences, and why.

    `kind` and `justification` are what SARIF's `suppression` object needs; the SARIF
    reporter reads them from `Finding.suppressed`.
    """

    path: str
    line: int  # where the comment starts (N001 points here)
    codes: tuple[str, ...]
    justification: str
    file_wide: bool = False
    # Lines of the target: the directive's line, or a server.xml element's start tag.
    first_line: int = 0
    last_line: int = 0
    used_codes: set[str] = field(default_factory=set)
    kind: str = "inSource"

    def covers_line(self, path: str, line: int) -> bool:
        if path != self.path:
            return False
        return self.file_wide or self.first_line <= line <= self.last_line


@record
class Malformed:
    """An `nglint:` comment that is not a valid suppression (reported as N001)."""

    path: str
    line: int
    reason: str


@record
class FileSuppressions:
    suppressions: list[Suppression] = field(default_factory=list)
    malformed: list[Malformed] = field(default_factory=list)


def parse_comment(text: str) -> tuple[str, tuple[str, ...], str] | str | None:
    """(kind, codes, reason) for a suppression comment, an error string for a malformed
    `nglint:` comment, or None for any other comment."""
    if not _MARKER.match(text):
        return None
    match = _DIRECTIVE.match(text)
    if match is None:
        return "write `nglint: disable=CODE[,CODE] reason` or `nglint: disable-file=CODE reason`"
    rest = match.group("rest")
    if rest and not rest[0].isspace():
        return f"a rule code must be followed by a space and the reason, not {rest[0]!r}"
    codes = tuple(dict.fromkeys(code.strip().upper() for code in match.group("codes").split(",")))
    reason = " ".join(rest.split()).lstrip(_REASON_LEAD).strip()
    return match.group("kind").lower(), codes, reason


def _suppression(path: str, line: int, text: str, result: FileSuppressions) -> Suppression | None:
    """The suppression a comment at `line` declares; None for an ordinary comment, and
    for a malformed one, which is recorded in `result` for N001."""
    parsed = parse_comment(text)
    if parsed is None:
        return None
    if isinstance(parsed, str):
        result.malformed.append(Malformed(path, line, parsed))
        return None
    kind, codes, reason = parsed
    return Suppression(path, line, codes, reason, file_wide=kind == "disable-file")


def block_ends(statements: list[dict]) -> dict[int, int]:
    """Line of a block-opening statement -> last line inside its block (crossplane gives
    no line for the closing brace; findings sit on directive lines, all covered)."""
    ends: dict[int, int] = {}

    def walk(items: list[dict]) -> int:
        last = 0
        for statement in items:
            line = int(statement.get("line") or 0)
            end = line
            if statement.get("block") is not None:
                end = max(line, walk(statement["block"]))
                ends[line] = max(ends.get(line, line), end)
            last = max(last, end)
        return last

    walk(statements)
    return ends


def nginx_suppressions(path: str, comments: list[tuple[int, str]], lines: list[str], prefix: str = "#",
                       statements: list[dict] | None = None) -> FileSuppressions:
    """Suppressions in one nginx file from crossplane's (line, text) comments (and in any
    format whose comments run from `prefix` to the end of the line). With `statements`
    (nginx), a suppression of a block's opening line covers the block."""
    ends = block_ends(statements or [])
    result = FileSuppressions()
    comment_only = {line for line, _ in comments if _is_comment_only(lines, line, prefix)}
    for line, text in comments:
        suppression = _suppression(path, line, text, result)
        if suppression is None:
            continue
        if not suppression.file_wide:
            target = line
            if line in comment_only:
                # A comment on its own line applies to the next directive line; other
                # comment lines (a second suppression, an explanation) may sit in between.
                target = line + 1
                while target in comment_only:
                    target += 1
            suppression.first_line = target
            suppression.last_line = ends.get(target, target)
        result.suppressions.append(suppression)
    return result


def _is_comment_only(lines: list[str], line: int, prefix: str = "#") -> bool:
    text = lines[line - 1] if 1 <= line <= len(lines) else ""
    return text.lstrip().startswith(prefix)


def line_comment_suppressions(path: str, prefix: str, max_file_size: int) -> FileSuppressions:
    """Suppressions in a format whose comments start with `prefix` (`#`, `//`, `;`)."""
    lines = _lines(path, max_file_size)
    comments = []
    for number, text in enumerate(lines, 1):
        start = text.find(prefix)
        while start >= 0:
            rest = text[start + len(prefix):]
            if _MARKER.match(rest):
                comments.append((number, rest))
                break
            start = text.find(prefix, start + len(prefix))
    return nginx_suppressions(path, comments, lines, prefix)


def xml_suppressions(path: str, max_file_size: int) -> FileSuppressions:
    """Suppressions in a server.xml: each `<!-- nglint: ... -->` covers the start tag of the
    element right after it. A file that does not parse has none (P003 reports it)."""
    from nglint.backends import BackendFile
    from nglint.sources.tomcat.server_xml import _start_line, read_xml

    result = FileSuppressions()
    parsed = read_xml(path, max_file_size, BackendFile(path))
    if parsed is None:
        return result
    root, lines = parsed
    from lxml import etree

    comments = [n for n in root.itersiblings(preceding=True) if isinstance(n, etree._Comment)]
    comments += [n for n in root.iter() if isinstance(n, etree._Comment)]
    for comment in comments:
        text = comment.text or ""
        start = max(1, (comment.sourceline or 1) - text.count("\n"))
        suppression = _suppression(path, start, text, result)
        if suppression is None:
            continue
        if not suppression.file_wide:
            target = comment.getnext()
            while target is not None and not isinstance(target.tag, str):
                target = target.getnext()  # skip other comments and processing instructions
            if target is not None:
                suppression.first_line = _start_line(lines, target)
                inside = max((node.sourceline or 0 for node in target.iter()), default=0)
                suppression.last_line = max(suppression.first_line, target.sourceline or suppression.first_line, inside)
            else:
                suppression.first_line = suppression.last_line = -1  # before nothing: covers nothing
        result.suppressions.append(suppression)
    return result


def _lines(path: str, limit: int) -> list[str]:
    try:
        text = open_limited(path, limit).decode("utf-8", errors="replace")
    except Refused:
        return []
    return text.removeprefix("\ufeff").split("\n")


def collect(project) -> list[FileSuppressions]:
    """Suppressions of every nginx and backend file of the run. The pipeline's suppress
    stage calls this once and hands the result on (Applied.files): comments are read once."""
    found: list[FileSuppressions] = []
    for path, parsed in sorted(project.parsed_nginx.items()):
        if parsed.error and not parsed.statements:
            continue  # never read (refused, unreadable) or nothing parsed
        if not any(_MARKER.match(text) for _, text in parsed.comments):
            continue
        found.append(nginx_suppressions(path, parsed.comments, _lines(path, project.settings.max_file_size),
                                        statements=parsed.statements))
    from nglint.sources import LINE_COMMENT, XML_COMMENT, reader_for

    for backend_file in project.backend_files:
        if any(problem.kind in FILE_UNREAD for problem in backend_file.problems):
            continue  # refused or broken: read it no further (also not for comments)
        if not _may_hold_marker(backend_file.path, project.settings.max_file_size):
            continue
        reader = reader_for(backend_file.path)
        comment = getattr(reader, "comment", XML_COMMENT)
        if comment == XML_COMMENT:
            found.append(xml_suppressions(backend_file.path, project.settings.max_file_size))
        elif comment == LINE_COMMENT:
            found.append(line_comment_suppressions(backend_file.path, reader.comment_prefix, project.settings.max_file_size))
    return found


def _may_hold_marker(path: str, limit: int) -> bool:
    """Cheap byte test so a server.xml without `nglint:` is not parsed a second time."""
    try:
        return b"nglint" in open_limited(path, limit).lower()
    except Refused:
        return False


@record
class Applied:
    """Findings split by the inline suppressions, for the rules that judge the suppressions
    themselves (Rule.stage AFTER_SUPPRESSIONS, N001): `files` is every file's comments."""

    active: list[Finding]
    suppressed: list[Finding]
    unused: list[tuple[Suppression, tuple[str, ...]]]  # each with the codes that silenced nothing
    files: list[FileSuppressions] = field(default_factory=list)


def apply(findings: Iterable[Finding], files: list[FileSuppressions], rules_run: set[str]) -> Applied:
    """Split findings into active and suppressed; list suppressions that silenced nothing.

    A finding is suppressed by a comment covering its own line, or, for a cross-tier
    finding (KA001 at the upstream, caused by a Connector), by server.xml comments
    covering every related location. Only codes whose check ran count as unused, so a
    `--select` run does not call every other suppression stale.
    """
    all_suppressions = [s for file in files for s in file.suppressions]
    active: list[Finding] = []
    suppressed: list[Finding] = []
    for finding in findings:
        matches = [] if finding.rule == "N001" else _matching(finding, all_suppressions)
        if not matches:
            active.append(finding)
            continue
        for match in matches:
            match.used_codes.add(finding.rule)
        finding.suppressed = matches[0]
        suppressed.append(finding)
    unused = []
    for suppression in all_suppressions:
        idle = tuple(code for code in suppression.codes if code in rules_run and code not in suppression.used_codes)
        if idle:
            unused.append((suppression, idle))
    return Applied(active, suppressed, unused, files)


def nearest_finding(suppression: Suppression, codes: tuple[str, ...], findings: list[Finding]) -> Finding | None:
    """The active finding of one of `codes` closest to an unused suppression: in its file
    by line distance, else the first one elsewhere. Usually the comment sits one line off."""
    candidates = [f for f in findings if f.rule in codes]
    same_file = [f for f in candidates if f.location.path == suppression.path]
    if same_file:
        return min(same_file, key=lambda f: (abs(f.location.line - suppression.line), f.location.line))
    return min(candidates, key=lambda f: (f.location.path, f.location.line), default=None)


def _matching(finding: Finding, suppressions: list[Suppression]) -> list[Suppression]:
    """The suppressions that silence `finding`: one covering its line, else one per related
    location (each server.xml Connector the finding names must be suppressed)."""
    relevant = [s for s in suppressions if finding.rule in s.codes]
    for suppression in relevant:
        if suppression.covers_line(finding.location.path, finding.location.line):
            return [suppression]
    if not finding.related:
        return []
    covering = []
    for related in finding.related:
        match = next((s for s in relevant if s.covers_line(related.location.path, related.location.line)), None)
        if match is None:
            return []
        covering.append(match)
    return covering
