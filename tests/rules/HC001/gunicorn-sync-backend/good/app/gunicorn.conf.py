# gunicorn with its default sync worker
bind = "127.0.0.1:8000"
workers = 2
