"""Heartbeats websocket frameworks send on an idle connection, as data.

A websocket proxied through nginx stays open only while something crosses it before
nginx's proxy_read_timeout (and every idle timer in front of nginx) runs out. These are
the intervals the frameworks send by default; a route that matches none has an unknown
heartbeat, which nglint says rather than guesses.
"""

from nglint.tiers.defaults import table

DEFAULTS = table(
    "heartbeat",
    [
        ("socket.io", 25_000, "ms", "https://socket.io/docs/v4/server-options/#pinginterval", None, None,
         "pingInterval, sent by the server"),
        ("sockjs", 25_000, "ms", "https://github.com/sockjs/sockjs-node#server-class", None, None,
         "heartbeat_delay, sent by the server"),
        ("actioncable", 3_000, "ms",
         "https://github.com/rails/rails/blob/main/actioncable/lib/action_cable/server/connections.rb", None, None,
         "BEAT_INTERVAL, a ping every 3 s"),
        ("spring-stomp", None, "ms",
         "https://docs.spring.io/spring-framework/reference/web/websocket/stomp/handle-simple-broker.html", None, None,
         "heart-beats as configured (setHeartbeatValue); none by default without a TaskScheduler"),
    ],
)

# Route patterns that name a framework, in order: the first match wins.
ROUTE_KINDS = (("socket.io", "socket.io"), ("sockjs", "sockjs"), ("/cable", "actioncable"))


def framework_of(path: str) -> str | None:
    lowered = path.lower()
    return next((kind for needle, kind in ROUTE_KINDS if needle in lowered), None)
