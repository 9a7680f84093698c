"""Jetty (standalone): start.ini and start.d/*.ini of a jetty base."""
