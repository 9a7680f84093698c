"""Byte-exact edits of a controller's settings map (ConfigMap `data`, chart `config`).

The key line comes from a template (checks/keepalive/ka001_k8s.j2); where it goes and
how it is indented and quoted comes from the file: a changed value keeps its quoting
style and everything around it, a new key goes after the map's last entry with the
first entry's indentation, quoting and line ending. A map written in flow style
(`data: {a: "1"}`) is not rewritten except when it is empty (`{}`).
"""

from __future__ import annotations

from nglint.fixer.layout import NoFix
from nglint.fixer.model import Edit, Fix, digest, edit_region
from nglint.fixer.render import render_lines
from nglint.sources.k8s.yamlnodes import Mark, YMap

TEMPLATE = "ka001_k8s.j2"


class _Text:
    """A file's bytes with line starts, mapping libyaml (line, column) to byte offsets."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
        self.starts = [0]
        position = data.find(b"\n")
        while position != -1:
            self.starts.append(position + 1)
            position = data.find(b"\n", position + 1)
        self.newline = "\r\n" if b"\r\n" in data else "\n"

    def offset(self, line: int, column: int) -> int:
        """Byte offset of 1-based `line`, 0-based code-point `column`."""
        if line > len(self.starts):
            return len(self.data)
        start = self.starts[line - 1] + (self.bom if line == 1 else 0)
        end = self.starts[line] if line < len(self.starts) else len(self.data)
        text = self.data[start:end].decode("utf-8", errors="surrogateescape")
        return start + len(text[:column].encode("utf-8", errors="surrogateescape"))

    def line_end(self, line: int) -> int:
        """Offset just after the newline ending `line` (end of data for the last line)."""
        return self.starts[line] if line < len(self.starts) else len(self.data)


def set_timeout(rule, finding, project, setting, value: str):
    """A Fix setting `setting.key` to `value` in the map the handle names, or None."""
    if setting.handle is None:
        return None
    controller, config = setting.handle
    from nglint.boundary import DEFAULT_MAX_SIZE, Refused, open_limited

    try:
        data = open_limited(setting.path, DEFAULT_MAX_SIZE)
    except Refused:
        return None
    text = _Text(data)
    key = setting.key
    backend = finding.data.get("backend_label", "the backend")
    try:
        if setting.exists and config.mapping is not None and key in config.mapping:
            edit = _replace_value(text, setting.path, config.mapping, key, value)
        else:
            edit = _add_key(text, setting.path, config, key, value, backend, finding)
    except NoFix:
        return None
    edit = Edit(edit.path, edit.start, edit.end, edit.text, region=edit_region(data, edit))
    return Fix(rule.code, rule.fix_safety or "safe",
               f"Set {key} to {value} in {config.describe} ({controller.product} {controller.version_text})",
               [edit], {setting.path: digest(data)})


def _replace_value(text: _Text, path: str, mapping: YMap, key: str, value: str) -> Edit:
    mark: Mark = mapping.value_marks.get(key)
    if mark is None or mark.style not in ("", '"', "'") or mark.line != mark.end_line:
        raise NoFix("the value is not a one-line scalar")
    quote = mark.style or ""
    start, end = text.offset(mark.line, mark.column), text.offset(mark.end_line, mark.end_column)
    return Edit(path, start, end, f"{quote}{value}{quote}")


def _add_key(text: _Text, path: str, config, key: str, value: str, backend: str, finding) -> Edit:
    mapping = config.mapping
    timeout = finding.data.get("backend_timeout_ms")
    note = f"{backend} closes idle connections after {timeout // 1000}s" if isinstance(timeout, int) else ""
    if mapping is not None and mapping.mark is not None and mapping.mark.style != "flow" and mapping:
        first = next(iter(mapping))
        quote = _quote_of(mapping)
        indent = " " * mapping.key_marks[first].column
        last = list(mapping)[-1]
        last_mark = mapping.value_marks.get(last) or mapping.key_marks[last]
        if last_mark.style in ("|", ">") or last_mark.style is None:
            at = text.offset(last_mark.end_line, 0) if last_mark.end_column == 0 else text.line_end(last_mark.end_line)
        else:
            at = text.line_end(last_mark.end_line)
        lines = render_lines(TEMPLATE, key=key, value=f"{quote}{value}{quote}", note=note)
        prefix = "" if at == 0 or text.data[at - 1:at] == b"\n" else text.newline
        return Edit(path, at, at, prefix + "".join(indent + line + text.newline for line in lines))
    owner = config.owner
    if config.owner_key in owner:
        # `data: {}` or `data:` with nothing under it: write the map in block style.
        key_mark = owner.key_marks[config.owner_key]
        value_mark = owner.value_marks.get(config.owner_key)
        indent = " " * (key_mark.column + 2)
        lines = render_lines(TEMPLATE, key=key, value=f'"{value}"', note=note)
        block = "".join(text.newline + indent + line for line in lines)
        if isinstance(mapping, YMap) and not mapping and value_mark is not None and value_mark.style == "flow":
            start = text.offset(value_mark.line, value_mark.column)
            end = text.offset(value_mark.end_line, value_mark.end_column)
            head = text.offset(key_mark.line, key_mark.column) + len(config.owner_key.encode()) + 1  # after `data:`
            return Edit(path, head, end, block) if text.data[head:start].strip() == b"" else _no_fix()
        if owner.get(config.owner_key) is None and value_mark is not None:
            head = text.offset(key_mark.line, key_mark.column) + len(config.owner_key.encode()) + 1
            end_of_line = text.line_end(key_mark.line)
            rest = text.data[head:end_of_line].strip()
            if rest and not rest.startswith(b"#") and rest not in (b"null", b"~"):
                raise NoFix("the settings key holds a value nglint does not rewrite")
            return Edit(path, end_of_line - len(text.newline), end_of_line - len(text.newline), block)
        raise NoFix("the settings map is written in a style nglint does not rewrite")
    if owner.mark is None or owner.mark.style == "flow" or not owner:
        raise NoFix("no block-style map to add the settings to")
    indent = " " * next(iter(owner.key_marks.values())).column
    last = list(owner)[-1]
    last_mark = owner.value_marks.get(last) or owner.key_marks[last]
    at = text.offset(last_mark.end_line, 0) if last_mark.end_column == 0 else text.line_end(last_mark.end_line)
    lines = render_lines(TEMPLATE, key=key, value=f'"{value}"', note=note)
    prefix = "" if at == 0 or text.data[at - 1:at] == b"\n" else text.newline
    body = indent + config.owner_key + ":" + text.newline + "".join(indent + "  " + line + text.newline for line in lines)
    return Edit(path, at, at, prefix + body)


def _quote_of(mapping: YMap) -> str:
    for mark in mapping.value_marks.values():
        if mark is not None and mark.style in ('"', "'"):
            return mark.style
    return '"'


def _no_fix():
    raise NoFix("the settings map is written in a style nglint does not rewrite")
