"""The causes an error-log line can point to: fixed ids, each documented like a rule.

A Cause is documentation (what it means, how sure nglint is, what to do, which rules
relate, what else it can be and which evidence decides) next to the logic that picks it
(`classify`). The ids are part of nglint's interface (JSON output, docs): never rename.

`classify` sees a message (what nginx said, without connection id and request context,
with quoted parts such as paths elided: aggregate.message_shape) and two facts about the
line's context, and returns a Verdict. The same message always gets the same verdict, so
callers cache verdicts by message: a log of a million `recv() failed (104...)` lines
classifies the message once, and a million `open() "/x/N.js" failed` lines too.
"""

from __future__ import annotations

from nglint.explain.lines import message_errno, split_action
from nglint.explain.probes import PROBE_WINDOW_S
from nglint.records import field, record


@record(frozen=True)
class Cause:
    """One cause, with the documentation a user reads in `docs/explain.md` and the report."""

    id: str
    title: str
    meaning: str
    confidence: str
    action: str
    related_rules: tuple[str, ...] = ()
    ambiguous_with: tuple[str, ...] = ()
    deciding_evidence: str = ""
    # Lines of this cause, when present, point at a configuration problem (exit 1)
    # even when no finding was matched to them.
    config_problem: bool = False
    # What the configuration cannot show about this cause: said when no finding explains it.
    unseen: str = ""
    # The documentation of the setting or mechanism involved (defaults quoted above come from it).
    reference: str = ""
    examples: tuple[str, ...] = field(default_factory=tuple)


CAUSES: tuple[Cause, ...] = (
    Cause(
        id="upstream-keepalive-race",
        title="nginx reused a pooled connection the backend was closing",
        meaning=(
            "nginx sent a request on an idle keep-alive connection from its upstream pool just as the backend "
            "closed it for idleness. The backend answers the request with a reset (104) or closes without a "
            "response (\"upstream prematurely closed connection\"), before any response header. nginx retries an "
            "idempotent request (GET, HEAD) on another connection, so users see a 502 mostly on POST, PATCH and LOCK."
        ),
        confidence=(
            "likely: the message fits a race exactly, but a backend that crashes or resets before answering leaves "
            "the same line; the configuration decides (a pool whose idle timeout outlives the backend's is KA001)."
        ),
        action=(
            "Make nginx close idle upstream connections first: keepalive_timeout in the upstream block below the "
            "backend's idle timeout minus a margin (`nglint check` computes the value, `--fix` writes it)."
        ),
        related_rules=("KA001", "KA002", "KA005", "KA003"),
        ambiguous_with=("upstream-died-mid-response",),
        deciding_evidence=(
            "For a race, the failing requests follow an idle gap close to the backend's keep-alive timeout, they "
            "are POSTs (GETs were retried and succeeded: the same line, no 502 in the access log), and the backend "
            "logged nothing for them. A backend crash shows in the backend's own log and hits requests without "
            "an idle gap."
        ),
        config_problem=True,
        unseen=(
            "a tier between nginx and the backend (load balancer, service mesh, NAT) with a shorter idle timeout, "
            "or a backend that resets connections for another reason"
        ),
        reference="https://nginx.org/en/docs/http/ngx_http_upstream_module.html#keepalive_timeout",
        examples=(
            "recv() failed (104: Connection reset by peer) while reading response header from upstream",
            "upstream prematurely closed connection while reading response header from upstream",
            "writev() failed (32: Broken pipe) while sending request to upstream",
        ),
    ),
    Cause(
        id="upstream-died-mid-response",
        title="The backend closed the connection in the middle of a response",
        meaning=(
            "The response header had arrived and nginx was reading the body when the backend reset or closed the "
            "connection. The client gets a truncated response. This is not an idle-timeout race: the connection "
            "was busy."
        ),
        confidence="sure about where it happened (while reading upstream); the reason is in the backend.",
        action=(
            "Look at the backend's log at that time: a crash, a worker killed for memory or time (gunicorn --timeout, "
            "php-fpm request_terminate_timeout), a proxy or load balancer between nginx and the backend cutting long "
            "responses."
        ),
        related_rules=(),
        ambiguous_with=(),
        unseen="the backend's own log: crashes, killed workers, limits on response time or size",
        reference="https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_next_upstream",
        examples=(
            "upstream prematurely closed connection while reading upstream",
            "recv() failed (104: Connection reset by peer) while reading upstream",
        ),
    ),
    Cause(
        id="client-aborted",
        title="The client (or the tier in front of nginx) went away",
        meaning=(
            "The client closed or reset its connection while nginx was sending to it or reading from it. nginx logs "
            "these at info level. The upstream's transaction may well have succeeded: only the delivery failed. "
            "In the access log this is status 499 (or a 200 with fewer bytes than the body)."
        ),
        confidence="sure: the client side is named in the message or the action.",
        action=(
            "Usually nothing. When a load balancer in front of nginx is the client, compare its idle timeout with "
            "nginx's keepalive_timeout (nginx must outlive it) and its request timeout with the slowest responses."
        ),
        related_rules=(),
        unseen="the clients and any load balancer in front of nginx, whose timeouts are not in the checked files",
        reference="https://nginx.org/en/docs/http/ngx_http_core_module.html#keepalive_timeout",
        examples=(
            "writev() failed (32: Broken pipe) while sending to client",
            "client prematurely closed connection while reading upstream",
            "client 10.0.0.9 closed keepalive connection",
        ),
    ),
    Cause(
        id="websocket-closed",
        title="An upgraded (WebSocket) connection ended",
        meaning=(
            "An upgraded connection that nginx was relaying was closed or reset by one side, or sat idle longer than "
            "proxy_read_timeout (110 here is that idle read timer, 60s by default), which ends the WebSocket."
        ),
        confidence="sure about the kind of connection; closing is often normal.",
        action=(
            "When idle WebSockets are cut: raise proxy_read_timeout/proxy_send_timeout in the WebSocket location, or "
            "make the application send pings more often than that timeout."
        ),
        related_rules=(),
        unseen="how often the application sends pings on its WebSockets",
        reference="https://nginx.org/en/docs/http/websocket.html",
        examples=("upstream timed out (110: Connection timed out) while proxying upgraded connection",),
    ),
    Cause(
        id="health-check-probe",
        title="Health-check probes reset by the backend",
        meaning=(
            "nginx_upstream_check_module (tengine) health checks: its own lines (`enable check peer`, `disable check "
            "peer`, `check time out with peer`, `check protocol http error with peer`) and resets with no request "
            "context next to them in time. A TCP probe opens a connection and leaves it for the backend to reset, so "
            "every probe can log a 104."
        ),
        confidence=(
            f"likely for a reset without request context within {PROBE_WINDOW_S}s of a check-module line; the check "
            "module's own lines are sure."
        ),
        action="Use an HTTP check (type=http) with check_keepalive_requests 1 (HC001).",
        related_rules=("HC001",),
        ambiguous_with=("other",),
        deciding_evidence=(
            f"A reset without client or request is a probe when a check-module line (any peer) lies within "
            f"{PROBE_WINDOW_S}s of it, in the same log or at the edge of a rotated one; otherwise it stays `other`. "
            "Probes also repeat at the check interval of each peer."
        ),
        config_problem=True,
        unseen="which module sent the probes when no `check` directive is in the checked files",
        reference="https://github.com/yaoweibin/nginx_upstream_check_module",
        examples=("enable check peer: 10.0.0.7:8080", "recv() failed (104: Connection reset by peer)"),
    ),
    Cause(
        id="upstream-refused",
        title="Nothing listens at the upstream address",
        meaning=(
            "connect() to the backend failed with 111 (Connection refused; 10061 on Windows): the host answered but "
            "no process listens on that port, or the backend is restarting. A unix socket that does not exist (2) "
            "is the same for a local backend."
        ),
        confidence="sure.",
        action="Check that the backend runs and listens on the address and port of the upstream's server line.",
        related_rules=("P005",),
        unseen="whether the backend process was running and listening at that time",
        reference="https://nginx.org/en/docs/http/ngx_http_upstream_module.html#server",
        examples=("connect() failed (111: Connection refused) while connecting to upstream",),
    ),
    Cause(
        id="upstream-timeout",
        title="The backend did not answer in time",
        meaning=(
            "110 (Connection timed out) while connecting (proxy_connect_timeout: the host or a firewall drops "
            "packets) or while reading the response (proxy_read_timeout: the backend is slow or stuck). The client "
            "gets a 504."
        ),
        confidence="sure about the timer; whether the timer or the backend is wrong needs the backend's timings.",
        action=(
            "While connecting: check reachability and firewalls. While reading: compare the backend's response time "
            "with proxy_read_timeout before raising it; a stuck backend is the usual reason."
        ),
        related_rules=(),
        unseen="the backend's response times and the network path to it",
        reference="https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_read_timeout",
        examples=("upstream timed out (110: Connection timed out) while reading response header from upstream",),
    ),
    Cause(
        id="no-live-upstreams",
        title="Every server of the upstream is marked down",
        meaning=(
            "After max_fails failures within fail_timeout nginx marks a server unavailable (`upstream server "
            "temporarily disabled`); when all servers are, it answers 502 at once with `no live upstreams`. These "
            "lines follow the real failures, which are logged before them."
        ),
        confidence="sure; the cause is in the lines before (refused, timeouts, resets).",
        action="Fix the failures logged before these lines; max_fails/fail_timeout only decide how fast nginx gives up.",
        related_rules=(),
        unseen="the failures before these lines; they are counted under their own causes",
        reference="https://nginx.org/en/docs/http/ngx_http_upstream_module.html#max_fails",
        examples=("no live upstreams while connecting to upstream",),
    ),
    Cause(
        id="upstream-header-too-big",
        title="The backend's response header does not fit nginx's buffer",
        meaning=(
            "The response header (often large cookies or redirects) is larger than proxy_buffer_size (4k or 8k by "
            "default, one memory page). nginx answers 502."
        ),
        confidence="sure.",
        action="Raise proxy_buffer_size (and proxy_buffers) for that location, or make the backend send smaller headers.",
        related_rules=(),
        config_problem=True,
        unseen="the size of the backend's response headers",
        reference="https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_buffer_size",
        examples=("upstream sent too big header while reading response header from upstream",),
    ),
    Cause(
        id="client-body-too-large",
        title="A request body exceeded client_max_body_size",
        meaning="The client announced a body larger than client_max_body_size (1m by default); nginx answered 413.",
        confidence="sure.",
        action="Raise client_max_body_size where uploads are expected, or tell the client the limit.",
        related_rules=(),
        unseen="the size of the bodies clients meant to send",
        reference="https://nginx.org/en/docs/http/ngx_http_core_module.html#client_max_body_size",
        examples=("client intended to send too large body: 1048577 bytes",),
    ),
    Cause(
        id="upstream-tls",
        title="TLS to the backend failed",
        meaning=(
            "The TLS handshake or a TLS read/write with an https upstream failed: certificate verification, "
            "a missing SNI (proxy_ssl_server_name), protocol or cipher mismatch."
        ),
        confidence="sure about TLS; the OpenSSL error in the line names the reason.",
        action=(
            "Read the OpenSSL error: set proxy_ssl_server_name on for SNI backends, proxy_ssl_trusted_certificate "
            "for verification, proxy_ssl_protocols to what the backend speaks."
        ),
        related_rules=(),
        unseen="the backend's certificate and TLS settings",
        reference="https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_ssl_server_name",
        examples=("SSL_do_handshake() failed (SSL: error:0A000410:SSL routines::sslv3 alert handshake failure) "
                  "while SSL handshaking to upstream",),
    ),
    Cause(
        id="no-route",
        title="The upstream host cannot be reached",
        meaning=(
            "connect() failed with 113 (Host is unreachable / No route to host) or 101 (Network is unreachable): "
            "the address is wrong or gone (a container IP that changed), or routing forbids it."
        ),
        confidence="sure.",
        action=(
            "Check the upstream address; with containers, use the service name and a resolver, not an IP that "
            "changes when the container restarts."
        ),
        related_rules=(),
        unseen="the network: routes, container addresses at that time",
        reference="https://nginx.org/en/docs/http/ngx_http_core_module.html#resolver",
        examples=("connect() failed (113: Host is unreachable) while connecting to upstream",),
    ),
    Cause(
        id="fastcgi-died",
        title="The FastCGI backend (php-fpm) ended the request",
        meaning=(
            "A FastCGI upstream closed or reset the connection before or while answering: a php-fpm worker was killed "
            "(request_terminate_timeout, memory, segfault) or the pool restarted."
        ),
        confidence="likely: the php-fpm log says which worker ended and why.",
        action="Read php-fpm's log at that time (`WARNING: [pool www] child N exited on signal`); fix the script or the limit.",
        related_rules=(),
        unseen="php-fpm's pool settings and log, unless they are in the checked files",
        reference="https://www.php.net/manual/en/install.fpm.configuration.php",
        examples=("upstream prematurely closed FastCGI stdout while reading response header from upstream",),
    ),
    Cause(
        id="other",
        title="Not one of the causes nglint explains",
        meaning="A line nglint parsed but does not attribute to a cause above (missing files, access rules, start-up).",
        confidence="-",
        action="Read the most frequent messages in the report.",
        related_rules=(),
        unseen="",
        reference="https://nginx.org/en/docs/ngx_core_module.html#error_log",
        examples=('open() "/usr/share/nginx/html/favicon.ico" failed (2: No such file or directory)',),
    ),
)

BY_ID: dict[str, Cause] = {cause.id: cause for cause in CAUSES}


@record(frozen=True)
class Verdict:
    """The cause of one message, the pattern that decided it, and an alternative cause
    when the message alone cannot tell (`ambiguous_with`)."""

    cause: str
    evidence: str
    ambiguous_with: str | None = None
    # A reset without request context: a health-check probe when a check-module line lies
    # within probes.PROBE_WINDOW_S of it, `other` otherwise (decided by probes.ProbeWindow).
    needs_check_lines: bool = False


# errno values by meaning: Linux, then BSD/macOS, then Windows (WSAE*) as nginx prints them.
RESET = frozenset((104, 54, 10054))
BROKEN_PIPE = frozenset((32, 10053))
REFUSED = frozenset((111, 61, 10061))
TIMED_OUT = frozenset((110, 60, 10060))
UNREACHABLE = frozenset((113, 65, 10065, 101, 51, 10051))

_CHECK_LINES = (b"enable check peer", b"disable check peer", b"check time out with peer", b"check protocol ")
_CLIENT_ACTIONS = (
    b"sending to client", b"sending response to client", b"reading client request", b"waiting for request",
    b"reading PROXY protocol", b"closing request", b"keepalive", b"lingering close", b"processing HTTP/2 connection",
    b"reading client",
)
_RESPONSE_HEADER = b"reading response header from upstream"
_SENDING_REQUEST = b"sending request to upstream"
_READING_UPSTREAM = b"reading upstream"
_CONNECTING = b"connecting to upstream"


def classify(message: bytes, has_request: bool, fastcgi: bool = False) -> Verdict:
    """The cause of one message. `has_request`: the line carries a client or request
    context; `fastcgi`: its upstream is a fastcgi:// address.

    Fixed-string tests run first and decide most messages; the only regex (the errno)
    runs once per distinct message when the caller caches verdicts."""
    what, action = split_action(message)
    action = action or b""
    if message.startswith(_CHECK_LINES) or b" check peer" in what:
        return Verdict("health-check-probe", "check-module line")
    if action.startswith(b"proxying upgraded connection"):
        return Verdict("websocket-closed", "while proxying upgraded connection")
    if what.startswith(b"no live upstreams"):
        return Verdict("no-live-upstreams", "no live upstreams")
    if what.startswith(b"upstream server temporarily disabled"):
        return Verdict("no-live-upstreams", "upstream server temporarily disabled")
    if what.startswith(b"upstream sent too big header"):
        return Verdict("upstream-header-too-big", "upstream sent too big header")
    if what.startswith(b"client intended to send too large"):
        return Verdict("client-body-too-large", "client intended to send too large body")
    # "client 10.0.0.9 closed keepalive connection" names the client's address in the message.
    client_went = what.startswith(b"client ") and b" closed " in what
    if client_went:
        return Verdict("client-aborted", "client closed the connection")
    if b"client prematurely closed" in what or what.startswith(b"client timed out"):
        return Verdict("client-aborted", what.split(b" (", 1)[0].decode("ascii", "replace")[:60])
    if b"FastCGI" in what and (b"prematurely closed" in what or b"upstream" in what and b"failed" in what):
        return Verdict("fastcgi-died", "upstream prematurely closed FastCGI stdout")
    if (b"SSL" in what or b"certificate" in what) and (b"upstream" in action or b"upstream" in what):
        return Verdict("upstream-tls", "TLS error with an upstream")
    errno = message_errno(what)
    if action.startswith(b"SSL handshaking to upstream"):
        if errno in TIMED_OUT or what.startswith(b"upstream timed out"):
            return Verdict("upstream-timeout", "timed out while SSL handshaking to upstream")
        return Verdict("upstream-tls", "while SSL handshaking to upstream")
    if action.startswith(_CLIENT_ACTIONS):
        client_closed = b"closed" in what and not what.startswith(b"upstream")
        if errno in RESET or errno in BROKEN_PIPE or errno in TIMED_OUT or client_closed:
            return Verdict("client-aborted", f"({errno}) while {action.decode('ascii', 'replace')}")
        return Verdict("other", "client-side action")
    timed_out = errno in TIMED_OUT or what.startswith(b"upstream timed out")
    if action.startswith(_CONNECTING):
        if errno in REFUSED or (errno == 2 and b"unix:" in what):
            return Verdict("upstream-refused", f"connect() failed ({errno})")
        if errno in UNREACHABLE:
            return Verdict("no-route", f"connect() failed ({errno})")
        if timed_out:
            return Verdict("upstream-timeout", "timed out while connecting to upstream")
        return Verdict("other", "connect() failed")
    closed = errno in RESET or errno in BROKEN_PIPE or what.startswith(b"upstream prematurely closed connection")
    if action.startswith((_RESPONSE_HEADER, _SENDING_REQUEST)):
        if timed_out:
            return Verdict("upstream-timeout", f"timed out while {action.decode('ascii', 'replace')}")
        if closed:
            how = "upstream prematurely closed connection" if errno is None else f"({errno})"
            evidence = f"{how} while {action.decode('ascii', 'replace')}"
            if fastcgi:
                return Verdict("fastcgi-died", evidence + " on a fastcgi:// upstream")
            return Verdict("upstream-keepalive-race", evidence, ambiguous_with="upstream-died-mid-response")
        return Verdict("other", "upstream error before the response")
    if action.startswith(_READING_UPSTREAM):
        if timed_out:
            return Verdict("upstream-timeout", "timed out while reading upstream")
        if closed:
            if fastcgi:
                return Verdict("fastcgi-died", "closed while reading upstream on a fastcgi:// upstream")
            return Verdict("upstream-died-mid-response", "closed while reading upstream")
        return Verdict("other", "while reading upstream")
    if timed_out and b"upstream" in action:
        return Verdict("upstream-timeout", f"timed out while {action.decode('ascii', 'replace')}")
    if not has_request and not action and (errno in RESET or errno in BROKEN_PIPE):
        return Verdict("other", f"({errno}) without request context", ambiguous_with="health-check-probe", needs_check_lines=True)
    return Verdict("other", "no cause pattern")
