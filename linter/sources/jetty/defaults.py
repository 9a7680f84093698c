"""Jetty's HTTP connector defaults, as etc/jetty-http.xml states them:
`<Property name="jetty.http.idleTimeout" default="30000"/>`, port 8080 (modules/http.mod)."""

from nglint.tiers.defaults import table

_DOC = "https://jetty.org/docs/jetty/12/operations-guide/modules/standard.html#http"

DEFAULTS = table(
    "jetty",
    [
        ("jetty.http.idleTimeout", 30_000, "ms", _DOC, None, None, "etc/jetty-http.xml default"),
        ("jetty.http.port", 8080, "port", _DOC),
    ],
)
