"""Java `.properties` files (catalina.properties) and Tomcat's `${name}` substitution.

Tomcat replaces `${name}` and `${name:-default}` in server.xml attributes from system
properties, which it loads from conf/catalina.properties. nglint reads that file next
to or above server.xml so a Connector's `port="${http.port}"` still links.
"""

from __future__ import annotations

import re

_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


def parse_properties(text: str) -> dict[str, str]:
    """Parse Java properties text: `key=value`, `key: value`, `key value`, `#`/`!` comments,
    backslash line continuations and escapes."""
    result: dict[str, str] = {}
    logical = ""
    for raw in text.splitlines():
        line = raw.lstrip() if not logical else raw.lstrip()
        if not logical and (not line or line[0] in "#!"):
            continue
        if _ends_with_continuation(line):
            logical += line[:-1]
            continue
        logical += line
        key, value = _split_key_value(logical)
        if key:
            result[key] = value
        logical = ""
    if logical:
        key, value = _split_key_value(logical)
        if key:
            result[key] = value
    return result


def _ends_with_continuation(line: str) -> bool:
    count = len(line) - len(line.rstrip("\\"))
    return count % 2 == 1


def _split_key_value(line: str) -> tuple[str, str]:
    key_chars: list[str] = []
    index = 0
    while index < len(line):
        char = line[index]
        if char == "\\" and index + 1 < len(line):
            key_chars.append(_unescape_char(line[index + 1]))
            index += 2
            continue
        if char in "=: \t\f":
            break
        key_chars.append(char)
        index += 1
    rest = line[index:].lstrip(" \t\f")
    if rest[:1] in ("=", ":"):
        rest = rest[1:].lstrip(" \t\f")
    return "".join(key_chars), _unescape(rest)


def _unescape(text: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            nxt = text[index + 1]
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[index + 2 : index + 6] or ""):
                out.append(chr(int(text[index + 2 : index + 6], 16)))
                index += 6
                continue
            out.append(_unescape_char(nxt))
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _unescape_char(char: str) -> str:
    return {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}.get(char, char)


def substitute(value: str, properties: dict[str, str]) -> tuple[str, list[str]]:
    """Replace `${name}` / `${name:-default}` like Tomcat; return the result and unresolved names."""
    unresolved: list[str] = []

    def replace(match: re.Match[str]) -> str:
        body = match.group(1)
        name, sep, default = body.partition(":-")
        if name in properties:
            return properties[name]
        if sep:
            return default
        unresolved.append(name)
        return match.group(0)

    if "${" not in value:
        return value, unresolved
    # A scan, not _PLACEHOLDER.sub: the regex retries `[^}]*` from every `${` when no `}`
    # follows, which is quadratic (minutes for a 400 KB attribute of `${${${...`).
    out: list[str] = []
    pos = 0
    while True:
        start = value.find("${", pos)
        end = value.find("}", start + 2) if start >= 0 else -1
        if end < 0:
            out.append(value[pos:])
            return "".join(out), unresolved
        out.append(value[pos:start])
        out.append(replace(_PLACEHOLDER.fullmatch(value, start, end + 1)))
        pos = end + 1
