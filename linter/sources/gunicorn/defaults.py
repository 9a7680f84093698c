"""gunicorn's defaults that decide how long an idle keep-alive connection lives.

Checked against gunicorn's source at tag 26.1.0 (gunicorn/config.py: Keepalive.default = 2,
WorkerClass.default = "sync", Bind.default 127.0.0.1:8000; gunicorn/workers/sync.py calls
resp.force_close() on every response; gunicorn/config.py worker_class switches sync to
gthread when threads > 1).
"""

from nglint.tiers.defaults import table

_DOCS = "https://docs.gunicorn.org/en/stable/settings.html"
_SRC = "https://github.com/benoitc/gunicorn/blob/26.1.0/gunicorn"

DEFAULTS = table(
    "gunicorn",
    [
        ("keepalive", 2_000, "ms", f"{_DOCS}#keepalive", None, None, "gunicorn/config.py Keepalive.default = 2 (seconds)"),
        ("worker_class", "sync", "", f"{_DOCS}#worker-class", None, None,
         f"the sync worker closes every connection after its response ({_SRC}/workers/sync.py)"),
        ("threads", 1, "threads", f"{_DOCS}#threads", None, None,
         f"sync with threads > 1 runs the gthread worker ({_SRC}/config.py worker_class)"),
        ("bind", 8000, "port", f"{_DOCS}#bind", None, None, "127.0.0.1:8000, or 0.0.0.0:$PORT when PORT is set"),
    ],
)
