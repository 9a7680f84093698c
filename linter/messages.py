"""How findings read: one short sentence, then where each value came from.

A person reads a finding once, in a terminal or a pull-request annotation. The sentence
says what is wrong and what to do, within HEADLINE_MAX characters; the origin of every
value it quotes (a file:line, nginx's documented default, the user's declaration) goes
to `Finding.sources`, one line each.
"""

from __future__ import annotations

from nglint.backends import Backend
from nglint.sources.nginx.defaults import DEFAULTS as _NGINX
from nglint.units import format_ms

HEADLINE_MAX = 160

# From nginx's defaults table: the documentation of the pool's idle timeout, the version
# it appeared in, and the documentation of proxy_http_version's pre-1.29.7 default.
_UPSTREAM_TIMEOUT = _NGINX.get("upstream.keepalive_timeout")
NGINX_KEEPALIVE_TIMEOUT_DOC = _UPSTREAM_TIMEOUT.url
NGINX_PROXY_HTTP_VERSION_DOC = _NGINX.get("proxy_http_version", (1, 0, 0)).url


def headline(message: str) -> str:
    """The first sentence of a message (what a length limit applies to)."""
    for index, char in enumerate(message):
        if char in ".!?" and (index + 1 == len(message) or message[index + 1] == " "):
            return message[: index + 1]
    return message


def short_label(backend: Backend) -> str:
    """`Tomcat` for a Tomcat Connector, `the declared backend` for a config entry."""
    if backend.kind == "declared":
        return "the declared backend"
    first = backend.label.split(" ", 1)[0]
    return first or backend.kind


def endpoint_name(endpoint) -> str:
    """A tier endpoint's name for a headline: its label up to the parenthesised detail
    (`ingress-nginx 1.9.4`, `F5 NGINX Ingress Controller 3.4.0`), or the backend's short label."""
    if isinstance(endpoint.subject, Backend):
        return short_label(endpoint.subject)
    return label_name(endpoint.label, endpoint.tier)


def label_name(label: str, fallback: str) -> str:
    """A label up to its parenthesised detail, or `fallback` when that is still too long
    for a headline (the whole label then goes to the finding's sources)."""
    name = label.split(" (", 1)[0]
    return name if len(name) <= 48 else fallback


def nginx_timeout_source(pool, nginx_ms: int) -> str:
    """Where nginx's idle timeout for a pool comes from: the directive or the default."""
    from nglint.paths import display_path

    if pool.timeout is not None:
        return f"nginx: {format_ms(nginx_ms)} from keepalive_timeout {pool.timeout.arg(0)} ({display_path(pool.timeout.path)}:{pool.timeout.line})"
    return f"nginx: {format_ms(nginx_ms)}, the default keepalive_timeout ({NGINX_KEEPALIVE_TIMEOUT_DOC})"


def margin_source(settings, timeout_ms: int, need: str = "nginx must close at least {gap} earlier",
                  whose: str = "the backend's") -> str:
    """The `margin:` source line: how much earlier the closing side must act, and where the
    margin came from. `need` words the requirement for the hop ({gap} is filled in), `whose`
    names the side whose timeout the margin is a share of."""
    margin = settings.margin
    origin = settings.origins.get("margin", "default")
    gap = format_ms(margin.required_gap_ms(timeout_ms))
    return f"margin: {need.format(gap=gap)} ({margin.describe()} of {whose} timeout, minimum 1s; from {origin})"


UPSTREAM_KEEPALIVE_TIMEOUT_SINCE = _UPSTREAM_TIMEOUT.since


def timeout_settable(settings) -> bool:
    """False when the declared nginx-version predates upstream keepalive_timeout."""
    version = settings.nginx_version
    return version is None or version >= UPSTREAM_KEEPALIVE_TIMEOUT_SINCE


def timeout_advice(settings, seconds: int | None) -> str:
    """What to do about an upstream's idle timeout, for the nginx version in use."""
    if not timeout_settable(settings):
        shown = ".".join(str(part) for part in settings.nginx_version)
        return f"nginx {shown} has no upstream keepalive_timeout (since 1.15.3): upgrade nginx or use keepalive 0"
    if seconds is None:
        return "no whole-second keepalive_timeout fits the margin: raise the backend's or use keepalive 0"
    return f"set keepalive_timeout {seconds}s"
