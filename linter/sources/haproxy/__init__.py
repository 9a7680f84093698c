"""HAProxy configuration (haproxy.cfg) in front of nginx or an app server."""
