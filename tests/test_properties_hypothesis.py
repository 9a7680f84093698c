"""Property tests: arbitrary token streams never crash nglint; on generated valid configs
KA001 fires exactly when an independent oracle says the timeouts violate the margin."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import lint_paths, write_tree

# -- token streams -----------------------------------------------------------------------------
WORDS = ["http", "server", "upstream", "location", "include", "keepalive", "keepalive_timeout", "proxy_pass",
         "proxy_set_header", "Connection", "listen", "if", "map", "events", "app", "http://app", "127.0.0.1:8080",
         "*.conf", "../x.conf", "/etc/nginx/x.conf", "$host", "${X}", "~", "^/a{2,3}$", "60s", "0", "-1", "9" * 40,
         "\\", "\\\"", "caf\u00e9", "\u202e", "\x00", ""]
TOKENS = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(["{", "}", ";", '"', "'", "#", "\n", "\r\n", " ", "\t"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
)
RAW_BYTES = st.binary(max_size=400)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tokens=st.lists(TOKENS, max_size=80), extra=st.lists(st.tuples(st.sampled_from(["a.conf", "conf.d/b.conf"]), st.lists(TOKENS, max_size=30)), max_size=2))
def test_token_streams_never_crash(tokens, extra):
    files: dict[str, str | bytes] = {"nginx.conf": " ".join(tokens).encode("utf-8", "surrogatepass")}
    for name, more in extra:
        files[name] = " ".join(more).encode("utf-8", "surrogatepass")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_tree(root, files)
        report = lint_paths([str(root)], cwd=root, discover_config=False)
        assert all(f.line >= 1 for f in report.findings)


@settings(max_examples=80, deadline=None)
@given(data=RAW_BYTES, xml=RAW_BYTES)
def test_raw_bytes_never_crash(data, xml):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_tree(root, {"nginx.conf": data, "conf/server.xml": b"<Server>" + xml})
        lint_paths([str(root)], cwd=root, discover_config=False)


# -- KA001 against an oracle -----------------------------------------------------------------------
NGINX_DEFAULT_MS = 60_000
TOMCAT_DEFAULT_MS = 60_000


def nginx_time(ms: int, style: str) -> str:
    """An nginx spelling of `ms` (only exact spellings are generated)."""
    if style == "ms" or ms % 1000:
        return f"{ms}ms"
    seconds = ms // 1000
    if style == "bare":
        return str(seconds)
    if style == "m" and seconds % 60 == 0:
        return f"{seconds // 60}m"
    if style == "ms-split" and seconds >= 60:
        return f"{seconds // 60}m{seconds % 60}s" if seconds % 60 else f"{seconds // 60}m"
    return f"{seconds}s"


def oracle_violates(keepalive: int | None, nginx_ms: int | None, connection_ms: int | None, keepalive_ms: int | None) -> bool:
    """Written from the rule's documentation, not from the check: with nginx before 1.29.7
    an upstream is pooled only by `keepalive N` with N > 0; its idle timeout is
    keepalive_timeout or 60s; Tomcat's idle timeout is keepAliveTimeout, else
    connectionTimeout, else 60s; nginx must close at least max(1s, 10%) earlier."""
    if not keepalive:
        return False
    ours = NGINX_DEFAULT_MS if nginx_ms is None else nginx_ms
    theirs = keepalive_ms if keepalive_ms is not None else connection_ms if connection_ms is not None else TOMCAT_DEFAULT_MS
    gap = max(1000, theirs // 10)
    return ours > theirs - gap


TIMEOUT_MS = st.one_of(st.integers(1, 300) .map(lambda s: s * 1000), st.integers(1, 300_000))


@settings(max_examples=200, deadline=None)
@given(
    keepalive=st.one_of(st.none(), st.integers(0, 64)),
    nginx_ms=st.one_of(st.none(), TIMEOUT_MS),
    style=st.sampled_from(["s", "ms", "bare", "m", "ms-split"]),
    connection_ms=st.one_of(st.none(), st.integers(1, 300_000)),
    keepalive_ms=st.one_of(st.none(), st.integers(1, 300_000)),
    port=st.integers(1024, 65535),
    comment_lines=st.integers(0, 3),
)
@example(keepalive=8, nginx_ms=None, style="s", connection_ms=20_000, keepalive_ms=None, port=8080, comment_lines=0)  # fires
@example(keepalive=8, nginx_ms=18_000, style="s", connection_ms=20_000, keepalive_ms=None, port=8080, comment_lines=0)  # exactly at the margin
@example(keepalive=8, nginx_ms=18_001, style="ms", connection_ms=20_000, keepalive_ms=None, port=8080, comment_lines=0)  # 1ms over
def test_ka001_fires_exactly_when_the_oracle_says(keepalive, nginx_ms, style, connection_ms, keepalive_ms, port, comment_lines):
    upstream = [f"server 127.0.0.1:{port};"]
    if keepalive is not None:
        upstream.append(f"keepalive {keepalive};")
    if nginx_ms is not None:
        upstream.append(f"keepalive_timeout {nginx_time(nginx_ms, style)};")
    nginx = (
        "events {}\nhttp {\n" + "  # filler\n" * comment_lines + "  upstream app {\n"
        + "".join(f"    {line}\n" for line in upstream)
        + "  }\n  server {\n    location / {\n      proxy_pass http://app;\n      proxy_http_version 1.1;\n"
        + '      proxy_set_header Connection "";\n    }\n  }\n}\n'
    )
    attributes = f'port="{port}" protocol="HTTP/1.1"'
    if connection_ms is not None:
        attributes += f' connectionTimeout="{connection_ms}"'
    if keepalive_ms is not None:
        attributes += f' keepAliveTimeout="{keepalive_ms}"'
    server_xml = f'<?xml version="1.0"?>\n<Server port="8005"><Service name="Catalina">\n<Connector {attributes}/>\n</Service></Server>\n'
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_tree(root, {"nginx/nginx.conf": nginx, "tomcat/conf/server.xml": server_xml})
        report = lint_paths([str(root)], cwd=root, discover_config=False, select=["KA001"])
    fired = [f for f in report.findings if f.rule == "KA001"]
    assert bool(fired) == oracle_violates(keepalive, nginx_ms, connection_ms, keepalive_ms), [f.message for f in fired]
    if fired:
        expected_line = 3 + comment_lines + len(upstream) if nginx_ms is not None else 3 + comment_lines + 2
        assert fired[0].line == expected_line


# -- nginx -T dumps ----------------------------------------------------------------------------------
VIRTUAL = st.sampled_from(["/etc/nginx/nginx.conf", "/etc/nginx/conf.d/a.conf", "/etc/nginx/conf.d/b.conf", "/etc/nginx/a.conf", "relative.conf", "/", ""])
DUMP_TOKENS = st.one_of(TOKENS, st.sampled_from(["include /etc/nginx/conf.d/*.conf;", "include a.conf;", "include /etc/nginx/nginx.conf;", "include *;"]))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(preamble=st.booleans(), segments=st.lists(st.tuples(VIRTUAL, st.lists(DUMP_TOKENS, max_size=30)), min_size=1, max_size=5))
def test_generated_nginx_T_dumps_never_crash(preamble, segments):
    text = "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n" if preamble else ""
    for virtual, tokens in segments:
        text += f"# configuration file {virtual}:\n" + " ".join(tokens) + "\n\n"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_tree(root, {"dump.conf": text.encode("utf-8", "surrogatepass")})
        report = lint_paths([str(root / "dump.conf")], cwd=root, discover_config=False)
        lines = text.count("\n") + 1
        assert all(1 <= f.line <= lines for f in report.findings), [(f.rule, f.line, f.message) for f in report.findings]
