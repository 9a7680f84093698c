"""Idle timeouts of Spring Boot's embedded servers when no property sets them.

Spring Boot leaves server.tomcat.connection-timeout, server.tomcat.keep-alive-timeout and
server.jetty.connection-idle-timeout unset (ServerProperties: `private Duration
connectionTimeout;` with no initialiser; keep-alive-timeout "Amount of time a connection
is allowed to remain idle until it is closed", spring-projects/spring-boot PR #25805), so
the embedded server's own default applies: Tomcat's Connector connectionTimeout 60000 ms
(embedded Tomcat reads no server.xml, so the shipped file's 20000 does not apply) with
keepAliveTimeout = connectionTimeout; Jetty's ServerConnector idleTimeout 30000 ms.
Reactor Netty closes no idle HTTP/1.1 connection unless server.netty.idle-timeout is set.
"""

from nglint.tiers.defaults import INFINITE, table

_PROPS = "https://docs.spring.io/spring-boot/appendix/application-properties/index.html"

DEFAULTS = table(
    "spring",
    [
        ("tomcat.connectionTimeout", 60_000, "ms", "https://tomcat.apache.org/tomcat-10.1-doc/config/http.html#Standard_Implementation",
         None, None, "embedded Tomcat: server.tomcat.connection-timeout unset, Tomcat's Connector default"),
        ("jetty.idleTimeout", 30_000, "ms", "https://jetty.org/docs/jetty/12/operations-guide/modules/standard.html#http",
         None, None, "embedded Jetty: server.jetty.connection-idle-timeout unset, ServerConnector idleTimeout"),
        ("netty.idleTimeout", INFINITE, "ms", f"{_PROPS}#application-properties.server.server.netty.idle-timeout",
         None, None, "Reactor Netty: no idle timeout unless server.netty.idle-timeout is set"),
        ("server.port", 8080, "port", f"{_PROPS}#application-properties.server.server.port"),
    ],
)
