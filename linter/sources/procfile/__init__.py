"""Procfiles (Heroku, foreman, honcho): one process type per line."""
