"""hypercorn defaults, checked in hypercorn 0.18.0's hypercorn/config.py:
`keep_alive_timeout = 5 * SECONDS`; `--keep-alive` sets it in seconds (__main__.py);
the default bind is 127.0.0.1:8000."""

from nglint.tiers.defaults import table

_DOCS = "https://hypercorn.readthedocs.io/en/latest/how_to_guides/configuring.html"

DEFAULTS = table(
    "hypercorn",
    [
        ("idle_timeout", 5_000, "ms", _DOCS, None, None, "keep_alive_timeout 5s (config.py)"),
        ("port", 8000, "port", _DOCS, None, None, "bind 127.0.0.1:8000"),
    ],
)
