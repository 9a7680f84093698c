"""uWSGI: uwsgi.ini (and its YAML/JSON forms) and the `uwsgi` command line."""
