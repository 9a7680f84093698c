"""Deterministic generator of realistic nginx + Tomcat trees for the benchmarks.

Why a generator: the real-world corpus is small (a few hundred files, mostly short), and
the scaling target needs the *same shape* of tree at N = 100, 1000 and 5000 server
blocks. Every tree is built from one seeded `random.Random`, so the same (N, seed) gives
byte-identical files on every machine and every run, and timings stay comparable.

Layout of one tree (an nginx prefix plus one Tomcat per upstream):

    nginx/nginx.conf                    events + http; includes the three folders below
    nginx/snippets/*.conf               proxy headers, timeouts, TLS, security headers
    nginx/upstreams/pool-NNN.conf       upstream blocks (keepalive, keepalive_timeout, ...)
    nginx/sites/site-NNN.conf           server blocks with locations and proxy_pass
    tomcat/app-NNNN/conf/server.xml     one Tomcat per upstream; Connector port = upstream port

Most of the tree is healthy, like a real fleet; a seeded few percent carries the faults
the linter exists for (backend keepAliveTimeout shorter than nginx's, missing
proxy_http_version 1.1, an upstream no location uses), so the checks do real work.

Run as a script to write a tree:  python bench/gen.py --servers 1000 --out /tmp/t1000
"""

from __future__ import annotations

import argparse
import os
import random
from dataclasses import dataclass, field

SERVERS_PER_SITE_FILE = 10
UPSTREAMS_PER_POOL_FILE = 25
SERVERS_PER_UPSTREAM = 4  # 1000 server blocks -> 250 upstreams -> 250 Tomcats
BASE_PORT = 10000  # upstream i listens on BASE_PORT + i on both of its hosts


@dataclass
class TreeInfo:
    """What was written, so the benchmark can name entry files and count work."""

    root: str
    servers: int
    upstreams: int
    nginx_entries: list[str] = field(default_factory=list)
    nginx_files: list[str] = field(default_factory=list)
    tomcat_files: list[str] = field(default_factory=list)

    @property
    def files(self) -> int:
        return len(self.nginx_files) + len(self.tomcat_files)


def _write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


SNIPPETS = {
    "proxy.conf": """\
# Shared reverse-proxy settings for every location that talks to a Tomcat pool.
proxy_http_version 1.1;
proxy_set_header Connection "";
proxy_set_header Host $host;
proxy_set_header X-Real-IP $remote_addr;
proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
proxy_set_header X-Forwarded-Proto $scheme;
proxy_connect_timeout 5s;
proxy_send_timeout 60s;
proxy_read_timeout 60s;
proxy_buffering on;
proxy_buffers 16 16k;
proxy_buffer_size 16k;
proxy_next_upstream error timeout http_502 http_503;
proxy_next_upstream_tries 2;
""",
    "proxy-legacy.conf": """\
# Older snippet still used by a few sites: no HTTP/1.1, so upstream keepalive is off.
proxy_set_header Host $host;
proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
proxy_read_timeout 120s;
""",
    "tls.conf": """\
ssl_protocols TLSv1.2 TLSv1.3;
ssl_prefer_server_ciphers off;
ssl_session_cache shared:SSL:50m;
ssl_session_timeout 1d;
ssl_session_tickets off;
ssl_stapling on;
ssl_stapling_verify on;
""",
    "security-headers.conf": """\
add_header X-Frame-Options "SAMEORIGIN" always;
add_header X-Content-Type-Options "nosniff" always;
add_header Referrer-Policy "strict-origin-when-cross-origin" always;
add_header Strict-Transport-Security "max-age=63072000" always;
""",
    "static.conf": """\
expires 7d;
access_log off;
add_header Cache-Control "public";
try_files $uri =404;
""",
}


NGINX_CONF = """\
# Generated benchmark tree: {servers} server blocks, {upstreams} upstreams.
user nginx;
worker_processes auto;
pid /run/nginx.pid;
error_log /var/log/nginx/error.log warn;

events {{
    worker_connections 4096;
    multi_accept on;
}}

http {{
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    server_tokens off;
    types_hash_max_size 2048;
    default_type application/octet-stream;
    log_format main '$remote_addr - $remote_user [$time_local] "$request" '
                    '$status $body_bytes_sent "$http_referer" '
                    '"$http_user_agent" rt=$request_time urt=$upstream_response_time';
    access_log /var/log/nginx/access.log main;
    keepalive_timeout 65s;
    keepalive_requests 1000;
    client_max_body_size 20m;
    gzip on;
    gzip_types text/plain text/css application/json application/javascript;

    include upstreams/*.conf;
    include sites/*.conf;
}}
"""


def _upstream_block(index: int, rng: random.Random, faulty: bool, base_port: int) -> str:
    """One pool: two Tomcat hosts on the same port, idle keepalive connections kept."""
    port = base_port + index
    keepalive = rng.choice((16, 32, 64))
    # The nginx side must close idle upstream connections before Tomcat does; faulty
    # pools keep them longer than the backend's keepAliveTimeout (the KA001 race).
    ka_timeout = 75 if faulty else rng.choice((15, 20, 30))
    lines = [
        f"upstream pool_{index:04d} {{",
        f"    zone pool_{index:04d} 64k;" if index % 3 == 0 else None,
        "    least_conn;" if index % 2 else None,
        f"    server app{index:04d}-a.internal:{port} max_fails=3 fail_timeout=10s;",
        f"    server app{index:04d}-b.internal:{port} max_fails=3 fail_timeout=10s;",
        f"    server app{index:04d}-c.internal:{port} backup;" if index % 7 == 0 else None,
        f"    keepalive {keepalive};",
        f"    keepalive_timeout {ka_timeout}s;",
        f"    keepalive_requests {rng.choice((100, 1000))};",
        "}",
        "",
    ]
    return "\n".join(line for line in lines if line is not None)


def _server_block(index: int, upstream: int, rng: random.Random, legacy: bool) -> str:
    """A virtual host: TLS, a proxied app, an API with its own timeouts, static files."""
    host = f"site{index:05d}.example.com"
    proxy_snippet = "snippets/proxy-legacy.conf" if legacy else "snippets/proxy.conf"
    api_timeout = rng.choice((30, 60, 90))
    out = [
        "server {",
        "    listen 443 ssl;",
        "    listen [::]:443 ssl;",
        f"    server_name {host} www.{host};",
        f"    ssl_certificate /etc/ssl/{host}/fullchain.pem;",
        f"    ssl_certificate_key /etc/ssl/{host}/privkey.pem;",
        "    include snippets/tls.conf;",
        "    include snippets/security-headers.conf;",
        f"    access_log /var/log/nginx/{host}.access.log main;",
        "",
        "    location / {",
        f"        proxy_pass http://pool_{upstream:04d};",
        f"        include {proxy_snippet};",
        "    }",
        "",
        "    location /api/ {",
        f"        proxy_pass http://pool_{upstream:04d}/api/;",
        f"        include {proxy_snippet};",
        f"        proxy_read_timeout {api_timeout}s;",
        "        client_max_body_size 5m;",
        "    }",
    ]
    if index % 4 == 0:
        out += [
            "",
            "    location ~* \\.(?:css|js|png|jpg|svg|woff2)$ {",
            f"        root /srv/www/{host};",
            "        include snippets/static.conf;",
            "    }",
        ]
    if index % 10 == 0:
        out += [
            "",
            "    location = /healthz {",
            "        access_log off;",
            "        return 200 'ok';",
            "    }",
        ]
    out += ["}", "", "server {", "    listen 80;", f"    server_name {host} www.{host};", "    return 301 https://$host$request_uri;", "}", ""]
    return "\n".join(out)


SERVER_XML = """\
<?xml version="1.0" encoding="UTF-8"?>
<!-- Tomcat for pool_{index:04d}; generated benchmark tree. -->
<Server port="-1" shutdown="SHUTDOWN">
  <Listener className="org.apache.catalina.startup.VersionLoggerListener" />
  <Listener className="org.apache.catalina.core.AprLifecycleListener" SSLEngine="on" />
  <Listener className="org.apache.catalina.core.JreMemoryLeakPreventionListener" />
  <Listener className="org.apache.catalina.mbeans.GlobalResourcesLifecycleListener" />
  <Listener className="org.apache.catalina.core.ThreadLocalLeakPreventionListener" />

  <GlobalNamingResources>
    <Resource name="UserDatabase" auth="Container"
              type="org.apache.catalina.UserDatabase"
              description="User database that can be updated and saved"
              factory="org.apache.catalina.users.MemoryUserDatabaseFactory"
              pathname="conf/tomcat-users.xml" />
  </GlobalNamingResources>

  <Service name="Catalina">
    <Executor name="tomcatThreadPool" namePrefix="catalina-exec-"
              maxThreads="{max_threads}" minSpareThreads="10" />

    <Connector port="{port}" protocol="HTTP/1.1"
               executor="tomcatThreadPool"
               connectionTimeout="{connection_timeout}"
               keepAliveTimeout="{keep_alive_timeout}"
               maxKeepAliveRequests="{max_keep_alive_requests}"
               redirectPort="8443" />
{extra_connector}
    <Engine name="Catalina" defaultHost="localhost">
      <Realm className="org.apache.catalina.realm.LockOutRealm">
        <Realm className="org.apache.catalina.realm.UserDatabaseRealm"
               resourceName="UserDatabase"/>
      </Realm>
      <Host name="localhost" appBase="webapps" unpackWARs="true" autoDeploy="false">
        <Valve className="org.apache.catalina.valves.RemoteIpValve"
               remoteIpHeader="X-Forwarded-For" protocolHeader="X-Forwarded-Proto" />
        <Valve className="org.apache.catalina.valves.AccessLogValve" directory="logs"
               prefix="localhost_access_log" suffix=".txt"
               pattern="%h %l %u %t &quot;%r&quot; %s %b %D" />
      </Host>
    </Engine>
  </Service>
</Server>
"""

AJP_CONNECTOR = """\
    <Connector protocol="AJP/1.3" address="127.0.0.1" port="{ajp_port}"
               secretRequired="false" redirectPort="8443" />
"""


def _server_xml(index: int, rng: random.Random, faulty: bool, base_port: int) -> str:
    """Tomcat's keepAliveTimeout must outlive nginx's upstream keepalive_timeout; faulty
    backends keep it at the shipped 20 s while their pool keeps connections 75 s."""
    keep_alive_ms = 20000 if faulty else rng.choice((60000, 90000, 120000))
    extra = AJP_CONNECTOR.format(ajp_port=30000 + index) if index % 11 == 0 else ""
    return SERVER_XML.format(
        index=index,
        port=base_port + index,
        max_threads=rng.choice((150, 200, 400)),
        connection_timeout=rng.choice((20000, 30000)),
        keep_alive_timeout=keep_alive_ms,
        max_keep_alive_requests=rng.choice((100, 1000, -1)),
        extra_connector=extra,
    )


def generate(root: str, servers: int, seed: int = 8, base_port: int = BASE_PORT) -> TreeInfo:
    """Write one tree with `servers` server blocks under `root` (created if needed).

    Upstream i and its Tomcat listen on `base_port + i`.

    The fault rate is fixed (about 3% of pools race, 5% of sites use the legacy snippet,
    one pool in 50 is unused), so findings grow linearly with N like everything else.
    """
    if servers < 1:
        raise ValueError("servers must be >= 1")
    rng = random.Random(f"nglint-bench:{seed}:{servers}")
    upstreams = max(1, servers // SERVERS_PER_UPSTREAM)
    info = TreeInfo(root=os.path.abspath(root), servers=servers, upstreams=upstreams)
    nginx_dir = os.path.join(info.root, "nginx")

    def nginx_file(rel: str, text: str) -> None:
        path = os.path.join(nginx_dir, rel)
        _write(path, text)
        info.nginx_files.append(path)

    nginx_file("nginx.conf", NGINX_CONF.format(servers=servers, upstreams=upstreams))
    info.nginx_entries.append(os.path.join(nginx_dir, "nginx.conf"))
    for name, text in SNIPPETS.items():
        nginx_file(os.path.join("snippets", name), text)

    faulty = {i for i in range(upstreams) if rng.random() < 0.03}
    unused = {i for i in range(upstreams) if i % 50 == 49}
    used = [i for i in range(upstreams) if i not in unused] or [0]

    for start in range(0, upstreams, UPSTREAMS_PER_POOL_FILE):
        blocks = [_upstream_block(i, rng, i in faulty, base_port) for i in range(start, min(start + UPSTREAMS_PER_POOL_FILE, upstreams))]
        nginx_file(os.path.join("upstreams", f"pool-{start // UPSTREAMS_PER_POOL_FILE:03d}.conf"), "\n".join(blocks))

    for start in range(0, servers, SERVERS_PER_SITE_FILE):
        blocks = []
        for i in range(start, min(start + SERVERS_PER_SITE_FILE, servers)):
            upstream = used[i % len(used)]
            blocks.append(_server_block(i, upstream, rng, legacy=rng.random() < 0.05))
        nginx_file(os.path.join("sites", f"site-{start // SERVERS_PER_SITE_FILE:03d}.conf"), "\n".join(blocks))

    for i in range(upstreams):
        path = os.path.join(info.root, "tomcat", f"app-{i:04d}", "conf", "server.xml")
        _write(path, _server_xml(i, rng, i in faulty, base_port))
        info.tomcat_files.append(path)
    return info


def generate_roots(root: str, roots: int, servers_per_root: int = 20, seed: int = 8) -> list[TreeInfo]:
    """Write `roots` independent trees side by side (a monorepo of services), for --jobs.

    Each service gets its own port range, so every upstream links to its own Tomcat: with
    one shared port (every Tomcat on 8080) nglint links by port across the whole checked
    tree and reports each pool as ambiguous instead.
    """
    per_root = max(1, servers_per_root // SERVERS_PER_UPSTREAM)
    if BASE_PORT + roots * per_root > 65535:
        raise ValueError("too many roots x upstreams for distinct TCP ports")
    return [
        generate(os.path.join(root, f"service-{i:03d}"), servers_per_root, seed=seed * 1000 + i, base_port=BASE_PORT + i * per_root)
        for i in range(roots)
    ]


ONE_FILE_CONF = """\
events {}
http {
    upstream app {
        server 127.0.0.1:8080;
        keepalive 16;
    }
    server {
        listen 80;
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
"""


def generate_stack(root: str, services: int, seed: int = 8) -> TreeInfo:
    """One compose project with `services` application services (a seeded mix of Node.js,
    gunicorn and Spring Boot, each with its own config file) and the nginx in front that
    mounts one upstream per service: the shape of a large stack linked by service names."""
    rng = random.Random(seed)
    root = os.path.abspath(root)
    info = TreeInfo(root, services, services)
    compose = ["services:", "  proxy:", "    image: nginx:1.30-alpine", "    volumes:",
               "      - ./nginx/nginx.conf:/etc/nginx/nginx.conf:ro"]
    upstreams, locations = [], []
    for index in range(services):
        name = f"svc{index:04d}"
        kind = rng.choice(("node", "gunicorn", "spring"))
        port = {"node": 3000, "gunicorn": 8000, "spring": 8080}[kind]
        idle = rng.choice((2, 5, 30, 65, 75, 120))
        if kind == "node":
            _write(os.path.join(root, name, "server.js"),
                   f"const server = require('http').createServer(handler);\nserver.keepAliveTimeout = {idle * 1000};\n"
                   f"server.listen({port});\n")
            compose += [f"  {name}:", "    image: node:22-alpine", "    command: node /srv/server.js",
                        f"    volumes: ['./{name}/server.js:/srv/server.js:ro']"]
        elif kind == "gunicorn":
            _write(os.path.join(root, name, "gunicorn.conf.py"),
                   f"bind = '0.0.0.0:{port}'\nworker_class = 'gthread'\nthreads = 4\nkeepalive = {idle}\n")
            compose += [f"  {name}:", "    image: python:3.12-slim", "    command: gunicorn -c /srv/gunicorn.conf.py app:app",
                        f"    volumes: ['./{name}/gunicorn.conf.py:/srv/gunicorn.conf.py:ro']"]
        else:
            _write(os.path.join(root, name, "pom.xml"),
                   "<project><dependencies><dependency><artifactId>spring-boot-starter-web</artifactId>"
                   "</dependency></dependencies></project>\n")
            _write(os.path.join(root, name, "application.properties"), f"server.tomcat.connection-timeout={idle}s\n")
            compose += [f"  {name}:", "    image: eclipse-temurin:21-jre", "    command: java -jar /app/app.jar",
                        f"    volumes: ['./{name}/pom.xml:/build/pom.xml:ro', "
                        f"'./{name}/application.properties:/app/config/application.properties:ro']"]
        upstreams.append(f"    upstream {name} {{\n        server {name}:{port};\n    }}\n")
        locations.append(f"        location /{name}/ {{\n            proxy_pass http://{name};\n        }}\n")
    _write(os.path.join(root, "docker-compose.yml"), "\n".join(compose) + "\n")
    conf = os.path.join(root, "nginx", "nginx.conf")
    _write(conf, "events {}\nhttp {\n" + "".join(upstreams) + "    server {\n        listen 80;\n" + "".join(locations)
           + "    }\n}\n")
    info.nginx_entries.append(conf)
    info.nginx_files.append(conf)
    return info


def generate_one_file(root: str) -> str:
    """A one-file config: what a pre-commit hook sees on a small commit (start-up cost)."""
    path = os.path.join(os.path.abspath(root), "nginx.conf")
    _write(path, ONE_FILE_CONF)
    return path


@dataclass
class ShapeInfo:
    """A tree written by generate_shape: its entry files, and its size for the report."""

    root: str
    entries: list[str]
    files: int = 0
    bytes: int = 0


SHAPES = ("many-small", "one-large", "deep-includes", "fix-heavy", "largest-allowed")
MAX_FILE_SIZE = 10 * 1024 * 1024  # nglint's default max-file-size (SECURITY.md)


def generate_shape(root: str, shape: str, small_files: int = 1000, large_servers: int = 600, seed: int = 8, fixes: int = 8000) -> ShapeInfo:
    """Write one of SHAPES under `root` (see bench/shapes.py for what each one measures).

    `fixes` sizes fix-heavy: that many locations, each needing one KA004 fix, so the
    --fix / check ratio can be measured as a sweep over sizes."""
    rng = random.Random(seed)
    nginx = os.path.join(root, "nginx")
    info = ShapeInfo(root, [os.path.join(nginx, "nginx.conf")])

    def put(path: str, text: str) -> None:
        _write(path, text)
        info.files += 1
        info.bytes += len(text.encode("utf-8"))

    pools = "".join(_upstream_block(i, rng, False, BASE_PORT) + "\n" for i in range(4))
    for name, text in SNIPPETS.items():  # the server blocks include them
        put(os.path.join(nginx, "snippets", name), text)
    if shape == "many-small":
        put(info.entries[0], "events {}\nhttp {\n    include upstreams.conf;\n    include conf.d/*.conf;\n}\n")
        put(os.path.join(nginx, "upstreams.conf"), pools)
        for i in range(small_files):
            put(os.path.join(nginx, "conf.d", f"site-{i:04d}.conf"), _server_block(i, i % 4, rng, legacy=False))
        put(os.path.join(root, "tomcat", "conf", "server.xml"), _server_xml(0, rng, False, BASE_PORT))
    elif shape == "one-large":
        servers = "".join(_server_block(i, i % 4, rng, legacy=i % 20 == 0) + "\n" for i in range(large_servers))
        put(info.entries[0], "events {}\nhttp {\n" + pools + servers + "}\n")
    elif shape == "deep-includes":
        depth = 30
        put(info.entries[0], "events {}\nhttp {\n" + pools + "    include level/l00.conf;\n}\n")
        for level in range(depth):
            inner = f"    include level/l{level + 1:02d}.conf;\n" if level + 1 < depth else ""
            block = "".join(_server_block(level * 10 + i, i % 4, rng, legacy=False) + "\n" for i in range(10))
            put(os.path.join(nginx, "level", f"l{level:02d}.conf"), block + inner)
    elif shape == "fix-heavy":
        locations = "".join(
            f"        location /l{i} {{\n            proxy_set_header X-A a;\n            proxy_pass http://app;\n        }}\n"
            for i in range(fixes)
        )
        put(info.entries[0],
            "events {}\nhttp {\n    upstream app {\n        server 127.0.0.1:8080;\n        keepalive 8;\n        keepalive_timeout 10s;\n    }\n"
            "    proxy_http_version 1.1;\n    proxy_set_header Connection \"\";\n    server {\n        listen 80;\n" + locations + "    }\n}\n")
    elif shape == "largest-allowed":
        parts, size, i = ["events {}\nhttp {\n", pools], len(pools) + 20, 0
        while True:
            block = _server_block(i, i % 4, rng, legacy=False) + "\n"
            if size + len(block) + 2 > MAX_FILE_SIZE:
                break
            parts.append(block)
            size += len(block)
            i += 1
        put(info.entries[0], "".join(parts) + "}\n")
    else:
        raise ValueError(f"unknown shape {shape!r}; known: {', '.join(SHAPES)}")
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=100, help="server blocks (default 100)")
    parser.add_argument("--roots", type=int, default=0, help="write this many independent roots instead of one tree")
    parser.add_argument("--stack", type=int, default=0, help="write one compose stack with this many services instead")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--out", required=True, help="directory to write into")
    args = parser.parse_args(argv)
    if args.stack:
        info = generate_stack(args.out, args.stack, args.seed)
        print(f"compose stack with {info.servers} services under {info.root}")
    elif args.roots:
        infos = generate_roots(args.out, args.roots, args.servers, args.seed)
        print(f"{len(infos)} roots, {sum(i.files for i in infos)} files under {args.out}")
    else:
        info = generate(args.out, args.servers, args.seed)
        print(f"{info.servers} servers, {info.upstreams} upstreams, {info.files} files under {info.root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
