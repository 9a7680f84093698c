# Backend half of the gunicorn e2e race (tests/e2e/test_e2e_servers.py): a threaded
# worker keeps idle keep-alive connections 2s (gunicorn's default, stated here).
bind = "10.77.7.2:8089"
worker_class = "gthread"
threads = 2
workers = 1
keepalive = 2
accesslog = None
