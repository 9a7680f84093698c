"""One nginx error-log line, bytes in, fields out.

nginx writes `ngx_log_error` lines in one shape:

    2025/10/09 20:26:23 [error] 30#30: *18 connect() failed (111: Connection refused)
        while connecting to upstream, client: 172.19.0.1, server: localhost,
        request: "GET / HTTP/1.1", upstream: "http://172.20.0.2:80/", host: "127.0.0.1"

time, level, pid#tid, an optional connection id (`*18`), the message (which may end in
an action, "while ..."), then the request context nginx appends in a fixed order:
client, server, request, subrequest, upstream, host, referrer. Collectors put their own
prefix in front (kubectl --prefix/--timestamps, journalctl, docker logs -t, compose):
the nginx part is found by its timestamp, whatever comes before it.

Lines are bytes and stay bytes: the log is not ours to re-encode, and a sample shown to
the user must be the line as written. Parsing uses `find` and slicing (C speed) on the
common shape and one regex only when the line does not start with a timestamp.
"""

from __future__ import annotations

import re

# A timestamp nginx wrote, then the level; searched for when something precedes it.
_PREFIXED = re.compile(rb"(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) \[([a-z]+)\] ")
# nginx's own stderr before logging is set up: "nginx: [emerg] ...".
_NO_TIME = re.compile(rb"nginx: \[([a-z]+)\] ")
# How far into a line a collector's prefix may reach before the nginx timestamp.
PREFIX_LIMIT = 256
_ERRNO = re.compile(rb"\((\d+): ")

LEVELS = frozenset((b"debug", b"info", b"notice", b"warn", b"error", b"crit", b"alert", b"emerg"))

_CLIENT = b", client: "
_WHILE = b" while "
class ErrorLine:
    """The fields of one error-log line. Every text field is bytes (or None when absent).

    `message` is what nginx said, without the connection id and without the request
    context; `action` is its "while ..." part (also still inside `message`), `what`
    the part before it. `raw` is the whole line as read, prefix included, without the
    line break.
    """

    __slots__ = (
        "raw", "time", "level", "pid", "tid", "connection", "message", "client", "server", "request", "upstream", "host",
    )

    def __init__(self, raw, time, level, pid, tid, connection, message, client, server, request, upstream, host):
        self.raw = raw
        self.time = time
        self.level = level
        self.pid = pid
        self.tid = tid
        self.connection = connection
        self.message = message
        self.client = client
        self.server = server
        self.request = request
        self.upstream = upstream
        self.host = host

    @property
    def action(self) -> bytes | None:
        return split_action(self.message)[1]

    @property
    def what(self) -> bytes:
        return split_action(self.message)[0]

    @property
    def errno(self) -> int | None:
        return message_errno(self.message)

    @property
    def method(self) -> bytes | None:
        return request_method(self.request)

    @property
    def upstream_address(self) -> bytes | None:
        return upstream_address(self.upstream)

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__[1:] if getattr(self, name) is not None)
        return f"ErrorLine({fields})"


def parse_line(raw: bytes) -> ErrorLine | None:
    """The fields of one line (without its line break), or None when it is not an nginx
    error-log line. Never raises; linear in the length of the line."""
    head = split_head(raw)
    if head is None:
        match = _NO_TIME.match(raw)
        if match is None:
            return None
        return ErrorLine(raw, None, match.group(1), None, None, None, raw[match.end():], None, None, None, None, None)
    time, level, pid, tid, connection, body = head
    cut = raw.find(_CLIENT, body)
    if cut < 0:
        return ErrorLine(raw, time, level, pid, tid, connection, raw[body:], None, None, None, None, None)
    return ErrorLine(raw, time, level, pid, tid, connection, raw[body:cut], *context(raw, cut))


def split_head(raw: bytes) -> tuple | None:
    """(time, level, pid, tid, connection id, offset of the message) of a line with an
    nginx timestamp at its start or after a collector's prefix; None otherwise."""
    start = nginx_start(raw)
    if start < 0:
        return None
    close = raw.find(b"] ", start + 21, start + 32)
    if close < 0:
        return None
    level = raw[start + 21:close]
    if level not in LEVELS:
        return None
    body = close + 2
    pid = tid = connection = None
    # "pid#tid: " then "*connection " when there is one; the hot loop in aggregate.py
    # cuts the same way, without converting the numbers.
    colon = raw.find(b": ", body, body + 48)
    if colon > 0:
        hash_at = raw.find(b"#", body, colon)
        if hash_at > 0:
            pid, tid = _number(raw[body:hash_at]), _number(raw[hash_at + 1:colon])
            body = colon + 2
            if raw.startswith(b"*", body):
                space = raw.find(b" ", body, body + 24)
                if space > 0:
                    connection = _number(raw[body + 1:space])
                    body = space + 1
    return raw[start:start + 19], level, pid, tid, connection, body


def nginx_start(raw: bytes) -> int:
    """Where nginx's timestamp (and level) begins: 0 for a plain line, after a
    collector's prefix otherwise, -1 when there is none within PREFIX_LIMIT.

    The first " [" at or after offset 19 bounds where a timestamp can start (one needs
    " [" 19 bytes after its start), so an anchored match there is the first match when
    it succeeds: one C-level find and one anchored regex per prefixed line instead of a
    regex tried at every offset (kubectl and journalctl logs prefix every line). The
    full search decides the rest, so the answer is always the search's."""
    if raw[4:5] == b"/" and raw[19:21] == b" [":
        return 0
    bracket = raw.find(b" [", 19, PREFIX_LIMIT)
    if bracket < 0:
        return -1
    if _PREFIXED.match(raw, bracket - 19, PREFIX_LIMIT) is not None:
        return bracket - 19
    match = _PREFIXED.search(raw, 0, PREFIX_LIMIT)
    return -1 if match is None else match.start()


def _number(text: bytes) -> int | None:
    return int(text) if text.isdigit() and len(text) < 20 else None


def context(raw: bytes, cut: int) -> tuple:
    """(client, server, request, upstream, host) from the context nginx appends at `cut`
    (the position of ", client: "). Each marker is searched after the previous one found,
    so a value that contains a later marker's text cannot shift the earlier fields; each
    value runs to the next marker found. Straight-line code: this runs for every line."""
    at = cut + 10
    server_at = raw.find(b", server: ", at)
    after = server_at + 10 if server_at >= 0 else at
    request_at = raw.find(b', request: "', after)
    if request_at >= 0:
        after = request_at + 12
    sub_at = raw.find(b', subrequest: "', after)
    if sub_at >= 0:
        after = sub_at + 15
    upstream_at = raw.find(b', upstream: "', after)
    if upstream_at >= 0:
        after = upstream_at + 13
    host_at = raw.find(b', host: "', after)
    if host_at >= 0:
        after = host_at + 9
    stop = raw.find(b', referrer: "', after)
    if stop < 0:
        stop = len(raw)
    server = request = upstream = host = None
    # Backwards: each value ends where the marker after it begins.
    if host_at >= 0:
        host = raw[host_at + 9:stop - 1 if raw[stop - 1:stop] == b'"' else stop]
        stop = host_at
    if upstream_at >= 0:
        upstream = raw[upstream_at + 13:stop - 1 if raw[stop - 1:stop] == b'"' else stop]
        stop = upstream_at
    if sub_at >= 0:
        stop = sub_at
    if request_at >= 0:
        request = raw[request_at + 12:stop - 1 if raw[stop - 1:stop] == b'"' else stop]
        stop = request_at
    if server_at >= 0:
        server = raw[server_at + 10:stop]
        stop = server_at
    return raw[at:stop], server, request, upstream, host


def where_to(raw: bytes, cut: int, methods: dict[bytes, bytes | None]) -> tuple:
    """(server, method, upstream address, host) of the context at `cut`: the fields that
    say where a line went, as `context()` followed by `request_method()` and
    `upstream_address()` give them (a property test holds the two to each other), in
    one call for the hot loop. `methods` caches validated method tokens.

    It repeats context()'s marker scan on purpose: one shared function returning the
    spans of the fields cost 9% of the hot loop's time (measured on the bench log)."""
    at = cut + 10
    server_at = raw.find(b", server: ", at)
    after = server_at + 10 if server_at >= 0 else at
    request_at = raw.find(b', request: "', after)
    if request_at >= 0:
        after = request_at + 12
    sub_at = raw.find(b', subrequest: "', after)
    if sub_at >= 0:
        after = sub_at + 15
    upstream_at = raw.find(b', upstream: "', after)
    if upstream_at >= 0:
        after = upstream_at + 13
    host_at = raw.find(b', host: "', after)
    if host_at >= 0:
        after = host_at + 9
    stop = raw.find(b', referrer: "', after)
    if stop < 0:
        stop = len(raw)
    server = method = address = host = None
    # raw[stop - 1] == 34 is `raw[stop - 1:stop] == b'"'` without building a slice: stop is
    # past a marker here, so the index exists.
    if host_at >= 0:
        host = raw[host_at + 9:stop - 1 if raw[stop - 1] == 34 else stop]
        stop = host_at
    if upstream_at >= 0:
        begin = upstream_at + 13
        end = stop - 1 if raw[stop - 1] == 34 else stop
        scheme = raw.find(b"://", begin, end)
        slash = raw.find(b"/", scheme + 3, end) if scheme >= 0 else -1
        address = raw[begin:slash if slash >= 0 else end] or None
        stop = upstream_at
    if sub_at >= 0:
        stop = sub_at
    if request_at >= 0:
        begin = request_at + 12
        end = stop - 1 if raw[stop - 1] == 34 else stop
        space = raw.find(b" ", begin, end if end < begin + 17 else begin + 17)
        if space > begin:
            token = raw[begin:space]
            method = methods.get(token, False)
            if method is False:
                method = request_method(token + b" ")
                if len(methods) < 64:
                    methods[token] = method
        stop = request_at
    if server_at >= 0:
        server = raw[server_at + 10:stop]
    return server, method, address, host


def split_action(message: bytes) -> tuple[bytes, bytes | None]:
    """(what happened, "while ..." action without the word "while") of a message."""
    at = message.rfind(_WHILE)
    if at < 0:
        return message, None
    return message[:at], message[at + len(_WHILE):]


def message_errno(message: bytes) -> int | None:
    """The errno nginx printed in parentheses, `(104: Connection reset by peer)`."""
    if b"(" not in message:
        return None
    match = _ERRNO.search(message)
    return int(match.group(1)) if match and len(match.group(1)) <= 6 else None


def request_method(request: bytes | None) -> bytes | None:
    """`POST` of `POST /api HTTP/1.1`; None when there is no request line."""
    if not request:
        return None
    space = request.find(b" ")
    method = request[:space] if space > 0 else None
    return method if method and method.isalpha() and method.isupper() and len(method) <= 16 else None


def upstream_address(upstream: bytes | None) -> bytes | None:
    """`http://10.4.36.207:8080` of `http://10.4.36.207:8080/api?x`: scheme and authority."""
    if not upstream:
        return None
    scheme = upstream.find(b"://")
    if scheme < 0:
        return upstream
    slash = upstream.find(b"/", scheme + 3)
    return upstream if slash < 0 else upstream[:slash]


def decode(raw: bytes) -> str:
    """Text for output that round-trips: undecodable bytes become lone surrogates, and
    `encode_original` turns them back into the same bytes."""
    return raw.decode("utf-8", "surrogateescape")


def encode_original(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")
