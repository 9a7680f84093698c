"""A WSGI app that reads the body and answers with the port nginx connected from.

The peer port of the connection the request came in on tells the e2e test whether nginx
reused a pooled connection (same port twice) or opened a new one. uWSGI hands the app its
connection's file descriptor (`uwsgi.connection_fd()`), for every listener kind alike.
"""

import socket

import uwsgi


def app(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length:
        environ["wsgi.input"].read(length)
    peer = socket.socket(fileno=uwsgi.connection_fd())
    try:
        port = peer.getpeername()[1]
    finally:
        peer.detach()  # the descriptor stays uWSGI's
    body = f"{port}\n".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
