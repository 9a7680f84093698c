"""ingress-nginx (kubernetes/ingress-nginx) controller defaults by controller version.

Values are the controller's built-in ConfigMap defaults (internal/ingress/controller/
config/config.go `NewDefault`) at the named tags; durations in ms. The pool these keys
configure is the one `upstream_balancer` block every Ingress shares (nginx.tmpl).
Before 0.21.0 there was no `upstream-keepalive-timeout` key: the template wrote no
keepalive_timeout, so nginx's own upstream default (60s, nginx >= 1.15.3; 0.20.0 ships
nginx 1.15.5) applied and only a custom template could change it.
"""

from nglint.tiers.defaults import table

_REPO = "https://github.com/kubernetes/ingress-nginx/blob"
_CONFIG = "internal/ingress/controller/config/config.go"
_DOC = "docs/user-guide/nginx-configuration/configmap.md"
_V040 = (0, 40, 0)
_V021 = (0, 21, 0)
_V020 = (0, 20, 0)

DEFAULTS = table(
    "ingress-nginx",
    [
        ("upstream-keepalive-timeout", 60_000, "ms", f"{_REPO}/controller-v1.2.0/Changelog.md#0200", _V020, _V021,
         "no key before 0.21.0: nginx's upstream keepalive_timeout default (60s, nginx 1.15.5 in 0.20.0) applies"),
        ("upstream-keepalive-timeout", 60_000, "ms", f"{_REPO}/controller-v0.40.0/{_CONFIG}#L811", _V021, None,
         "key added in 0.21.0 (PR #3222)"),
        ("upstream-keepalive-connections", 32, "connections", f"{_REPO}/controller-v1.2.0/Changelog.md#0210", _V021, _V040),
        ("upstream-keepalive-connections", 320, "connections", f"{_REPO}/controller-v0.40.0/{_CONFIG}#L810", _V040, None),
        ("upstream-keepalive-requests", 100, "requests", f"{_REPO}/controller-v1.2.0/Changelog.md#0210", _V021, _V040),
        ("upstream-keepalive-requests", 10_000, "requests", f"{_REPO}/controller-v0.40.0/{_CONFIG}#L812", _V040, None),
        ("upstream-keepalive-time", 3_600_000, "ms", f"{_REPO}/controller-v1.2.0/{_CONFIG}#L899", (1, 2, 0), None),
        ("keep-alive", 75_000, "ms", f"{_REPO}/controller-v1.2.0/{_CONFIG}#L828", None, None,
         "client side: how long the controller keeps an idle client connection"),
        ("proxy-read-timeout", 60_000, "ms", f"{_REPO}/controller-v1.2.0/{_CONFIG}#L874"),
        ("proxy-http-version", "1.1", "", f"{_REPO}/controller-v1.2.0/{_CONFIG}#L894"),
        ("retired", "2026-03", "", "https://kubernetes.io/blog/2025/11/11/ingress-nginx-retirement/", None, None,
         "no releases, bug fixes or security fixes after March 2026"),
    ],
)

# The key that sets the pool's idle timeout exists from this version on.
TIMEOUT_KEY_SINCE = _V021
