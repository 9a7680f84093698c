"""The backend-side alternative to an nginx fix: raise the server's idle timeout instead.

When a server closes idle connections very early (gunicorn's 2s behind a 60s pool),
lowering nginx's timeout to 1s throws away most of the pool's value; raising the server's
timeout above nginx's is often the better knob. nglint never applies this change (it
changes another tier's behaviour): it is shown with the finding, at the line that sets
the value, or where the setting would go, in the format of that file.
"""

from __future__ import annotations

import os
import re

from nglint.records import record
from nglint.tiers.model import DEFAULT, FILE

# (backend kind, provenance key) -> (unit of the value, regex of the written setting, replacement template)
_WRITTEN = {
    ("gunicorn", "keepalive"): ("s", r"\bkeepalive\s*=\s*[^#\n]+", "keepalive = {value}"),
    ("gunicorn", "--keep-alive"): ("s", r"--keep-alive(?:=|\s+)\S+", "--keep-alive {value}"),
    ("uvicorn", "--timeout-keep-alive"): ("s", r"--timeout-keep-alive(?:=|\s+)\S+", "--timeout-keep-alive {value}"),
    ("uvicorn", "UVICORN_TIMEOUT_KEEP_ALIVE"): ("s", r"UVICORN_TIMEOUT_KEEP_ALIVE(\s*[=:]\s*)[\"']?\d+[\"']?", "UVICORN_TIMEOUT_KEEP_ALIVE\\g<1>{value}"),
    ("uvicorn", "timeout_keep_alive"): ("s", r"timeout_keep_alive\s*=\s*[^,)\n]+", "timeout_keep_alive={value}"),
    ("node", "keepAliveTimeout"): ("ms", r"keepAliveTimeout(\s*[=:]\s*)[^;,}\n]+", "keepAliveTimeout\\g<1>{value}"),
}
# backend kind -> (unit, what to add where the default applies)
_ADDED = {
    "gunicorn": ("s", "keepalive = {value} in gunicorn.conf.py (or --keep-alive {value} on the command line)"),
    "uvicorn": ("s", "--timeout-keep-alive {value} on uvicorn's command line"),
    "node": ("ms", "server.keepAliveTimeout = {value} on the server listen() returns"),
    "spring": ("s", "server.tomcat.keep-alive-timeout={value}s in application.properties"),
}


@record(frozen=True)
class BackendChange:
    """A suggested edit of the backend's own setting: `text` replaces `old` on `path:line`
    (`old` empty: add `text` there)."""

    path: str
    line: int
    old: str
    text: str
    seconds: int

    def describe(self) -> str:
        where = f"{os.path.basename(self.path)}:{self.line}"
        if self.old:
            return f"{self.old} -> {self.text} ({where})"
        return f"{self.text} ({where})"


def needed_seconds(client_ms: int, margin) -> int:
    """The smallest whole seconds a server may keep idle connections so that a client
    keeping them `client_ms` closes first, with the margin."""
    seconds = max(1, -(-client_ms // 1000))
    while seconds * 1000 - margin.required_gap_ms(seconds * 1000) < client_ms:
        seconds += 1
    return seconds


def backend_change(backend, client_ms: int, margin) -> BackendChange | None:
    """The server-side setting that makes `backend` outlive a client keeping `client_ms`."""
    provenance = backend.provenance
    if provenance is None or client_ms is None:
        return None
    seconds = needed_seconds(client_ms, margin)
    written = _WRITTEN.get((backend.kind, provenance.key)) if provenance.origin == FILE else None
    if written is None and backend.kind == "spring" and provenance.origin == FILE and provenance.key:
        written = ("s", re.escape(provenance.key) + r"(\s*[=:]\s*)\S+", provenance.key + "\\g<1>{value}s")
    if written is not None and provenance.path:
        unit, pattern, template = written
        line_text = _line(provenance.path, provenance.line)
        match = re.search(pattern, line_text) if line_text else None
        if match:
            value = seconds * 1000 if unit == "ms" else seconds
            new = match.expand(template.format(value=value))
            return BackendChange(provenance.path, provenance.line, match.group(0).strip(), new.strip(), seconds)
    if provenance.origin == DEFAULT and backend.kind in _ADDED:
        unit, template = _ADDED[backend.kind]
        value = seconds * 1000 if unit == "ms" else seconds
        return BackendChange(backend.location.path, backend.location.line, "", template.format(value=value), seconds)
    return None


def _line(path: str, line: int) -> str | None:
    from nglint.boundary import DEFAULT_MAX_SIZE, Refused, open_limited

    try:
        text = open_limited(path, DEFAULT_MAX_SIZE).decode("utf-8", errors="replace")
    except Refused:
        return None
    # Numbered as a text-mode file reads it: universal newlines.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if 1 <= line <= len(lines) and (line < len(lines) or lines[-1]):
        return lines[line - 1] + ("\n" if line < len(lines) else "")
    return None
