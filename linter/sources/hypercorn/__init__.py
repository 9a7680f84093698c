"""hypercorn: its command line."""
