bind = "0.0.0.0:8000"
worker_class = "gthread"
threads = 4
# Above nginx's 60s pool idle timeout (plus margin): nginx always closes idle connections first.
keepalive = 75
