"""How each backend kind ends a connection that stays idle without a request.

A TCP health check (nginx_upstream_check_module, Tengine) opens a connection and sends
nothing. A backend that resets such a connection makes nginx log `recv() failed (104:
Connection reset by peer)` for every probe; one that closes it with FIN only holds it
until its timer runs out. Keys are backend kinds; values "rst" or "fin".
"""

from nglint.tiers.defaults import table

DEFAULTS = table(
    "close-style",
    [
        ("iis", "rst", "",
         "https://learn.microsoft.com/en-us/previous-versions/windows/it-pro/windows-server-2003/cc759448(v=ws.10)",
         None, None, "HTTP.sys: Timer_ConnectionIdle / Timer_HeaderWait, the connection is reset"),
        ("tomcat", "fin", "", "https://tomcat.apache.org/tomcat-10.1-doc/config/http.html#Standard_Implementation",
         None, None, "closed after connectionTimeout when no request line arrives"),
    ],
)


def close_style(kind: str) -> str | None:
    """"rst", "fin" or None when nglint does not know the kind."""
    entries = DEFAULTS.all(kind)
    return entries[0].value if entries else None
