"""How each backend kind ends a connection that is opened and never sends a request.

A TCP health check (nginx_upstream_check_module, Tengine: `check ... type=tcp`, the
default) connects, peeks, and keeps the connection for the next probe
(`ngx_http_upstream_check_clean_event` keeps it while fewer than
`check_keepalive_requests` requests went over it, and a TCP probe sends none), so what
the backend does with an idle, request-less connection decides how bad the probes are:

- "rst": resets it (IIS: HTTP.sys times the connection out and resets it): nginx logs
  `recv() failed (104: Connection reset by peer)` for every probe connection;
- "fin": answers or not, then closes it cleanly (Tomcat at connectionTimeout; Node.js
  sends 408 at headersTimeout, 60s since 18.0, and closes): the probe only holds a
  connection until then;
- "worker-timeout": the connection blocks a worker until the server kills it (gunicorn's
  default sync worker: the master aborts a worker silent for `timeout`, 30s, which
  answers 500 and is restarted with a `WORKER TIMEOUT` line): every probe costs a worker.

Keys are backend kinds. Checked with real servers in tests/e2e/test_e2e_idle_probe.py
(Node.js, gunicorn); IIS and Tomcat from their documentation.
"""

from nglint.tiers.defaults import table

_HTTPSYS = "https://learn.microsoft.com/en-us/windows/win32/api/http/ne-http-http_service_config_timeout_key"

DEFAULTS = table(
    "close-style",
    [
        ("iis", "rst", "", _HTTPSYS, (7,), None,
         "HTTP.sys: a connection idle past IdleConnectionTimeout, or without complete headers by HeaderWaitTimeout, "
         "is timed out and reset (IIS sets them from connectionTimeout, 2 min)"),
        ("tomcat", "fin", "", "https://tomcat.apache.org/tomcat-10.1-doc/config/http.html#Standard_Implementation",
         None, None, "closed after connectionTimeout when no request line arrives"),
        ("node", "fin", "", "https://nodejs.org/docs/latest-v20.x/api/http.html#serverheaderstimeout", (18, 0), None,
         "headersTimeout (60 s): the server answers 408 and closes the connection"),
        ("gunicorn", "worker-timeout", "", "https://docs.gunicorn.org/en/stable/settings.html#timeout", None, None,
         "sync workers (the default): a connection that sends nothing blocks the worker until it is killed "
         "and restarted after timeout (30 s), answering 500"),
        ("gunicorn.gthread", "fin", "", "https://docs.gunicorn.org/en/stable/design.html", None, None,
         "gthread workers wait for a request in their poller and close a connection that sends none"),
    ],
)

# What each style means for nginx_upstream_check_module's TCP probes, and how bad that is.
EFFECT = {
    "rst": "resets idle connections, so every probe becomes a recv() failed (104: Connection reset by peer) line in error.log",
    "fin": "closes idle connections cleanly, so probes only hold a connection each until its timeout",
    "worker-timeout": "blocks a worker on a connection that sends nothing, so every probe costs a worker killed at its timeout",
}
SEVERE = frozenset({"rst", "worker-timeout"})


def close_entry_for(kind: str, attributes: dict | None = None):
    """The row for a backend: gunicorn's depends on its worker class (sync, the default, or
    gthread; another class is not known), every other kind's on the kind alone."""
    if kind == "gunicorn":
        worker = str((attributes or {}).get("worker_class") or "sync").lower()
        if worker == "sync" or worker.endswith("syncworker"):
            return close_entry("gunicorn")
        return close_entry("gunicorn.gthread") if worker.startswith("gthread") else None
    return close_entry(kind)


def close_style(kind: str) -> str | None:
    """"rst", "fin", "worker-timeout", or None when nglint does not know the kind."""
    row = close_entry(kind)
    return row.value if row is not None else None


def close_entry(kind: str):
    """The defaults row saying how `kind` ends an idle, request-less connection, or None."""
    entries = DEFAULTS.all(kind)
    return entries[0] if entries else None
