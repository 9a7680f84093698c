"""uWSGI: uwsgi.ini (and its YAML, JSON and XML forms) and the `uwsgi` command line."""
