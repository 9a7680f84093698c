"""haproxy.cfg as sections of tokenized lines, with `defaults` inheritance resolved.

HAProxy's format is line based: a section keyword (`global`, `defaults [NAME] [from
OTHER]`, `frontend`/`backend`/`listen NAME [from DEFAULTS]`, and others nglint has no use
for) opens a section that runs to the next one. A proxy takes its initial settings from
the `defaults` section it names with `from`, else from the last one before it; a
defaults section may itself start `from` another. This module knows only that format:
which values govern idle connections is the reader's business.
"""

from __future__ import annotations

from nglint.records import field, record

PROXY_SECTIONS = frozenset({"defaults", "frontend", "backend", "listen"})
OTHER_SECTIONS = frozenset({"global", "userlist", "peers", "resolvers", "mailers", "cache", "program", "http-errors",
                            "ring", "fcgi-app", "crt-store", "log-forward", "traces", "acme", "dynamic-update"})
SECTIONS = PROXY_SECTIONS | OTHER_SECTIONS
# HAProxy refuses longer lines (MAX_LINE_ARGS, LINESIZE); past them a file is not a config.
MAX_ARGS = 64
_UNITS = {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


@record(frozen=True)
class Line:
    """One statement: its words (quotes and escapes removed) and its line number."""

    words: tuple[str, ...]
    line: int


@record
class Section:
    """One section with its own lines; `base` is the defaults section it inherits from."""

    kind: str
    name: str
    line: int
    lines: list[Line] = field(default_factory=list)
    from_name: str | None = None
    base: "Section | None" = None

    def chain(self) -> list["Section"]:
        """This section then its defaults, nearest first (a cycle stops the walk)."""
        found, seen, section = [], set(), self
        while section is not None and id(section) not in seen:
            seen.add(id(section))
            found.append(section)
            section = section.base
        return found

    def last(self, predicate) -> Line | None:
        """The last line of this section or, failing that, of its defaults, matching `predicate`."""
        for section in self.chain():
            match = next((line for line in reversed(section.lines) if predicate(line.words)), None)
            if match is not None:
                return match
        return None


@record
class HaproxyConfig:
    sections: list[Section] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    def proxies(self, *kinds: str) -> list[Section]:
        return [section for section in self.sections if section.kind in kinds]


def split_words(text: str) -> tuple[list[str], str | None]:
    """The words of one line as HAProxy splits them (blanks separate; `'...'` and `"..."`
    quote; a backslash escapes; `#` outside quotes starts a comment), or an error."""
    words: list[str] = []
    current: list[str] = []
    started = False
    quote = None
    index = 0
    while index < len(text):
        char = text[index]
        if quote:
            if char == quote:
                quote = None
            elif char == "\\" and quote == '"' and index + 1 < len(text):
                index += 1
                current.append(text[index])
            else:
                current.append(char)
        elif char in "'\"":
            quote, started = char, True
        elif char == "\\" and index + 1 < len(text):
            index += 1
            current.append(text[index])
            started = True
        elif char == "#":
            break
        elif char in " \t":
            if started:
                words.append("".join(current))
                current, started = [], False
        else:
            current.append(char)
            started = True
        index += 1
    if quote:
        return words, "unterminated quote"
    if started:
        words.append("".join(current))
    return words, None


def parse(text: str) -> HaproxyConfig:
    """Sections of `text` with their `defaults` resolved; errors are (line, reason) records."""
    config = HaproxyConfig()
    current: Section | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        words, error = split_words(raw)
        if error:
            config.errors.append((number, error))
            continue
        if not words:
            continue
        if len(words) > MAX_ARGS:
            config.errors.append((number, f"more than {MAX_ARGS} words on one line"))
            continue
        keyword = words[0]
        if keyword in SECTIONS:
            current = _open_section(config, words, number)
            continue
        if keyword.startswith("."):
            continue  # conditional blocks (.if/.endif) and diagnostics directives: all lines are kept
        if current is None:
            config.errors.append((number, f"'{keyword}' outside any section"))
            continue
        current.lines.append(Line(tuple(words), number))
    _resolve_defaults(config)
    return config


def _open_section(config: HaproxyConfig, words: list[str], number: int) -> Section:
    kind = words[0]
    rest = words[1:]
    from_name = None
    if "from" in rest:
        at = rest.index("from")
        from_name = rest[at + 1] if at + 1 < len(rest) else ""
        rest = rest[:at]
    name = rest[0] if rest else ""
    section = Section(kind, name, number, from_name=from_name)
    if kind in PROXY_SECTIONS and kind != "defaults" and not name:
        config.errors.append((number, f"'{kind}' without a name"))
    config.sections.append(section)
    return section


def _resolve_defaults(config: HaproxyConfig) -> None:
    """Each proxy's base: the named defaults its `from` designates, else the last defaults
    section before it. A missing name is an error, and that proxy inherits nothing."""
    named: dict[str, Section] = {}
    last: Section | None = None
    for section in config.sections:
        if section.kind not in PROXY_SECTIONS:
            continue
        if section.from_name is not None:
            section.base = named.get(section.from_name)
            if section.base is None:
                config.errors.append((section.line, f"defaults section '{section.from_name}' is not defined before it"))
        elif section.kind != "defaults":
            section.base = last
        if section.kind == "defaults":
            if section.name:
                named[section.name] = section
            last = section


def duration_ms(text: str) -> float | None:
    """An HAProxy time (`5000` ms by default, `5s`, `1m`, `100us`...) in ms, or None."""
    number = text.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = text[len(number):] or "ms"
    if not number.isdigit() or unit not in _UNITS:
        return None
    return int(number) * _UNITS[unit]
