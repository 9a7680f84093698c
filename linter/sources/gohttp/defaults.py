"""Go net/http: a Server's idle keep-alive timeout is IdleTimeout; "If zero, the value of
ReadTimeout is used. If negative, or if zero and ReadTimeout is zero or negative, there is
no timeout" (net/http Server documentation). http.ListenAndServe and frameworks' Run use a
Server with no timeouts: idle connections are never closed by the server."""

from nglint.tiers.defaults import INFINITE, table

_DOC = "https://pkg.go.dev/net/http#Server"

DEFAULTS = table(
    "go",
    [
        ("IdleTimeout", INFINITE, "ms", _DOC, None, None, "zero IdleTimeout and ReadTimeout: no timeout"),
        ("port", 8080, "port", "https://pkg.go.dev/github.com/gin-gonic/gin#Engine.Run", None, None,
         "gin's Run() without an address listens on :8080"),
    ],
)
