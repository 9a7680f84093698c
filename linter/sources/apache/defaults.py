"""Apache httpd 2.4 keep-alive defaults (mod core documentation: `KeepAlive On`,
`KeepAliveTimeout 5`; a value with the `ms` suffix is in milliseconds)."""

from nglint.tiers.defaults import table

_CORE = "https://httpd.apache.org/docs/2.4/mod/core.html"

DEFAULTS = table(
    "apache",
    [
        ("KeepAliveTimeout", 5_000, "ms", f"{_CORE}#keepalivetimeout", None, None, "Default: KeepAliveTimeout 5"),
        ("KeepAlive", "On", "", f"{_CORE}#keepalive", None, None, "Default: KeepAlive On"),
        ("Listen", 80, "port", "https://httpd.apache.org/docs/2.4/mod/mpm_common.html#listen", None, None,
         "the official httpd image's httpd.conf listens on 80"),
    ],
)
