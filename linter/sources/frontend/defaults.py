"""Idle timeouts of the devices in front of nginx, as their vendors document them.

Each row says what the device does with an idle connection: an HTTP load balancer that
pools connections to its targets (the server behind must outlast it), or an L4 device
that tracks flows and forgets an idle one (the server behind must close it, or probe it
with TCP keep-alive, before that). Values in ms.
"""

from nglint.tiers.defaults import table

_ALB = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html#connection-idle-timeout"
_NLB = "https://docs.aws.amazon.com/elasticloadbalancing/latest/network/update-idle-timeout.html"
_CLB = "https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/config-idle-timeout.html"
_AZURE = "https://learn.microsoft.com/azure/load-balancer/load-balancer-tcp-idle-timeout"
_AZURE_RESET = "https://learn.microsoft.com/azure/load-balancer/load-balancer-tcp-reset"
_GCP = "https://cloud.google.com/load-balancing/docs/https/request-distribution"
_CLOUDFLARE = "https://developers.cloudflare.com/fundamentals/reference/connection-limits/"
_HEROKU = "https://devcenter.heroku.com/articles/http-routing#keepalives"
_CF = "https://docs.cloudfoundry.org/adminguide/routing-keepalive.html"
_TRAEFIK = "https://github.com/traefik/traefik/blob/v2.11/pkg/config/dynamic/http_config.go"
_TRAEFIK_ZERO = "https://github.com/traefik/traefik/blob/v3.0/pkg/server/service/transport.go"
_GO_TRANSPORT = "https://pkg.go.dev/net/http#Transport"
_ENVOY = "https://www.envoyproxy.io/docs/envoy/latest/faq/configuration/timeouts"
_ENVOY_ZERO = ("https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/core/v3/protocol.proto"
               "#envoy-v3-api-field-config-core-v3-httpprotocoloptions-idle-timeout")
_HAPROXY_PURGE = "https://docs.haproxy.org/3.0/configuration.html#5.2-pool-purge-delay"
_HAPROXY_REUSE = "https://docs.haproxy.org/3.0/configuration.html#4.2-http-reuse"
_HAPROXY_MODE = "https://docs.haproxy.org/3.0/configuration.html#4.2-mode"
_HAPROXY_ROUNDS = "https://github.com/haproxy/haproxy/blob/v3.0.0/src/server.c"
_HAPROXY_MUX = "https://github.com/haproxy/haproxy/blob/v3.0.0/src/mux_h1.c"
_HAPROXY_TUNNEL = "https://docs.haproxy.org/3.0/configuration.html#4.2-timeout%20tunnel"
_HAPROXY_NOLINGER = "https://docs.haproxy.org/3.0/configuration.html#4.2-option%20nolinger"
_GO_HIJACK = "https://github.com/golang/go/blob/go1.22.0/src/net/http/server.go"
_TRAEFIK_WS = "https://github.com/traefik/traefik/issues/8668"
_ENVOY_STREAM_IDLE = ("https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/"
                      "http_connection_manager/v3/http_connection_manager.proto"
                      "#envoy-v3-api-field-extensions-filters-network-http-connection-manager-v3-httpconnectionmanager-stream-idle-timeout")
_ENVOY_ROUTE_IDLE = ("https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto"
                     "#envoy-v3-api-field-config-route-v3-routeaction-idle-timeout")
_TF_LB = "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lb#idle_timeout"
_TF_AZ = "https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/lb_rule"
_LINUX = "https://www.kernel.org/doc/html/latest/networking/ip-sysctl.html"

# What each kind does with idle connections: "http" pools connections to its targets,
# "l4" tracks flows and silently forgets idle ones.
LAYER = {
    "aws-alb": "http",
    "aws-clb": "http",
    "gcp-alb": "http",
    "cloudflare": "http",
    "heroku": "http",
    "cloudfoundry": "http",
    "traefik": "http",
    "envoy": "http",
    "haproxy": "http",
    "aws-nlb": "l4",
    "azure-lb": "l4",
}

LABEL = {
    "aws-alb": "AWS Application Load Balancer",
    "aws-clb": "AWS Classic Load Balancer",
    "gcp-alb": "Google Cloud external Application Load Balancer",
    "cloudflare": "Cloudflare",
    "heroku": "Heroku router",
    "cloudfoundry": "Cloud Foundry Gorouter",
    "traefik": "Traefik",
    "envoy": "Envoy",
    "haproxy": "HAProxy",
    "aws-nlb": "AWS Network Load Balancer",
    "azure-lb": "Azure Load Balancer",
}

DEFAULTS = table(
    "frontend",
    [
        ("aws-alb.idle_timeout", 60_000, "ms", _ALB, None, None,
         "connection idle timeout for client and target connections; 1-4000 s"),
        ("aws-clb.idle_timeout", 60_000, "ms", _CLB, None, None, "front-end and back-end connections"),
        ("aws-nlb.idle_timeout", 350_000, "ms", _NLB, None, None,
         "TCP flows; a TCP listener's tcp.idle_timeout.seconds (60-6000) changes it, TLS listeners stay at 350 s"),
        ("azure-lb.idle_timeout", 240_000, "ms", _AZURE, None, None,
         "4 minutes, configurable 4-100 minutes per rule; without TCP reset idle flows are dropped silently"),
        ("azure-lb.enable_tcp_reset", False, "", _AZURE_RESET, None, None,
         "the default silently drops a flow at the idle timeout"),
        ("gcp-alb.idle_timeout", 600_000, "ms", _GCP, None, None,
         "the backend keep-alive timeout of the Google Front End, fixed (not configurable)"),
        ("cloudflare.idle_timeout", 900_000, "ms", _CLOUDFLARE, None, None,
         "Proxy Idle Timeout between Cloudflare and the origin, not configurable"),
        ("heroku.idle_timeout", 90_000, "ms", _HEROKU, None, None, "Router 2.0 keep-alive to dynos"),
        ("cloudfoundry.idle_timeout", 90_000, "ms", _CF, None, None,
         "Gorouter closes idle back-end keep-alive connections after 90 s (when router.max_idle_connections > 0)"),
        ("traefik.idle_timeout", 90_000, "ms", _TRAEFIK, None, None,
         "serversTransport forwardingTimeouts.idleConnTimeout (ForwardingTimeouts.SetDefaults)"),
        ("traefik.idle_timeout.zero", None, "ms", _TRAEFIK_ZERO, None, None,
         "idleConnTimeout 0: Traefik sets it as http.Transport.IdleConnTimeout unchanged"),
        ("go.http_transport.idle_conn_timeout.zero", None, "ms", _GO_TRANSPORT, None, None,
         "IdleConnTimeout: zero means no limit (an idle pooled connection is kept forever)"),
        ("envoy.idle_timeout", 3_600_000, "ms", _ENVOY, None, None,
         "cluster common_http_protocol_options.idle_timeout"),
        ("envoy.idle_timeout.zero", None, "ms", _ENVOY_ZERO, None, None,
         "idle_timeout 0 disables the idle timeout: an idle upstream connection is kept forever"),
        ("envoy.idle_timeout.tunnels", None, "ms", _ENVOY, None, None,
         "the connection idle_timeout fires only with no active stream: an upgraded websocket is a stream, never cut by it"),
        ("envoy.stream_idle_timeout", 300_000, "ms", _ENVOY_STREAM_IDLE, None, None,
         "HTTP connection manager: a stream (an upgraded websocket too) with no activity either way is reset; 0 disables"),
        ("envoy.route.idle_timeout", None, "ms", _ENVOY_ROUTE_IDLE, None, None,
         "a route's idle_timeout overrides the connection manager's stream_idle_timeout; 0 disables"),
        ("traefik.tunnel_idle", None, "ms", _TRAEFIK_WS, (2, 0), None,
         "no timer closes an upgraded websocket: Go's http.Server clears a hijacked connection's deadlines "
         "(hijackLocked), idleConnTimeout governs only idle pooled connections"),
        ("go.http_server.hijack_deadlines", None, "ms", _GO_HIJACK, None, None,
         "Hijack clears the connection's read and write deadlines: respondingTimeouts no longer apply"),
        ("haproxy.pool-purge-delay", 5_000, "ms", _HAPROXY_PURGE, (2, 0), None,
         "server keyword; 1s in 1.9"),
        ("haproxy.purge_rounds", 3, "rounds", _HAPROXY_ROUNDS, (2, 4), None,
         "a lone idle connection goes on the third purge round, later after a burst"),
        ("haproxy.idle_timeout", 15_000, "ms", _HAPROXY_ROUNDS, (2, 4), None,
         "three rounds of the default 5s pool-purge-delay: how long a lone idle server connection is kept"),
        ("haproxy.http-reuse", "safe", "", _HAPROXY_REUSE, (1, 9), None,
         "a client connection's later requests reuse idle server connections (its first did not, measured on "
         "2.6.12); a failed reuse closes the client connection without a response; with always, a first request reuses "
         "too and gets 502 SH--"),
        ("haproxy.mode", "tcp", "", _HAPROXY_MODE, None, None, "TCP mode relays connections and pools none"),
        ("haproxy.mode.tcp.close", "fin", "", _HAPROXY_NOLINGER, None, None,
         "at a timeout HAProxy closes both sides of a relayed connection, with FIN (RST with option nolinger): "
         "the server behind sees the close, nothing is dropped silently"),
        ("haproxy.timeout-tunnel", None, "ms", _HAPROXY_TUNNEL, (1, 5), None,
         "idle timer of an upgraded (websocket) or TCP tunnel; unset, timeout client and timeout server go on applying"),
        ("haproxy.timeout-client-server", None, "ms", _HAPROXY_TUNNEL, None, None,
         "neither timeout client nor timeout server set: HAProxy never closes an idle tunnel (it warns at startup)"),
        ("haproxy.timeout-server-idle", None, "ms", _HAPROXY_MUX, (2, 4), None,
         "timeout server and timeout http-keep-alive never close an idle server connection (h1_refresh_timeout)"),
        ("terraform.aws_lb.load_balancer_type", "application", "", _TF_LB),
        ("terraform.azurerm_lb_rule.idle_timeout_in_minutes", 4, "min", _TF_AZ),
        ("linux.tcp_keepalive_time", 7_200_000, "ms", _LINUX, None, None,
         "net.ipv4.tcp_keepalive_time: what `so_keepalive=on` uses for the first probe"),
    ],
)


def default_idle(kind: str):
    """The defaults-table row of a kind's idle timeout."""
    return DEFAULTS.get(f"{kind}.idle_timeout")
