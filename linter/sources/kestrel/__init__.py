"""ASP.NET Core's Kestrel: appsettings.json and environment."""
