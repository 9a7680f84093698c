"""IIS: applicationHost.config sites, bindings and limits; web.config's aspNetCore."""
