"""IIS defaults (IIS 7.0 and later, unchanged through 10):

- `<sites><siteDefaults><limits connectionTimeout>`: "the time (in seconds) that IIS waits
  before it disconnects a connection that is considered inactive", default 00:02:00; a
  site's own `<limits>` wins over siteDefaults. HTTP.sys applies it per site as its idle
  connection timer and resets the connection when it expires.
- `<webLimits connectionTimeout>` (server-wide, also 00:02:00) is not read: the per-site
  limits govern a site's connections.
- The Default Web Site binds `*:80:`.
"""

from nglint.tiers.defaults import table

_LIMITS = "https://learn.microsoft.com/en-us/iis/configuration/system.applicationhost/sites/sitedefaults/limits"
_SITE_LIMITS = "https://learn.microsoft.com/en-us/iis/configuration/system.applicationhost/sites/site/limits"
_BINDING = "https://learn.microsoft.com/en-us/iis/configuration/system.applicationhost/sites/site/bindings/binding"

DEFAULTS = table(
    "iis",
    [
        ("connectionTimeout", 120_000, "ms", _LIMITS, (7,), None, "siteDefaults limits connectionTimeout 00:02:00"),
        ("site.connectionTimeout", "siteDefaults", "", _SITE_LIMITS, (7,), None, "a site's own limits win over siteDefaults"),
        ("port", 80, "port", _BINDING, (7,), None, "the Default Web Site binds *:80:"),
    ],
)
