"""Front tiers: load balancers, CDNs and routers in front of nginx or an app server."""
