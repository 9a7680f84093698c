"""KA003: a location proxies to a keepalive pool in a way that never reuses a connection."""

from __future__ import annotations

from typing import Iterable

from nglint.api import Finding, Rule, Severity, at_directive

RULE = Rule(
    code="KA003",
    name="keepalive-pool-unused",
    severity=Severity.WARNING,
    summary="A location proxies to a keepalive pool with HTTP/1.0 or without clearing the Connection header.",
    rationale="""
Before nginx 1.29.7, proxy_pass speaks HTTP/1.0 and sends `Connection: close` unless told
otherwise. Either one makes every upstream connection single-use: the `keepalive` pool
stays empty, each request pays a new TCP (and TLS) handshake, and under load the host runs
out of ephemeral ports (TIME_WAIT). Pooling needs both `proxy_http_version 1.1;` and
`proxy_set_header Connection "";` in effect where proxy_pass is.
""",
    bad_example="""
upstream app { server 127.0.0.1:8080; keepalive 32; }
server {
    location / { proxy_pass http://app; }
}
""",
    good_example="""
upstream app { server 127.0.0.1:8080; keepalive 32; }
server {
    location / {
        proxy_pass http://app;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
    }
}
""",
    fix='Add `proxy_http_version 1.1;` and/or `proxy_set_header Connection "";` to the location.',
    tags=("keepalive", "performance", "needs-context"),  # off inside fragments (see changed_files)
    fix_safety="unsafe",
)


def check(project) -> Iterable[Finding]:
    analysis = project.keepalive
    for upstream in analysis.all_upstreams():
        if not analysis.pool(upstream).pooled:
            continue
        for site in analysis.sites(upstream):
            version, version_directive = analysis.http_version(site)
            connection = analysis.connection(site)
            missing = []
            if version != "1.1":
                where = "set to 1.0" if version_directive is not None else "nginx's default is 1.0"
                missing.append(f"proxy_http_version 1.1 ({where})")
            # KA004 reports a Connection header dropped by an inner proxy_set_header.
            if not connection.cleared and connection.dropped is None:
                if connection.header is not None:
                    missing.append(f'proxy_set_header Connection "" (it is set to "{connection.header.arg(1)}")')
                else:
                    missing.append('proxy_set_header Connection "" (nginx sends "Connection: close" by default)')
            if not missing:
                continue
            message = (
                f"The keepalive pool of upstream {upstream.name!r} is never used here. "
                f"Missing: {' and '.join(missing)}."
            )
            finding = at_directive(RULE, site.directive, message)
            finding.data = {
                "upstream": upstream.name,
                "needs_http_version": version != "1.1",
                "needs_connection": bool(not connection.cleared and connection.dropped is None),
            }
            yield finding
