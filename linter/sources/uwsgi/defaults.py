"""uWSGI defaults, checked in the uWSGI 2.0.30 source.

- plugins/http/http.c: `http-keepalive` is an int that stays 0 unless given: the HTTP
  router (`--http`) then closes the client connection after each response. Given without
  a value it is 1 and the idle connection keeps the router's socket timeout
  (`http-timeout`, plugins/corerouter/corerouter.c sets 60 when unset); given N > 1 the
  idle timer is N seconds (`hr_instance_read` sets it after a response).
- proto/http.c: an `http11-socket` keeps the connection after a response and waits for
  the next request with `uwsgi_wait_read_req`, i.e. `uwsgi.socket_timeout`
  (`--socket-timeout`, core/init.c sets 4). A plain `http-socket` closes after every
  response (`uwsgi_proto_base_close`), whatever `--add-header Connection: Keep-Alive` says.
- The uwsgi protocol (`--socket`, `uwsgi_pass`) carries one request per connection.
"""

from nglint.tiers.defaults import table

_SRC = "https://github.com/unbit/uwsgi/blob/2.0.30"
_DOCS = "https://uwsgi-docs.readthedocs.io/en/latest/HTTP.html"

DEFAULTS = table(
    "uwsgi",
    [
        ("http-keepalive", 0, "s", f"{_SRC}/plugins/http/http.c", None, None,
         "0 = off: the HTTP router closes the connection after each response"),
        ("http-timeout", 60_000, "ms", f"{_SRC}/plugins/corerouter/corerouter.c", None, None,
         "socket_timeout 60 when unset; the idle timer of --http-keepalive without a value"),
        ("socket-timeout", 4_000, "ms", f"{_SRC}/core/init.c", None, None,
         "uwsgi.socket_timeout = 4; an http11-socket waits this long for the next request"),
        ("http-socket", "close", "", f"{_SRC}/proto/http.c", None, None,
         "uwsgi_proto_base_close: one request per connection"),
        ("protocol", "uwsgi", "", _DOCS, None, None, "--socket speaks the uwsgi protocol: one request per connection"),
    ],
)
