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
        ("spring-stomp.task-scheduler", 10_000, "ms",
         "https://docs.spring.io/spring-framework/docs/current/javadoc-api/org/springframework/messaging/simp/config/"
         "SimpleBrokerRegistration.html#setHeartbeatValue(long%5B%5D)", (4, 2), None,
         "simple broker with setTaskScheduler and no setHeartbeatValue: heart-beat 10000, 10000"),
        ("spring-sockjs", 25_000, "ms",
         "https://docs.spring.io/spring-framework/docs/current/javadoc-api/org/springframework/web/socket/config/"
         "annotation/SockJsServiceRegistration.html#setHeartbeatTime(long)", None, None,
         "withSockJS(): a heartbeat frame after 25 s without a message (setHeartbeatTime)"),
    ],
)

# Route patterns that name a framework, in order: the first match wins.
ROUTE_KINDS = (("socket.io", "socket.io"), ("sockjs", "sockjs"), ("/cable", "actioncable"))


def framework_of(path: str) -> str | None:
    """The framework a route names (`/socket.io/`), or None: a guess by name, used only when
    no application configuration nglint read says what the route's backend sends."""
    lowered = path.lower()
    return next((kind for needle, kind in ROUTE_KINDS if needle in lowered), None)
