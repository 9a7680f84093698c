"""A compose file assumes nothing about idle timeouts; its table is empty on purpose."""

from nglint.tiers.defaults import table

DEFAULTS = table("compose", [])
