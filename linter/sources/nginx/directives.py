"""Check a loaded nginx tree against nginx's directive table, as ngx_conf_handler() does.

For each directive nginx knows, nginx_directive_table (generated from nginx's source)
gives the contexts it is allowed in, whether it opens a block, how many arguments it
takes, and the releases each form existed in. With it this module reports what
`nginx -t` reports before any module code runs, with nginx's message, at the line nginx
names (the line of the statement's `;` or `{`):

- `directive "x" is not terminated by ";"`: a simple directive opens a block
  (the unquoted `{4}` of `rewrite ^/(\\d{4})/ ...`);
- `directive "x" has no opening "{"`: a block directive ends with `;`;
- `invalid number of arguments in "x" directive` (unless crossplane's analyzer, which
  also knows nginx Plus, allows that count);
- `"x" directive is not allowed here`: a directive in a context it does not belong to;
- `invalid value "v" in "x" directive, it must be "on" or "off"` for on/off directives,
  and `invalid value "v"` for a value outside a directive's fixed list.

A directive the table does not know (a third-party module: lua, headers-more, ...) is
never an error, and nothing inside its block is checked. Where the including context is
unknown (a conf.d fragment no entry includes) no context error is reported, and a
directive passes if any of its forms would accept it. With `nginx-version` declared,
only the forms of that release count, so `keepalive 16 local;` (1.29.7) or a directive
removed since (`ssl on;`, gone in 1.25.1) is reported; without it, any release's form
is accepted: unknown stays unknown.
"""

from __future__ import annotations

from typing import Callable, Iterable

from nglint.diagnostics import NGINX_PARSE_ERROR
from nglint.sources.nginx.directive_table import DIRECTIVES, ENUMS
from nglint.sources.nginx.tree import Directive, NginxConfig
from nglint.problems import Problem
from nglint.sources.nginx.templating import is_placeholder

# Every context name the table uses, for readers of the data.
CONTEXTS = (
    "main", "events", "http", "server", "location", "upstream", "if_in_server", "if_in_location",
    "limit_except", "stream", "stream_server", "stream_upstream", "mail", "mail_server",
)  # fmt: skip

Version = tuple[int, ...]


class _Form:
    """One form of a directive (a row of the table)."""

    __slots__ = ("contexts", "args", "block", "child", "flag_slot", "since", "until")

    def __init__(self, row: tuple) -> None:
        contexts, self.args, self.block, self.child, self.flag_slot, since, until = row
        self.contexts = frozenset(contexts.split())
        self.since = _version(since)
        self.until = _version(until) if until else None

    def exists_in(self, version: Version | None) -> bool:
        if version is None:
            return True
        return self.since <= version and (self.until is None or version < self.until)

    def allowed_in(self, context: str | None) -> bool:
        return context is None or "any" in self.contexts or context in self.contexts

    def takes(self, count: int) -> bool:
        """nginx's argument-count rule (ngx_conf_handler) for `count` arguments."""
        rule = self.args
        if rule == "ANY":
            return True
        if rule == "FLAG":
            return count == 1
        if rule == "1MORE":
            return count >= 1
        if rule == "2MORE":
            return count >= 2
        return count < 8 and str(count) in rule  # NGX_CONF_MAX_ARGS counts the name too


def _version(text: str) -> Version:
    return tuple(int(part) for part in text.split("."))


def _text(version: Version) -> str:
    return ".".join(str(part) for part in version)


_FORMS: dict[str, list[_Form]] = {}


def forms(name: str) -> list[_Form]:
    """The table's forms of `name`, newest first ([] for a directive nginx does not have)."""
    found = _FORMS.get(name)
    if found is None:
        found = sorted((_Form(row) for row in DIRECTIVES.get(name, ())), key=lambda f: f.since, reverse=True)
        _FORMS[name] = found
    return found


class _Checker:
    def __init__(self, version: Version | None, end_line: Callable[[Directive], int]) -> None:
        self.version = version
        self.end_line = end_line
        self.problems: list[Problem] = []
        self.broken: dict[str, int] = {}  # file -> line of a block-structure error in it
        self.verdicts: dict[tuple, tuple] = {}

    def report(self, directive: Directive, message: str, structure: bool = False) -> None:
        if directive.path in self.broken:
            return  # the rest of that file is read against a shifted structure
        line = self.end_line(directive)
        self.problems.append(Problem(NGINX_PARSE_ERROR, directive.path, line, message))
        if structure:
            self.broken[directive.path] = line

    def walk(self, directives: list[Directive], context: str | None) -> None:
        for directive in directives:
            child = self.check(directive, context)
            if directive.block is None or child == "unknown":
                continue
            if child == "opaque":
                for inner in directive.block:
                    if inner.block is not None:
                        self.report(inner, 'unexpected "{"', structure=True)
                continue
            if child == "if":
                child = {"server": "if_in_server", "location": "if_in_location"}.get(context or "")
            self.walk(directive.block, child)

    def check(self, directive: Directive, context: str | None) -> str | None:
        """Report what nginx would about `directive`; return its body's context
        (None: unknown but checkable, "unknown": not checkable, "opaque": not directives)."""
        args = directive.args
        # One C-level join and scan per directive: most directives hold no "$" at all.
        placeholder = bool(args) and is_placeholder("\x00".join(args))
        key = (directive.name, context, directive.block is not None, len(directive.args), placeholder)
        verdict = self.verdicts.get(key)
        if verdict is None:
            verdict = self.verdicts[key] = self.decide(*key)
        message, structure, child, values = verdict
        if message is not None:
            self.report(directive, message, structure)
        elif values == "flag":
            value = directive.args[0]
            if value.lower() not in ("on", "off"):
                self.report(directive, f'invalid value "{value}" in "{directive.name}" directive, it must be "on" or "off"')
        elif values == "enum":
            self._check_enum(directive)
        return child

    def decide(self, name: str, context: str | None, is_block: bool, count: int, placeholder: bool) -> tuple:
        """(message or None, block-structure error?, body context, value check) for every
        statement of this shape: the same for each, so decided once per run."""
        every = forms(name)
        if not every:
            return None, False, "unknown", None  # a third-party module's directive: never an error
        if self.version is None and all(form.until is not None for form in every):
            return None, False, "unknown", None  # gone from nginx (`status`): a module or nginx Plus may have it
        current = [form for form in every if form.exists_in(self.version)]
        if not current:
            return f'unknown directive "{name}"{self._absent(every)}', False, "unknown", None
        here = [form for form in current if form.allowed_in(context)]
        if not here:
            return f'"{name}" directive is not allowed here', False, "unknown", None
        shaped = [form for form in here if form.block == is_block]
        if not shaped:
            if is_block:
                return f'directive "{name}" is not terminated by ";"', True, "unknown", None
            return f'directive "{name}" has no opening "{{"', False, "unknown", None
        if placeholder:
            return None, False, _child(shaped), None  # an envsubst placeholder may stand for any number of words
        fitting = [form for form in shaped if form.takes(count)]
        if not fitting and _plus_takes(name, count):
            return None, False, _child(shaped), None
        if not fitting:
            message = f'invalid number of arguments in "{name}" directive'
            older = [form for form in every if form.allowed_in(context) and form.block == is_block and form.takes(count)]
            if self.version is not None and older:
                message += f" (nginx-version is {_text(self.version)}; {count} argument{'s' * (count != 1)} {self._span(older)})"
            return message, False, _child(shaped), None
        values = None
        if count == 1 and all(form.flag_slot for form in fitting):
            values = "flag"
        elif count == 1 and name in ENUMS:
            values = "enum"
        return None, False, _child(fitting), values

    def _check_enum(self, directive: Directive) -> None:
        values = ENUMS[directive.name]
        if not any(_in_run(self.version, run) for runs in values.values() for run in runs):
            return  # not a fixed list in this release (`aio` took one until 1.7.11)
        value = directive.args[0]
        runs = next((r for v, r in values.items() if v.lower() == value.lower()), None)
        if runs is None:
            self.report(directive, f'invalid value "{value}"')
        elif self.version is not None and not any(_in_run(self.version, run) for run in runs):
            since = min(_version(start) for start, _ in runs)
            self.report(directive, f'invalid value "{value}" (nginx-version is {_text(self.version)}; "{directive.name} {value}" needs nginx {_text(since)})')

    def _absent(self, every: list[_Form]) -> str:
        assert self.version is not None
        return f" (nginx-version is {_text(self.version)}; the directive exists {self._span(every)})"

    @staticmethod
    def _span(found: list[_Form]) -> str:
        current = [form.since for form in found if form.until is None]
        if current:
            return f"in nginx {_text(min(current))} and later"
        last = max(found, key=lambda form: form.until or ())
        return f"from nginx {_text(last.since)} until {_text(last.until or ())}"


def _plus_takes(name: str, count: int) -> bool:
    """crossplane's analyzer, which also knows nginx Plus, allows `count` arguments
    (`limit_req_zone ... sync;` takes a fourth one in Plus): not an error for someone's nginx.
    Read only when an argument count fails, so crossplane is not imported otherwise."""
    from crossplane import analyzer

    rules = {
        analyzer.NGX_CONF_NOARGS: 0, analyzer.NGX_CONF_TAKE1: 1, analyzer.NGX_CONF_TAKE2: 2, analyzer.NGX_CONF_TAKE3: 3,
        analyzer.NGX_CONF_TAKE4: 4, analyzer.NGX_CONF_TAKE5: 5, analyzer.NGX_CONF_TAKE6: 6, analyzer.NGX_CONF_TAKE7: 7,
    }  # fmt: skip
    for mask in analyzer.DIRECTIVES.get(name, ()):
        if mask & analyzer.NGX_CONF_ANY or (mask & analyzer.NGX_CONF_FLAG and count == 1):
            return True
        if (mask & analyzer.NGX_CONF_1MORE and count >= 1) or (mask & analyzer.NGX_CONF_2MORE and count >= 2):
            return True
        if any(mask & bit and count == n for bit, n in rules.items()):
            return True
    return False


def _in_run(version: Version | None, run: tuple) -> bool:
    """`version` is in the run of releases; an unknown version is in the newest one."""
    since, until = run
    if version is None:
        return until is None
    return _version(since) <= version and (until is None or version < _version(until))


def _child(candidates: list[_Form]) -> str | None:
    """The context of the body, if every candidate form agrees on it; None (checked as
    "any context") if they do not (`server {` in a fragment: http, mail or stream)."""
    children = {form.child for form in candidates}
    if len(children) == 1:
        return children.pop()
    return None


# Blocks only nginx's main context holds: an entry with one of them is a main file.
_MAIN_BLOCKS = frozenset({"events", "http", "stream", "mail"})


def top_context(config: NginxConfig, roots: list[str]) -> str | None:
    """"main" for a main configuration file, None where the including context is unknown.

    A file is main when it is declared (nginx-roots) or holds events, http, stream or mail
    at its top level. An `nginx.conf` with top-level `server` or `upstream` blocks and no
    `http` is the common Docker layout of a file mounted into /etc/nginx/conf.d."""
    if config.path in roots:
        return "main"
    if any(d.name in _MAIN_BLOCKS and d.path == config.path for d in config.directives):
        return "main"
    return None


def check_configs(configs: list[NginxConfig], roots: list[str], version: Version | None, max_file_size: int) -> tuple[list[Problem], dict[str, int]]:
    """nginx-parse-error problems for every loaded entry, and the line of the first block-structure
    error per file (after which that file's other errors are cascades)."""
    checker = _Checker(version, _EndLines(max_file_size))
    for config in configs:
        checker.walk(config.directives, top_context(config, roots))
    seen: set[tuple[str, int, str]] = set()
    unique = []
    for problem in checker.problems:
        key = (problem.path, problem.line, problem.message)
        if key not in seen:
            seen.add(key)
            unique.append(problem)
    return unique, checker.broken


class _EndLines:
    """The line of a statement's `;` or `{`, read again from its file (only on errors)."""

    def __init__(self, max_file_size: int) -> None:
        self.max_file_size = max_file_size
        self.scans: dict[str, object] = {}

    def __call__(self, directive: Directive) -> int:
        from nglint.sources.nginx.syntax import scan

        found = self.scans.get(directive.path)
        if found is None:
            from nglint.boundary import Refused, open_limited

            try:
                found = scan(open_limited(directive.path, self.max_file_size))
            except Refused:
                found = False
            self.scans[directive.path] = found
        if not found:
            return directive.line
        for stmt in found.flat:  # type: ignore[attr-defined]
            if stmt.name == directive.name and stmt.line == directive.line:
                return stmt.end_line
        return directive.line


def drop_cascades(problems: Iterable[Problem], broken: dict[str, int]) -> list[Problem]:
    """Parse errors a block-structure error earlier in the same file caused."""
    return [p for p in problems if not (p.kind == NGINX_PARSE_ERROR and p.path in broken and p.line >= broken[p.path])]
