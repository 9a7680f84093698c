"""KA001's backend-side alternative: the server's own setting raised above nginx's timeout,
shown at the line that sets it (never applied by --fix)."""

from __future__ import annotations

import pytest

from conftest import told

from nglint.config import Margin
from nglint.sources.backend_change import needed_seconds


@pytest.mark.parametrize("client_ms, seconds", [(60_000, 67), (1_000, 2), (75_000, 84), (9_500, 11)])
def test_needed_seconds_respects_the_margin(client_ms, seconds):
    margin = Margin(percent=10)
    assert needed_seconds(client_ms, margin) == seconds
    assert seconds * 1000 - margin.required_gap_ms(seconds * 1000) >= client_ms
    assert (seconds - 1) * 1000 - margin.required_gap_ms((seconds - 1) * 1000) < client_ms


NGINX = "upstream app {\n    server app:8000;\n    keepalive 8;\n}\nserver {\n    listen 80;\n    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection \"\"; }\n}\n"


@pytest.mark.parametrize("files, expected, where", [
    ({"docker-compose.yml": "services:\n  app:\n    image: python\n    command: gunicorn -k gthread --keep-alive=2 -b 0.0.0.0:8000 app:app\n"},
     "--keep-alive=2 -> --keep-alive 67", ("docker-compose.yml", 4)),
    ({"docker-compose.yml": "services:\n  app:\n    image: python\n    command: uvicorn main:app --port 8000\n    environment:\n      UVICORN_TIMEOUT_KEEP_ALIVE: '5'\n"},
     "UVICORN_TIMEOUT_KEEP_ALIVE: '5' -> UVICORN_TIMEOUT_KEEP_ALIVE: 67", ("docker-compose.yml", 6)),
    ({"docker-compose.yml": "services:\n  app:\n    image: node:20\n    command: node s.js\n    volumes: ['./s.js:/srv/s.js']\n",
      "s.js": "const s = app.listen(8000);\ns.keepAliveTimeout = 5 * 1000;\n"},
     "keepAliveTimeout = 5 * 1000 -> keepAliveTimeout = 67000", ("s.js", 2)),
])
def test_alternative_in_the_backends_own_format(lint, files, expected, where):
    report = lint({**files, "nginx/default.conf": NGINX})
    (finding,) = [f for f in report.findings if f.rule == "KA001"]
    assert f"or raise the backend's idle timeout instead: {expected}" in told(finding)
    alternative = finding.related[-1]
    assert (report.display_path(alternative.location.path), alternative.location.line) == where
    assert finding.data["backend_change"]["line"] == where[1]
