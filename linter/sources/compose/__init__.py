"""docker-compose files: services as processes, each linked to nginx by its name."""
