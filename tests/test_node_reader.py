"""The Node.js reader: entry files read with tree-sitter, frameworks, versions, ports;
values computed at run time stay unknown, odd files never crash."""

from __future__ import annotations

import pytest

from conftest import write_tree
from nglint.findings import Location
from nglint.sources.process import Process, backends_for


def _backend(tmp_path, argv, files, image="node:20-alpine", env=None, ports=None):
    write_tree(tmp_path, files)
    mapped = {f"/usr/src/app/{name}": str(tmp_path / name) for name in files}
    where = Location(str(tmp_path / "docker-compose.yml"), 5)
    process = Process("api", where, image, argv, where, env or {}, {}, mapped, ports or [], str(tmp_path))
    (backend,) = backends_for(process, [str(tmp_path)], 1_000_000)
    return backend


@pytest.mark.parametrize("source, expected_ms, detail", [
    ("const http = require('http');\nconst server = http.createServer(app);\nserver.keepAliveTimeout = 65000;\nserver.listen(3000);\n",
     65000, "keepAliveTimeout = 65000"),
    ("const server = app.listen(PORT);\nserver.keepAliveTimeout = 61 * 1000;\n", 61000, "keepAliveTimeout = 61 * 1000"),
    ("const KA = 30_000;\nconst s = http.createServer({ keepAliveTimeout: KA }, handler);\n", 30000, "keepAliveTimeout = KA"),
    ("app.listen(3000);\n", 5000, "Node.js 20 default keepAliveTimeout 5s"),
    ("const s = app.listen(3000);\ns.keepAliveTimeout = 0;\n", None, "keepAliveTimeout = 0 (never times out)"),
])
def test_node_http_keepalive(tmp_path, source, expected_ms, detail):
    backend = _backend(tmp_path, ["node", "server.js"], {"server.js": source})
    assert backend.idle_policy.known and backend.idle_policy.timeout_ms == expected_ms
    assert backend.idle_policy.provenance.detail.startswith(detail)


def test_computed_keepalive_is_unknown(tmp_path):
    backend = _backend(tmp_path, ["node", "server.js"], {"server.js": "const s = app.listen(1);\ns.keepAliveTimeout = Number(process.env.KA);\n"})
    assert not backend.idle_policy.known
    assert "computed at run time (Number(process.env.KA))" in backend.idle_policy.unknown_reason
    assert "server.js:2" in backend.idle_policy.unknown_reason


def test_nestjs_typescript_source_for_compiled_entry(tmp_path):
    main = (
        "import { NestFactory } from '@nestjs/core';\n"
        "async function bootstrap(): Promise<void> {\n"
        "  const app = await NestFactory.create(AppModule);\n"
        "  const server = app.getHttpServer() as Server;\n"
        "  server.keepAliveTimeout = (65 * 1000) as number;\n"
        "  await app.listen(process.env.PORT ?? 3001);\n"
        "}\n"
    )
    backend = _backend(tmp_path, ["npm", "run", "start:prod"], {
        "package.json": '{"scripts": {"start:prod": "node dist/main"}}', "src/main.ts": main,
    }, image="node:24.8-alpine")
    assert (backend.port, backend.idle_policy.timeout_ms) == (3001, 66000)  # 65s + Node 24.6's 1s buffer
    assert backend.location.path.endswith("src/main.ts") and backend.location.line == 5


def test_fastify_default_by_version_and_option(tmp_path):
    source = {"index.mjs": "import Fastify from 'fastify'\nconst app = Fastify({ logger: true })\nawait app.listen({ port: 8080 })\n"}
    backend = _backend(tmp_path, ["node", "index.mjs"], {**source, "package.json": '{"dependencies": {"fastify": "^4.26.0"}}'})
    assert (backend.label, backend.idle_policy.timeout_ms) == ("Fastify in api", 72000)
    backend = _backend(tmp_path, ["node", "index.mjs"], {**source, "package.json": '{"dependencies": {"fastify": "~3.29.0"}}'})
    assert backend.idle_policy.timeout_ms == 5000
    backend = _backend(tmp_path / "nopkg", ["node", "index.mjs"], source)
    assert backend.idle_policy.timeout_ms == 5000
    assert "the Fastify version is unknown" in backend.idle_policy.provenance.detail
    backend = _backend(tmp_path, ["node", "index.mjs"], {"index.mjs": "const fastify = require('fastify')({ keepAliveTimeout: 10000 })\n"})
    assert backend.idle_policy.timeout_ms == 10000


def test_version_from_image_and_unknown_version(tmp_path):
    files = {"app.js": "require('http').createServer(h).listen(80)\n"}
    assert _backend(tmp_path, ["node", "app.js"], files, image="node:26").idle_policy.timeout_ms == 66000
    unknown = _backend(tmp_path, ["node", "app.js"], files, image="node:lts")
    assert unknown.idle_policy.timeout_ms == 5000
    assert "the Node.js version is unknown" in unknown.idle_policy.provenance.detail
    assert unknown.port == 80


def test_next_start_and_port_from_env(tmp_path):
    backend = _backend(tmp_path, ["npx", "next", "start", "-p", "4000", "--keepAliveTimeout", "70000"], {})
    assert (backend.label, backend.port, backend.idle_policy.timeout_ms) == ("Next.js in api", 4000, 70000)
    backend = _backend(tmp_path, ["node", "s.js"], {"s.js": "app.listen(process.env.PORT || 3000)\n"}, env={"PORT": "8081"})
    assert backend.port == 8081


def test_missing_entry_file_keeps_the_default_and_says_so(tmp_path):
    backend = _backend(tmp_path, ["node", "dist/server.js"], {})
    assert backend.idle_policy.timeout_ms == 5000
    assert "entry file dist/server.js is not in the checked tree" in backend.idle_policy.provenance.detail


@pytest.mark.parametrize("source", [
    "\x00\x01garbage {{{ ))) keepAliveTimeout = ",
    "server.keepAliveTimeout = " + "(" * 3000 + "1" + ")" * 3000 + ";\n",
    "a" * 100 + "\n" + "[" * 20000,
    "server.keepAliveTimeout = 1 / 0;\n",
])
def test_hostile_sources_never_crash(tmp_path, source):
    backend = _backend(tmp_path, ["node", "x.js"], {"x.js": source})
    assert backend.kind == "node"


def test_not_node(tmp_path):
    where = Location(str(tmp_path / "c.yml"), 1)
    assert backends_for(Process("db", where, "postgres:16", ["postgres"], where), [str(tmp_path)], 10**6) == []


def test_server_made_in_an_imported_module(tmp_path):
    backend = _backend(tmp_path, ["npm", "start"], {
        "package.json": '{"scripts": {"start": "node app.js"}, "dependencies": {"fastify": "5.1.0"}}',
        "app.js": "const server = require('./lib/server');\nserver.start();\n",
        "lib/server.js": "const Fastify = require('fastify');\nconst s = Fastify({ keepAliveTimeout: 9000 });\nmodule.exports = s;\n",
    })
    assert (backend.label, backend.idle_policy.timeout_ms) == ("Fastify in api", 9000)
    assert backend.location.path.endswith("lib/server.js") and backend.location.line == 2
