"""HTTP proxies in front of nginx whose configuration is in the repository: Traefik, Envoy."""
