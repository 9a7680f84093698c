"""uvicorn's defaults, checked against uvicorn's source at tag 0.35.0: uvicorn/main.py
`--timeout-keep-alive` default=5 and `--port` default=8000, click's auto_envvar_prefix
"UVICORN" (so UVICORN_TIMEOUT_KEEP_ALIVE), uvicorn/config.py Config(timeout_keep_alive=5).
Under gunicorn (`-k uvicorn.workers.UvicornWorker`) uvicorn/workers.py passes gunicorn's
`keepalive` as timeout_keep_alive: the gunicorn reader answers for those."""

from nglint.tiers.defaults import table

_DOCS = "https://www.uvicorn.org/settings/"
_SRC = "https://github.com/encode/uvicorn/blob/0.35.0/uvicorn"

DEFAULTS = table(
    "uvicorn",
    [
        ("timeout_keep_alive", 5_000, "ms", f"{_DOCS}#timeouts", None, None, f"--timeout-keep-alive default 5 ({_SRC}/main.py)"),
        ("port", 8000, "port", f"{_DOCS}#socket-binding", None, None, f"--port default 8000 ({_SRC}/main.py)"),
    ],
)
