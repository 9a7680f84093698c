"""F5 NGINX Ingress Controller (nginx/kubernetes-ingress) defaults.

The ConfigMap `keepalive` key (and the `nginx.org/keepalive` annotation, VirtualServer
`upstreams[].keepalive`) sets the upstream `keepalive` directive; its default is 0, so
the controller's templates write no `keepalive` and, before nginx 1.29.7, no pool exists.
No key sets the upstream keepalive_timeout: nginx's own default (60s) applies.
"""

from nglint.tiers.defaults import table

_REPO = "https://github.com/nginx/kubernetes-ingress/blob/v5.5.4"
_DOC = "https://docs.nginx.com/nginx-ingress-controller/configuration/global-configuration/configmap-resource/"

DEFAULTS = table(
    "nginx-ingress",
    [
        ("keepalive", 0, "connections", f"{_REPO}/internal/configs/config_params.go#L29", None, None,
         "unset in NewDefaultConfigParams, so Go's zero value; the templates write `keepalive` only when non-zero"),
        ("upstream.keepalive_timeout", 60_000, "ms", f"{_REPO}/internal/configs/version2/nginx.virtualserver.tmpl#L13", None, None,
         "no ConfigMap key or annotation sets it: nginx's upstream keepalive_timeout default applies"),
        ("keepalive-timeout", 75_000, "ms", _DOC, None, None, "client side (main keepalive_timeout)"),
    ],
)
