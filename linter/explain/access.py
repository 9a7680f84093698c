"""Access-log lines as extra evidence: which requests got a 502/504/499, by method and upstream.

An access log is recognised by its shape (`addr - user [time] "METHOD uri HTTP/x" status`),
not by its name, so it may be mixed into the same input (`kubectl logs` of an ingress
controller interleaves both). Formats differ; what is read is what the common ones share:
the request line and status, and when present `$upstream_addr` (the first `ip:port`
token after the status) and `$upstream_status` (the last three-digit token after that
address, as in the ingress-nginx format), or `upstream_addr=`/`upstream_status=` pairs.
"""

from __future__ import annotations

import re

_ACCESS = re.compile(rb'\S+ \S+ \S+ \[[^\]]{20,40}\] "([A-Z]{1,16}) [^"]*" (\d{3}) ')
_ADDRESS = re.compile(rb"(?:upstream_addr=|ua=)?((?:\d{1,3}\.){3}\d{1,3}:\d{1,5}|\[[0-9a-fA-F:]+\]:\d{1,5}|unix:[^\s,\"]+)")
_KEYED_STATUS = re.compile(rb"(?:upstream_status|us)=(\d{3})")
_STATUS_TOKEN = re.compile(rb"(?<![\w.:-])(\d{3})(?![\w.:-])")
INTERESTING = frozenset((b"499", b"502", b"503", b"504"))
MAX_KEYS = 1000


def looks_like_access(raw: bytes) -> bool:
    """Cheap shape test before any regex: a bracketed time followed by a quoted request."""
    return b'] "' in raw and b" [" in raw


class AccessEvidence:
    """Counts of access-log responses that matter for the causes: 499, 502, 503, 504."""

    def __init__(self) -> None:
        self.lines = 0
        self.with_upstream = 0
        # (status, method, upstream address or b"", upstream status or b"") -> count
        self.responses: dict[tuple[bytes, bytes, bytes, bytes], int] = {}

    def feed(self, raw: bytes) -> bool:
        """Count one line when it is an access-log line; False when it is not one."""
        match = _ACCESS.search(raw, 0, 512)
        if match is None:
            return False
        self.lines += 1
        method, status = match.group(1), match.group(2)
        rest = raw[match.end():]
        address_match = _ADDRESS.search(rest)
        address = address_match.group(1) if address_match else b""
        if address:
            self.with_upstream += 1
        if status not in INTERESTING:
            return True
        keyed = _KEYED_STATUS.search(rest)
        if keyed:
            upstream_status = keyed.group(1)
        elif address_match:
            tokens = _STATUS_TOKEN.findall(rest, address_match.end())
            upstream_status = tokens[-1] if tokens else b""
        else:
            upstream_status = b""
        key = (status, method, address, upstream_status)
        if key in self.responses or len(self.responses) < MAX_KEYS:
            self.responses[key] = self.responses.get(key, 0) + 1
        return True

    def merge(self, other: "AccessEvidence") -> None:
        self.lines += other.lines
        self.with_upstream += other.with_upstream
        for key, count in other.responses.items():
            if key in self.responses or len(self.responses) < MAX_KEYS:
                self.responses[key] = self.responses.get(key, 0) + count

    def summary(self) -> dict:
        """Per status: total, by method, by upstream address (plain str for the reporters)."""
        out: dict[str, dict] = {}
        for (status, method, address, upstream_status), count in sorted(self.responses.items()):
            entry = out.setdefault(status.decode(), {"count": 0, "methods": {}, "upstreams": {}, "upstream_statuses": {}})
            entry["count"] += count
            for name, key in (("methods", method), ("upstreams", address), ("upstream_statuses", upstream_status)):
                if key:
                    text = key.decode("utf-8", "replace")
                    entry[name][text] = entry[name].get(text, 0) + count
        return out
