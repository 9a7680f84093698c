bind = "unix:/run/gunicorn/shop.sock"
worker_class = "gthread"
threads = 4
keepalive = 2
