"""Node.js's and Fastify's keep-alive defaults.

Node: `server.keepAliveTimeout` is 5000 ms up to Node 25 (doc/api/http.md, every release
line) and 65000 ms from Node 26 (nodejs/node PR #62782, semver-major, merged 2026-04 for
v26). Since 24.6.0 (backported to 22.19.0) the socket is kept keepAliveTimeout +
keepAliveTimeoutBuffer (1000 ms) (nodejs/node commit e79c93a, PR #59243); Node 20.20.2
does the same (measured by tests/e2e: a 2000 ms keepAliveTimeout closes after 3.0 s), so
20.20 and later 20.x count too. Where the buffer is not known to apply it is left out:
the smaller value is the stricter one for the race check. Fastify's factory
sets keepAliveTimeout 72000 (docs/Reference/Server.md and build/build-validation.js at
v5.12.1; raised from 5000 to 72000 in fastify commit 3feacfb, first released in v4.0.0;
the version comes from package.json, unknown means the smaller value). Next.js's `next start
--keepAliveTimeout` only overrides Node's default when given.
"""

from nglint.tiers.defaults import table

_HTTP = "https://nodejs.org/docs/latest-v24.x/api/http.html"

DEFAULTS = table(
    "node",
    [
        ("keepAliveTimeout", 5_000, "ms", f"{_HTTP}#serverkeepalivetimeout", None, (26,), "Node.js up to 25"),
        ("keepAliveTimeout", 65_000, "ms", "https://github.com/nodejs/node/pull/62782", (26,), None, "Node.js 26 and later"),
        ("keepAliveTimeoutBuffer", 1_000, "ms", f"{_HTTP}#serverkeepalivetimeoutbuffer", (24, 6), None,
         "added to keepAliveTimeout for the socket's timeout (also 22.19+ and 20.20+)"),
        ("fastify.keepAliveTimeout", 5_000, "ms", "https://github.com/fastify/fastify/blob/v3.29.5/docs/Server.md#keepalivetimeout",
         None, (4,), "Fastify 3 and earlier (build/build-validation.js)"),
        ("fastify.keepAliveTimeout", 72_000, "ms", "https://fastify.dev/docs/latest/Reference/Server/#keepalivetimeout",
         (4,), None, "Fastify 4 and later (build/build-validation.js)"),
        ("port", 3000, "port", "https://expressjs.com/en/starter/hello-world.html", None, None,
         "nglint's assumption for `process.env.PORT || 3000`-less code: the conventional Express port"),
    ],
)
