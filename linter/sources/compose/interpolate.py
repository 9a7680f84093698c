"""Compose variable interpolation: `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
`${VAR:?error}`, `${VAR:+alt}`, `$VAR` and the `$$` escape, from the project's `.env`.

nglint never reads its own process environment: a value that only the deploying shell
would provide stays written as `${VAR}`, so whichever reader meets it says it is unknown.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\{[^{}]*\})*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def interpolate(text: str, values: dict[str, str]) -> str:
    def one(match: re.Match) -> str:
        whole = match.group(0)
        if whole == "$$":
            return "$"
        name = match.group(1) or match.group(4)
        operator, word = match.group(2), match.group(3) or ""
        value = values.get(name)
        if operator == ":-":
            return value if value else interpolate(word, values)
        if operator == "-":
            return value if value is not None else interpolate(word, values)
        if operator in (":+", "+"):
            return interpolate(word, values) if (value if operator == ":+" else value is not None) else ""
        if value is None:
            return "${" + name + "}"  # unknown: left for the reader to report
        return value

    if "$" not in text:
        return text
    return _TOKEN.sub(one, text)


def read_env_file(text: str) -> dict[str, str]:
    """`KEY=value` lines (`export` allowed, quotes stripped, `#` comments) as compose reads .env."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[7:].lstrip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", key):
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key] = value
    return values
