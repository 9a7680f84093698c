"""Time and size values: nginx syntax on one side, Tomcat milliseconds on the other.

All durations inside nglint are integer milliseconds so comparisons and suggested
values are exact; `None` stands for "never times out" where a backend allows it.
"""

from __future__ import annotations

import re

# nginx's ngx_parse_time units; "M" is a 30-day month, "y" a 365-day year.
_NGINX_TIME_UNITS_MS = {
    "ms": 1,
    "s": 1000,
    "m": 60_000,
    "h": 3_600_000,
    "d": 86_400_000,
    "w": 7 * 86_400_000,
    "M": 30 * 86_400_000,
    "y": 365 * 86_400_000,
}
_NGINX_TIME_PART = re.compile(r"\s*(\d+)(ms|s|m|h|d|w|M|y)?\s*")
_NGINX_SIZE = re.compile(r"^(\d+)([kKmMgG]?)$")
_SIZE_FACTORS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


class UnitError(ValueError):
    """A value that nginx or Tomcat itself would refuse."""


def parse_nginx_time(text: str) -> int:
    """Milliseconds from an nginx time value: `500ms`, `15s`, `1m30s`, `60` (seconds).

    Like nginx, each unit may appear once and in decreasing order; a bare number is
    seconds, and only the last part may omit its unit.
    """
    if not text or not text.strip():
        raise UnitError("empty time value")
    pos, total, last_rank = 0, 0, None
    ranks = ["y", "M", "w", "d", "h", "m", "s", "ms"]
    while pos < len(text):
        match = _NGINX_TIME_PART.match(text, pos)
        if not match or match.end() == pos:
            raise UnitError(f"invalid time value {text!r}")
        number, unit = int(match.group(1)), match.group(2)
        if unit is None:
            if match.end() != len(text):
                raise UnitError(f"invalid time value {text!r}")
            unit = "s"
        rank = ranks.index(unit)
        if last_rank is not None and rank <= last_rank:
            raise UnitError(f"invalid time value {text!r}: units out of order")
        last_rank = rank
        total += number * _NGINX_TIME_UNITS_MS[unit]
        pos = match.end()
    return total


def parse_nginx_size(text: str) -> int:
    """Bytes from an nginx size value: `8k`, `1m`, `1024`."""
    match = _NGINX_SIZE.match(text.strip())
    if not match:
        raise UnitError(f"invalid size value {text!r}")
    return int(match.group(1)) * _SIZE_FACTORS[match.group(2).lower()]


def parse_tomcat_millis(text: str) -> int | None:
    """Milliseconds from a Tomcat timeout attribute; negative values mean infinite (None)."""
    value = text.strip()
    if not re.fullmatch(r"[+-]?\d+", value):
        raise UnitError(f"invalid millisecond value {text!r}")
    number = int(value)
    return None if number < 0 else number


def parse_duration(text: str) -> int:
    """A duration written by a user in nglint's own config: nginx syntax (`5s`, `1500ms`)."""
    return parse_nginx_time(str(text))


def format_ms(ms: int | None) -> str:
    """Human form used in messages, in nginx syntax: `20s`, `1500ms`, `infinite`."""
    if ms is None:
        return "infinite"
    if ms % 1000:
        return f"{ms}ms"
    return f"{ms // 1000}s"
