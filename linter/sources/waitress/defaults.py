"""waitress defaults, checked in waitress 3.0.2's waitress/adjustments.py: `channel_timeout = 120`
(inactive connections are closed by a sweep every `cleanup_interval`, 30s, so 120s is the
earliest), `port = 8080`."""

from nglint.tiers.defaults import table

_DOCS = "https://docs.pylonsproject.org/projects/waitress/en/stable/arguments.html"

DEFAULTS = table(
    "waitress",
    [
        ("idle_timeout", 120_000, "ms", f"{_DOCS}#channel-timeout", None, None, "channel_timeout 120 (adjustments.py)"),
        ("port", 8080, "port", f"{_DOCS}#port"),
    ],
)
