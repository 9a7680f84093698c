"""The small API fix hooks are written against.

It is nginx's editor: the fix stage renders a check's FixPlan through it (see
nglint.fixer.editors), and third-party `fix(finding, project)` hooks may still use it:

    fix = FixBuilder(RULE, finding, project)
    fix.insert_after(pool.keepalive, "ka001.j2", seconds=18)
    return fix.build("Set keepalive_timeout 18s")

The builder reads each file once per run (through the run's FixContext), maps
crossplane's (line, name, args) to byte offsets, and records the file digests the edits
refer to. Anything it cannot place exactly raises NoFix: "no fix offered".
"""

from __future__ import annotations

from functools import lru_cache

from nglint.findings import Finding
from nglint.fixer.layout import NoFix, SourceFile
from nglint.fixer.lexer import Statement, tokenize
from nglint.fixer.model import Edit, Fix, edit_region
from nglint.fixer.render import memo_key, render_lines
from nglint.sources.nginx.tree import Directive
from nglint.records import replace
from nglint.rules import Rule

class FixContext:
    """The fix stage's per-run state: the project, and each file it lexed, read at most
    once per run so every edit's digest refers to one read of the bytes.

    Fix hooks written against the project (`fix(finding, project)`, see nglint.api) are
    handed this context; it reads through to the project for everything else."""

    def __init__(self, project, placement_only: bool = False) -> None:
        self.project = project
        self.placement_only = placement_only
        self._sources: dict[str, SourceFile | NoFix] = {}

    def lines(self, template: str, **values) -> list[str]:
        """The template's rendered lines, or with `placement_only` (a report that only
        counts fixes) a stand-in line wherever the template certainly renders one: the
        edits are placed exactly, NoFix is raised exactly where rendering would raise
        it, and jinja2 is loaded only for a template or value the outline cannot judge."""
        if self.placement_only:
            told = _renders_text(template, values)
            if told is True:
                return [UNRENDERED]
            if told is False:
                raise NoFix(f"template {template} rendered nothing")
        return render_lines(template, **values)

    def __getattr__(self, name: str):
        return getattr(self.project, name)

    def source(self, path: str) -> SourceFile:
        """The lexed file, or NoFix (remembered: a file that cannot be fixed stays so)."""
        source = self._sources.get(path)
        if source is None:
            try:
                source = SourceFile.read(path)
                parsed = self.project.parsed_nginx.get(path)
                if parsed is not None and parsed.sha256 and parsed.sha256 != source.sha256:
                    # The edits would be planned on bytes the linter never saw (another writer
                    # got in between): a fix must be made against exactly what was checked.
                    raise NoFix(f"{path} changed since it was linted")
            except NoFix as exc:
                source = exc
            self._sources[path] = source
        if isinstance(source, NoFix):
            raise source
        return source


# The text of a fix counted but not shown (FixContext.placement_only): a comment, so it
# names no directive and claims nothing.
UNRENDERED = "# (fix text not rendered: this report only counts fixes)"


def _renders_text(template: str, values: dict) -> bool | None:
    """nglint.fixer.outline's answer for the template and values (None: render to know).
    Thousands of fixes pass the same values: answers are memoized like renders are."""
    key = memo_key(template, values)
    if key is None:  # a list value (headers to copy)
        return _told(template, values)
    return _told_cached(key)


@lru_cache(maxsize=4096)
def _told_cached(key: tuple) -> bool | None:
    template, items = key
    return _told(template, dict(items))


def _told(template: str, values: dict) -> bool | None:
    from nglint.fixer.outline import renders_text
    from nglint.fixer.render import template_source

    source = template_source(template)
    if source is None or _holds_undecodable(values):
        return None
    return renders_text(source, values)


def _holds_undecodable(values: dict) -> bool:
    """A value with bytes that were not UTF-8: render_lines refuses the fix if it reaches
    the text, and only rendering shows whether it does."""
    return any("\ufffd" in str(value) for value in values.values())


def fix_context(project) -> FixContext:
    """`project` as a FixContext (a hook may be handed either)."""
    return project if isinstance(project, FixContext) else FixContext(project)


class FixBuilder:
    def __init__(self, rule: Rule, finding: Finding, project, safety: str | None = None,
                 subject: tuple | None = None, reveals: tuple[str, ...] = ()) -> None:
        self.rule = rule
        self.subject = subject
        self.reveals = frozenset(reveals)
        self.finding = finding
        self.context = fix_context(project)
        self.project = self.context.project
        self.safety = safety or rule.fix_safety or "display"
        self.edits: list[Edit] = []
        self.sha256: dict[str, str] = {}
        self.claims: set[tuple[str, int, str]] = set()

    # -- locating -----------------------------------------------------------------------
    def source(self, directive: Directive) -> tuple[SourceFile, Statement]:
        source = self.context.source(directive.path)
        return source, source.statement(directive.name, directive.line, directive.args)

    def raw_text(self, directive: Directive) -> str:
        """The directive exactly as written (to copy it elsewhere)."""
        source, stmt = self.source(directive)
        if stmt.children is not None:
            raise NoFix(f"{directive.name} on line {directive.line} is a block")
        return source.raw(stmt)

    # -- edits --------------------------------------------------------------------------
    def insert_after(self, directive: Directive, template: str, **context) -> None:
        source, stmt = self.source(directive)
        lines = self.context.lines(template, **context)
        self._add(source, source.insert_after(stmt, lines), source.parent(stmt), lines)

    def append_to_block(self, block: Directive, template: str, **context) -> None:
        source, stmt = self.source(block)
        lines = self.context.lines(template, **context)
        self._add(source, source.append_to_block(stmt, lines), stmt, lines)

    def replace(self, directive: Directive, template: str, **context) -> None:
        source, stmt = self.source(directive)
        lines = self.context.lines(template, **context)
        self._add(source, source.replace(stmt, lines), source.parent(stmt), lines)

    def replace_with_own_comment(self, directive: Directive, template: str, owned, **context) -> bool:
        """Replace a directive together with the trailing comment a previous fix wrote on
        its line (`owned(comment)` says whether it is one), so a value changed from 18s
        to 9s does not keep a comment that explains the old value. False (nothing done)
        when the line has no such comment."""
        source, stmt = self.source(directive)
        end = source.data.find(b"\n", stmt.end)
        rest = source.data[stmt.end : len(source.data) if end < 0 else end].rstrip(b"\r")
        comment = rest.lstrip(b" \t")
        if stmt.children is not None or not comment.startswith(b"#"):
            return False
        if not owned(comment.decode("utf-8", errors="replace")):
            return False
        lines = self.context.lines(template, **context)
        if len(lines) != 1:
            return False
        edit = Edit(source.path, stmt.start, stmt.end + len(rest), lines[0])
        self._add(source, edit, source.parent(stmt), lines)
        return True

    def _add(self, source: SourceFile, edit: Edit, block: Statement | None, lines: list[str]) -> None:
        self.sha256[source.path] = source.sha256
        self.edits.append(replace(edit, region=edit_region(source.data, edit, source.line_starts)))
        where = block.start if block is not None else -1
        self.claims.update((source.path, where, name) for name in directive_names(lines))

    def build(self, description: str) -> Fix | None:
        if not self.edits:
            return None
        edits = sorted(self.edits, key=lambda e: (e.path, e.start, e.end))
        for first, second in zip(edits, edits[1:]):
            if first.path == second.path and second.start < first.end:
                raise NoFix("the fix's own edits overlap")
        return Fix(self.rule.code, self.safety, description, edits, dict(self.sha256), frozenset(self.claims), self.subject, self.reveals)


def directive_names(lines: list[str]) -> list[str]:
    """Names of the directives in rendered lines (the first token after each `;`)."""
    return list(_directive_names(tuple(lines)))


@lru_cache(maxsize=4096)
def _directive_names(lines: tuple[str, ...]) -> tuple[str, ...]:
    """Memoized: thousands of fixes insert the same rendered lines."""
    names, expect = [], True
    for line in lines:
        tokens, _ = tokenize(line.encode("utf-8", errors="surrogateescape"))
        for token in tokens:
            if expect and not token.quoted and token.value not in ("{", "}", ";"):
                names.append(token.value)
                expect = False
            elif not token.quoted and token.value in ("{", "}", ";"):
                expect = True
    return tuple(names)
