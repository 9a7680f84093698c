"""A systemd unit assumes nothing about idle timeouts; its table is empty on purpose.

The server its ExecStart= runs brings its own defaults (gunicorn, uWSGI, node, ...)."""

from nglint.tiers.defaults import table

DEFAULTS = table("systemd", [])
