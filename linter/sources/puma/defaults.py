"""Puma's idle keep-alive default, checked in Puma's source: lib/puma/configuration.rb has
`persistent_timeout: 20` at v6.6.0 and `persistent_timeout: ENV.fetch('PUMA_PERSISTENT_TIMEOUT', 65)`
at v7.0.0 (History.md: "Increase `persistent_timeout` default to 65 seconds", #3378)."""

from nglint.tiers.defaults import table

_SRC = "https://github.com/puma/puma/blob/{tag}/lib/puma/configuration.rb"

DEFAULTS = table(
    "puma",
    [
        ("persistent_timeout", 20_000, "ms", _SRC.format(tag="v6.6.0"), None, (7,), "Puma before 7.0"),
        ("persistent_timeout", 65_000, "ms", _SRC.format(tag="v7.0.0"), (7,), None, "Puma 7.0 and later"),
        ("port", 9292, "port", "https://github.com/puma/puma/blob/v7.0.0/lib/puma/configuration.rb", None, None,
         "Puma's default bind tcp://0.0.0.0:9292 (Rails' generated config/puma.rb sets 3000)"),
    ],
)
