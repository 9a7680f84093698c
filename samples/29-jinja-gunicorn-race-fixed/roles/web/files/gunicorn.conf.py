bind = "unix:/run/gunicorn/shop.sock"
worker_class = "gthread"
threads = 4
keepalive = 75  # longer than nginx's 60s idle pool
