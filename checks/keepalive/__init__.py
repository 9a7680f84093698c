"""Keepalive rules (KA001-KA005): an idle pooled connection must be closed by the client side first, and nginx must actually pool."""
