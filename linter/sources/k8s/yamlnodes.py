"""Multi-document YAML with line numbers, read from libyaml's events within fixed bounds.

Manifests come from pull requests, so reading must stay bounded whatever the bytes:
libyaml's composer recurses in C (a deep enough nesting crashes the interpreter) and
alias expansion is exponential (billion laughs). Documents are therefore built here
from the C parser's event stream, iteratively, with a depth limit, a budget of nodes
an alias may expand to, and a pre-scan that refuses pathological flow nesting before
libyaml sees it (its flow parser slows down quadratically). Values are plain Python
data with marks: `YMap` and `YSeq` are dict and list subclasses that remember where
each key and value sits, so messages and byte-exact fixes can point at them.
"""

from __future__ import annotations

import re

MAX_DEPTH = 64
MAX_NODES = 200_000  # per file, counting every value an alias repeats
MAX_FLOW_NESTING = 64

_INT = re.compile(r"[-+]?(?:0|[1-9][0-9_]*)$")
_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_BRACKETS = re.compile(rb"[\[\]{}]")


class YamlLimit(Exception):
    """The document exceeds a reading bound; the message says which, with the line."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


class Mark:
    """Where a scalar or collection sits: 1-based line, 0-based column (code points),
    end line/column, and the scalar style ('' plain, '"', "'", '|', '>', None for
    collections and flow collections marked 'flow')."""

    __slots__ = ("line", "column", "end_line", "end_column", "style")

    def __init__(self, line: int, column: int, end_line: int, end_column: int, style) -> None:
        self.line, self.column, self.end_line, self.end_column, self.style = line, column, end_line, end_column, style

    def __reduce__(self):
        return (Mark, (self.line, self.column, self.end_line, self.end_column, self.style))

    def __repr__(self) -> str:
        return f"Mark({self.line}:{self.column}-{self.end_line}:{self.end_column} {self.style!r})"


class YMap(dict):
    """A mapping with `mark` (its own place), `key_marks` and `value_marks` by key,
    `source` (the file it was read from) and `sources` (keys a patch from another file
    set, by key: that file)."""

    def __init__(self, source: str | None = None) -> None:
        super().__init__()
        self.mark: Mark | None = None
        self.key_marks: dict = {}
        self.value_marks: dict = {}
        self.source = source
        self.sources: dict = {}

    def source_of(self, key) -> str | None:
        """The file the value of `key` was written in."""
        return self.sources.get(key, self.source)

    def line_of(self, key) -> int:
        mark = self.key_marks.get(key)
        return mark.line if mark is not None else (self.mark.line if self.mark else 1)

    def __reduce__(self):
        return (_rebuild_map, (dict(self), self.mark, self.key_marks, self.value_marks, self.source, self.sources))


class YSeq(list):
    """A sequence with `mark` and `item_marks` (one per item)."""

    def __init__(self) -> None:
        super().__init__()
        self.mark: Mark | None = None
        self.item_marks: list = []

    def __reduce__(self):
        return (_rebuild_seq, (list(self), self.mark, self.item_marks))


def _rebuild_map(items, mark, key_marks, value_marks, source=None, sources=None) -> YMap:
    built = YMap(source)
    built.update(items)
    built.mark, built.key_marks, built.value_marks = mark, key_marks, value_marks
    built.sources = sources or {}
    return built


def _rebuild_seq(items, mark, item_marks) -> YSeq:
    built = YSeq()
    built.extend(items)
    built.mark, built.item_marks = mark, item_marks
    return built


class Document:
    """One YAML document: its root value and the 1-based line it starts on."""

    __slots__ = ("root", "line")

    def __init__(self, root, line: int) -> None:
        self.root, self.line = root, line

    def __reduce__(self):
        return (Document, (self.root, self.line))


def check_flow_nesting(data: bytes) -> int | None:
    """The 1-based line where flow brackets nest deeper than MAX_FLOW_NESTING, or None.

    Quotes are not tracked, so a block scalar full of unbalanced brackets may be refused:
    a bound that errs towards refusing is the price of never handing libyaml a bracket
    bomb. Files with few brackets skip the scan entirely.
    """
    if data.count(b"[") + data.count(b"{") <= MAX_FLOW_NESTING:
        return None
    depth = 0
    for match in _BRACKETS.finditer(data):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > MAX_FLOW_NESTING:
                return data.count(b"\n", 0, match.start()) + 1
        elif depth:
            depth -= 1
    return None


def load_documents(text: str, path: str | None = None) -> list[Document]:
    """Every document of `text`; raises yaml.YAMLError on malformed YAML and YamlLimit
    when a bound is exceeded."""
    import yaml

    loader = yaml.CSafeLoader(text)
    try:
        return _Builder(loader, path).documents()
    finally:
        loader.dispose()


class _Builder:
    """Turns events into documents with an explicit stack (no recursion)."""

    def __init__(self, loader, path: str | None) -> None:
        self.loader = loader
        self.path = path
        self.nodes = 0

    def documents(self) -> list[Document]:
        import yaml

        loader = self.loader
        documents: list[Document] = []
        anchors: dict = {}
        stack: list = []  # [container, pending key, pending key mark, anchor, start mark]
        root = None
        start_line = 1
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.DocumentStartEvent):
                anchors.clear()
                root, start_line = None, event.start_mark.line + 1
                continue
            if isinstance(event, yaml.DocumentEndEvent):
                documents.append(Document(root, start_line))
                continue
            if isinstance(event, (yaml.StreamStartEvent, yaml.StreamEndEvent)):
                continue
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if len(stack) >= MAX_DEPTH:
                    raise YamlLimit(f"nested more than {MAX_DEPTH} levels deep", event.start_mark.line + 1)
                container = YMap(self.path) if isinstance(event, yaml.MappingStartEvent) else YSeq()
                style = "flow" if event.flow_style else None
                container.mark = Mark(event.start_mark.line + 1, event.start_mark.column, 0, 0, style)
                stack.append([container, _NO_KEY, None, event.anchor, 1])
                self._count(event)
                continue
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                container, _, _, anchor, size = stack.pop()
                container.mark.end_line, container.mark.end_column = event.end_mark.line + 1, event.end_mark.column
                if anchor is not None:
                    anchors[anchor] = (container, size)
                value, mark = container, container.mark
            elif isinstance(event, yaml.AliasEvent):
                if event.anchor not in anchors:
                    raise YamlLimit(f"alias *{event.anchor} names no anchor", event.start_mark.line + 1)
                value, size = anchors[event.anchor]
                self.nodes += size
                if self.nodes > MAX_NODES:
                    raise YamlLimit(f"aliases expand to more than {MAX_NODES} values", event.start_mark.line + 1)
                mark = _mark(event, None)
            else:  # ScalarEvent
                self._count(event)
                value = _scalar(event)
                mark = _mark(event, event.style or "")
                size = 1
                if event.anchor is not None:
                    anchors[event.anchor] = (value, 1)
            if not stack:
                root = value
                continue
            top = stack[-1]
            top[4] += size
            container = top[0]
            if isinstance(container, YSeq):
                container.append(value)
                container.item_marks.append(mark)
            elif top[1] is _NO_KEY:
                top[1], top[2] = _hashable(value), mark
            else:
                key = top[1]
                if key == "<<" and isinstance(value, (YMap, YSeq)):
                    _merge(container, value)
                else:
                    container[key] = value
                    container.key_marks[key] = top[2]
                    container.value_marks[key] = mark
                top[1], top[2] = _NO_KEY, None
        return documents

    def _count(self, event) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise YamlLimit(f"more than {MAX_NODES} values", event.start_mark.line + 1)


_NO_KEY = object()


def _mark(event, style) -> Mark:
    return Mark(event.start_mark.line + 1, event.start_mark.column, event.end_mark.line + 1, event.end_mark.column, style)


def _scalar(event):
    """YAML 1.1 core resolution of the few types manifests use; quoted scalars stay text."""
    value = event.value
    if event.style or (event.tag not in (None, "!")):
        return value
    if value in _NULL:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if _INT.match(value):
        try:
            return int(value.replace("_", ""))
        except ValueError:
            return value
    return value


def _hashable(key):
    return key if not isinstance(key, (YMap, YSeq)) else repr(key)



def _merge(target: YMap, source) -> None:
    """`<<: *base` merge keys: keys already present win."""
    for mapping in source if isinstance(source, YSeq) else [source]:
        if isinstance(mapping, YMap):
            for key, value in mapping.items():
                if key not in target:
                    target[key] = value
                    target.key_marks[key] = mapping.key_marks.get(key)
                    target.value_marks[key] = mapping.value_marks.get(key)
                    target.sources[key] = mapping.source_of(key)
