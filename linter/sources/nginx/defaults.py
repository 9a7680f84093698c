"""nginx's defaults that decide keep-alive behaviour, with the versions they hold for.

Upstream `keepalive_timeout` (the pool's idle timeout) and the client-side
`keepalive_timeout` share a name and nothing else: they are separate entries.
"""

from nglint.tiers.defaults import table

_UPSTREAM = "https://nginx.org/en/docs/http/ngx_http_upstream_module.html"
_CORE = "https://nginx.org/en/docs/http/ngx_http_core_module.html"
_PROXY = "https://nginx.org/en/docs/http/ngx_http_proxy_module.html"
_CHANGES = "https://nginx.org/en/CHANGES"

POOLED_BY_DEFAULT_SINCE = (1, 29, 7)

DEFAULTS = table(
    "nginx",
    [
        ("upstream.keepalive_timeout", 60_000, "ms", f"{_UPSTREAM}#keepalive_timeout", (1, 15, 3), None,
         "the upstream pool's idle timeout"),
        ("upstream.keepalive", None, "connections", f"{_UPSTREAM}#keepalive", None, POOLED_BY_DEFAULT_SINCE,
         "no pool unless `keepalive` is set"),
        ("upstream.keepalive", 32, "connections", _CHANGES, POOLED_BY_DEFAULT_SINCE, None,
         "`keepalive 32 local` in every explicit upstream block"),
        ("implicit_upstream.keepalive", None, "connections",
         "https://github.com/nginx/nginx/commit/4fbe4b62746f67d4348212c089b745bd10082964", None, None,
         "a proxy_pass to an address (no upstream block) never keeps idle connections; 1.29.7 pools explicit upstreams only"),
        ("upstream.keepalive_requests", 100, "requests", f"{_UPSTREAM}#keepalive_requests", (1, 15, 3), (1, 19, 10)),
        ("upstream.keepalive_requests", 1000, "requests", f"{_UPSTREAM}#keepalive_requests", (1, 19, 10), None),
        ("upstream.keepalive_time", 3_600_000, "ms", f"{_UPSTREAM}#keepalive_time", (1, 19, 10), None),
        ("proxy_http_version", "1.0", "", f"{_PROXY}#proxy_http_version", None, POOLED_BY_DEFAULT_SINCE,
         "with `Connection: close` sent to the upstream"),
        ("proxy_http_version", "1.1", "", _CHANGES, POOLED_BY_DEFAULT_SINCE, None,
         "without `Connection: close`"),
        ("proxy_read_timeout", 60_000, "ms", f"{_PROXY}#proxy_read_timeout"),
        ("proxy_send_timeout", 60_000, "ms", f"{_PROXY}#proxy_send_timeout"),
        ("keepalive_timeout", 75_000, "ms", f"{_CORE}#keepalive_timeout", None, None,
         "client side: how long nginx keeps an idle client connection"),
        ("packaged.keepalive_timeout", 65_000, "ms", "https://github.com/nginx/nginx/blob/master/conf/nginx.conf", None, None,
         "the nginx.conf shipped with nginx (and by distribution packages and the official Docker image, "
         "https://github.com/nginx/docker-nginx/blob/master/stable/debian/nginx.conf) sets keepalive_timeout 65"),
        ("image.keepalive_timeout", 65_000, "ms", "https://hub.docker.com/_/nginx", None, None,
         "`keepalive_timeout  65;` in the official image's /etc/nginx/nginx.conf (nginx.org's package file, "
         "which includes /etc/nginx/conf.d/*.conf)"),
    ],
)
