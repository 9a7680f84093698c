"""gunicorn: gunicorn.conf.py, its command line and GUNICORN_CMD_ARGS."""
