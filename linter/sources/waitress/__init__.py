"""waitress: waitress-serve's command line."""
