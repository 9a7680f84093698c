"""Kestrel defaults: KestrelServerLimits.KeepAliveTimeout "Defaults to 130 seconds" (API
documentation); the aspnet images listen on 8080 from .NET 8 (ASPNETCORE_HTTP_PORTS=8080),
on 80 before."""

from nglint.tiers.defaults import table

_API = "https://learn.microsoft.com/en-us/dotnet/api/microsoft.aspnetcore.server.kestrel.core.kestrelserverlimits.keepalivetimeout"
_PORT = "https://learn.microsoft.com/en-us/dotnet/core/compatibility/containers/8.0/aspnet-port"

DEFAULTS = table(
    "kestrel",
    [
        ("KeepAliveTimeout", 130_000, "ms", _API, None, None, "KestrelServerLimits.KeepAliveTimeout"),
        ("port", 80, "port", _PORT, None, (8,), "aspnet images before .NET 8"),
        ("port", 8080, "port", _PORT, (8,), None, "aspnet images from .NET 8 (ASPNETCORE_HTTP_PORTS)"),
    ],
)
