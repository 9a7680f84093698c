"""Forms real stacks use that nglint missed on the corpus stacks (tests/test_stacks_recall.py),
each on a written minimal case: a proxy_pass to an address (an implicit upstream), an
upstream no request reaches, launchers that wrap the server (dockerize, wait-for-it, PM2),
`next dev`, Kestrel's `--urls`, a socket-only puma.rb deeper in the tree, and a host name
that no compose service answers to."""

from __future__ import annotations

import json

import pytest

from conftest import run_cli, write_tree
from nglint.findings import Location
from nglint.sources.argv import commands, program_args
from nglint.sources.process import Process, backends_for


def _topology(tmp_path, files: dict) -> list[dict]:
    write_tree(tmp_path, files)
    result = run_cli("topology", ".", "--format", "json", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    return [hop for chain in json.loads(result.stdout)["chains"] for hop in chain["hops"] if hop["client"]["tier"] == "nginx"
            and hop["client"]["label"] != "clients" and not hop["client"]["label"].startswith("nginx server")]


def _rules(tmp_path) -> list[str]:
    result = run_cli("check", ".", "--format", "json", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    return sorted(f["rule"] for f in json.loads(result.stdout)["findings"])


COMPOSE_DIRECT = {
    "docker-compose.yml": """
        services:
          nginx:
            image: nginx:1.31
            volumes: ["./nginx.conf:/etc/nginx/nginx.conf:ro"]
          app:
            image: python:3.12
            command: uvicorn main:app --host 0.0.0.0 --port 8000
    """,
    "nginx.conf": """
        events {}
        http {
            server {
                listen 80;
                location / { proxy_pass http://app:8000; }
                location /again { proxy_pass http://app:8000/x; }
                location /ext { proxy_pass https://example.org; }
                location /dyn { proxy_pass http://$host; }
            }
        }
    """,
}


def test_proxy_pass_to_an_address_is_a_hop_that_is_never_pooled(tmp_path):
    hops = _topology(tmp_path, COMPOSE_DIRECT)
    app = [h for h in hops if h["client"]["label"] == "nginx proxy_pass http://app:8000"]
    # One implicit upstream per address, shown once per location that uses it.
    assert len(app) == 2 and {h["client"]["location"] for h in app} == {"nginx.conf:5"}
    assert {(h["server"]["tier"], h["server"]["label"], h["verdict"]) for h in app} == {("uvicorn", "uvicorn in app", "not pooled")}
    assert "only upstream blocks pool" in app[0]["detail"]
    external = [h for h in hops if "example.org" in h["client"]["label"]]
    assert [(h["server"]["tier"], h["verdict"]) for h in external] == [("unknown", "not pooled")]
    assert not any("$host" in h["client"]["label"] for h in hops)  # a variable target is no address
    assert "KA001" not in _rules(tmp_path) and "P005" not in _rules(tmp_path)  # nothing pools, nothing to link for a rule


def test_proxy_pass_to_a_unix_socket_links_the_server_bound_there(tmp_path):
    hops = _topology(tmp_path, {
        "docker-compose.yml": """
            services:
              web:
                image: nginx:1.31
                volumes: ["./nginx.conf:/etc/nginx/nginx.conf:ro", "sock:/run/app"]
              app:
                image: ruby:3.3
                command: bundle exec puma -C config/puma.rb
                volumes: [".:/app", "sock:/run/app"]
            volumes: {sock: {}}
        """,
        "config/puma.rb": "bind 'unix:///run/app/puma.sock'\n",
        "nginx.conf": "events {}\nhttp {\n server { listen 80; location / { proxy_pass http://unix:/run/app/puma.sock:/; } }\n}\n",
    })
    (hop,) = hops
    assert hop["client"]["label"] == "nginx proxy_pass http://unix:/run/app/puma.sock:/"
    assert (hop["server"]["tier"], hop["verdict"]) == ("puma", "not pooled")


def test_a_name_of_a_sibling_upstream_block_is_not_an_address(tmp_path):
    hops = _topology(tmp_path, {
        "conf.d/upstreams.conf": "upstream app { server 127.0.0.1:9000; }\n",
        "conf.d/site.conf": "server { listen 80; location / { proxy_pass http://app; } }\n",
    })
    assert [h["client"]["label"] for h in hops] == ["nginx upstream 'app'"]


UNUSED = {
    "docker-compose.yml": """
        services:
          nginx:
            image: nginx:1.31
            volumes: ["./nginx.conf:/etc/nginx/nginx.conf:ro"]
          api:
            image: python:3.12
            command: gunicorn -k gthread -b 0.0.0.0:8000 app:app
    """,
    "nginx.conf": """
        events {}
        http {
            upstream backend { server api:8000; }
            server { listen 80; location / { proxy_pass http://api:8000; } }
        }
    """,
}


def test_an_upstream_no_proxy_pass_uses_cannot_race(tmp_path):
    hops = _topology(tmp_path, UNUSED)
    verdicts = {h["client"]["label"]: h["verdict"] for h in hops}
    assert verdicts == {"nginx upstream 'backend'": "unused", "nginx proxy_pass http://api:8000": "not pooled"}
    assert "KA001" not in _rules(tmp_path)


def test_the_same_upstream_used_by_its_proxy_pass_still_races(tmp_path):
    files = dict(UNUSED)
    files["nginx.conf"] = UNUSED["nginx.conf"].replace("proxy_pass http://api:8000;", "proxy_pass http://backend;")
    hops = _topology(tmp_path, files)
    assert [h["verdict"] for h in hops] == ["race"]
    assert "KA001" in _rules(tmp_path)


@pytest.mark.parametrize("target", ["http://$backend_host", "http://${BACKEND}"])
def test_an_upstream_a_variable_may_pick_is_not_unused(tmp_path, target):
    files = dict(UNUSED)
    files["nginx.conf"] = UNUSED["nginx.conf"].replace("http://api:8000", target)
    assert [h["verdict"] for h in _topology(tmp_path, files)] == ["race"]


def test_an_upstream_only_fragment_is_not_unused(tmp_path):
    """A file that proxies nowhere may be included by one outside the run."""
    files = dict(UNUSED)
    files["nginx.conf"] = "upstream backend { server api:8000; }\n"
    assert [h["verdict"] for h in _topology(tmp_path, files)] == ["race"]


@pytest.mark.parametrize("argv, expected", [
    (["dockerize", "-wait", "tcp://db:3306", "-timeout", "20s", "docker-entrypoint.sh", "yarn", "start"], [["yarn", "start"]]),
    (["dockerize", "-poll", "-template", "a.tmpl:/etc/a", "node", "app.js"], [["node", "app.js"]]),
    (["/wait-for-it.sh", "db:5432", "-t", "30", "--", "gunicorn", "app:app"], [["gunicorn", "app:app"]]),
    (["wait-for", "db:5432"], []),
    (["sh", "-c", "./wait-for.sh db:3306 -- npm start"], [["npm", "start"]]),
])
def test_launchers_that_wait_then_run_the_server(argv, expected):
    assert commands(argv) == expected


def _process(tmp_path, argv, files, image="node:20-alpine", env=None):
    write_tree(tmp_path, files)
    mapped = {f"/app/{name}": str(tmp_path / name) for name in files}
    where = Location(str(tmp_path / "docker-compose.yml"), 3)
    return Process("api", where, image, argv, where, env or {}, {}, mapped, [], str(tmp_path))


SERVER = "const s = require('http').createServer(h);\ns.keepAliveTimeout = 30000;\ns.listen(4000);\n"


@pytest.mark.parametrize("argv, files", [
    (["pm2", "start", "server.js", "-i", "max"], {}),
    (["pm2-runtime", "start", "ecosystem.config.js", "--env", "production"],
     {"ecosystem.config.js": "module.exports = {\n  apps: [{ name: 'api', script: './server.js', exec_mode: 'cluster' }]\n};\n"}),
    (["pm2-runtime", "process.json"], {"process.json": '{"apps": [{"name": "api", "script": "server.js"}]}'}),
    (["pm2", "start", "pm2.yaml"], {"pm2.yaml": "apps:\n  - script: ./server.js\n    instances: max\n"}),
    (["npm", "run", "prod"], {"package.json": '{"scripts": {"prod": "pm2-runtime start ecosystem.config.js"}}',
                              "ecosystem.config.js": "module.exports = { apps: [{ script: 'server.js' }] };\n"}),
])
def test_pm2_runs_the_script_of_its_command_line_or_ecosystem(tmp_path, argv, files):
    (backend,) = backends_for(_process(tmp_path, argv, {"server.js": SERVER, **files}), [str(tmp_path)], 10**6)
    assert (backend.kind, backend.port, backend.idle_policy.timeout_ms) == ("node", 4000, 30000)


@pytest.mark.parametrize("ecosystem", [
    "module.exports = { apps: [{ script: 'a.js' }, { script: 'b.js' }] };\n",  # two servers: not chosen
    "module.exports = { apps: [{ script: process.env.ENTRY }] };\n",  # computed
    "module.exports = { apps: [{ script: 'worker.py', interpreter: 'python3' }] };\n",  # not Node
    "module.exports = { apps: [ {",  # broken
])
def test_pm2_ecosystems_nglint_does_not_choose_from(tmp_path, ecosystem):
    process = _process(tmp_path, ["pm2-runtime", "ecosystem.config.js"], {"ecosystem.config.js": ecosystem, "a.js": SERVER})
    assert backends_for(process, [str(tmp_path)], 10**6) == []


def test_next_dev_is_a_node_server(tmp_path):
    process = _process(tmp_path, ["npm", "run", "dev"], {"package.json": '{"scripts": {"dev": "next dev -p 3100"}}'},
                       image="node:21.7-alpine")
    (backend,) = backends_for(process, [str(tmp_path)], 10**6)
    assert (backend.label, backend.port, backend.idle_policy.timeout_ms) == ("Next.js dev server in api", 3100, 5000)


def test_kestrel_port_from_urls_on_the_command_line(tmp_path):
    process = _process(tmp_path, ["dotnet", "web.dll", "--urls", "http://*:8151"], {}, image="mcr.microsoft.com/dotnet/aspnet:8.0",
                       env={"ASPNETCORE_URLS": "http://+:9000"})
    (backend,) = backends_for(process, [str(tmp_path)], 10**6)
    assert (backend.kind, backend.port) == ("kestrel", 8151)


def test_socket_only_puma_rb_below_the_top_links_by_its_socket(tmp_path):
    """A host nginx and a Rails app side by side in one repository: the socket path,
    built by interpolation, is the link; a TCP port alone would not be offered there."""
    write_tree(tmp_path, {
        "app/config/puma.rb": "root = '/srv/app'\nbind \"unix://#{root}/tmp/puma.sock\"\n",
        "nginx/site.conf": "upstream puma { server unix:/srv/app/tmp/puma.sock; }\nserver { listen 80; location / { proxy_pass http://puma; } }\n",
    })
    hops = _topology(tmp_path, {})
    assert [(h["server"]["tier"], h["server"]["label"]) for h in hops] == [("puma", "Puma (puma.rb) on /srv/app/tmp/puma.sock")]
    from nglint.sources.puma.reader import Puma

    write_tree(tmp_path, {"other/config/puma.rb": "port 3000\n"})
    assert Puma().parse(str(tmp_path / "other/config/puma.rb"), [str(tmp_path)], 10**6).backends == []


def test_a_host_name_no_compose_service_answers_is_not_linked_by_port(tmp_path):
    """`iris-svc` is a Kubernetes Service name; the compose service `app` on the same port
    is another deployment of the stack, not what that name reaches."""
    files = dict(COMPOSE_DIRECT)
    files["k8s/nginx.conf"] = "server { listen 80; location / { proxy_pass http://iris-svc:8000; } }\n"
    hops = _topology(tmp_path, files)
    (k8s,) = [h for h in hops if "iris-svc" in h["client"]["label"]]
    assert k8s["server"]["tier"] == "unknown"
    localhost = dict(files)
    localhost["k8s/nginx.conf"] = "server { listen 80; location / { proxy_pass http://10.0.0.7:8000; } }\n"
    (by_ip,) = [h for h in _topology(tmp_path, localhost) if "10.0.0.7" in h["client"]["label"]]
    assert by_ip["server"]["tier"] == "uvicorn"  # an address is not a name: the port decides, as before


def test_program_args_sees_through_dockerize():
    assert program_args(["dockerize", "-wait", "tcp://db:5432", "gunicorn", "-b", ":8000", "app:app"], {"gunicorn"}) == ["-b", ":8000", "app:app"]


def test_an_upstream_named_only_by_a_stack_beside_it_is_still_unused(tmp_path):
    files = {f"a/{name}": text for name, text in UNUSED.items()}
    files["b/docker-compose.yml"] = "services:\n  web:\n    image: nginx:1.31\n    volumes: ['./nginx.conf:/etc/nginx/nginx.conf']\n"
    files["b/nginx.conf"] = "events {}\nhttp {\n upstream backend { server 10.0.0.9:80; }\n server { listen 80; location / { proxy_pass http://backend; } }\n}\n"
    verdicts = {(h["client"]["location"], h["verdict"]) for h in _topology(tmp_path, files)}
    assert ("a/nginx.conf:3", "unused") in verdicts
    assert [v for where, v in verdicts if where == "b/nginx.conf:3"] != ["unused"]


def test_a_procfile_puma_and_its_puma_rb_are_one_server(tmp_path):
    hops = _topology(tmp_path, {
        "Procfile": "web: bin/start-nginx bundle exec puma -C config/puma.rb\n",
        "config/puma.rb": "bind 'unix:///tmp/nginx.socket'\n",
        "config/nginx.conf": "events {}\nhttp {\n upstream app { server unix:/tmp/nginx.socket; }\n server { listen 80; location / { proxy_pass http://app; } }\n}\n",
    })
    assert [h["server"]["label"] for h in hops] == ["Puma in web on /tmp/nginx.socket"]


SUPERVISORD = """
[supervisord]
nodaemon=true

[program:nginx]
command=nginx -g 'daemon off;'

[program:api]
command=node /srv/server.js   ; the app
autorestart=true
"""


@pytest.mark.parametrize("argv, inside", [
    (["supervisord", "-c", "/etc/supervisor/conf.d/app.conf"], "/etc/supervisor/conf.d/app.conf"),
    (["/usr/bin/supervisord"], "/etc/supervisord.conf"),  # found at supervisord's default path
])
def test_supervisord_runs_each_program_of_its_config(tmp_path, argv, inside):
    write_tree(tmp_path, {"supervisord.conf": SUPERVISORD, "server.js": "const f = require('fastify')();\nf.listen({ port: 3000, host: '0.0.0.0' });\n",
                          "package.json": '{"dependencies": {"fastify": "^5.1.0"}}'})
    where = Location(str(tmp_path / "Dockerfile"), 9)
    files = {inside: str(tmp_path / "supervisord.conf"), "/srv/server.js": str(tmp_path / "server.js"),
             "/srv/package.json": str(tmp_path / "package.json")}
    process = Process("web", where, "nginx:1.31", argv, where, {}, {}, files, [], str(tmp_path))
    backends = backends_for(process, [str(tmp_path)], 10**6)
    assert sorted((b.kind, b.port) for b in backends) == [("nginx", 80), ("node", 3000)]
    (node,) = [b for b in backends if b.kind == "node"]
    assert (node.label, node.idle_policy.timeout_ms) == ("Fastify in web", 72000)
    assert (node.location.path, node.location.line) == (str(tmp_path / "supervisord.conf"), 8)


@pytest.mark.parametrize("text", ["[program:x\ncommand=node a.js\n", "\x00\x01garbage", "[program:x]\n"])
def test_broken_supervisord_configs_never_crash(tmp_path, text):
    write_tree(tmp_path, {"supervisord.conf": text})
    where = Location(str(tmp_path / "Dockerfile"), 1)
    process = Process("web", where, "python:3.12", ["supervisord"], where, {}, {}, {"/etc/supervisord.conf": str(tmp_path / "supervisord.conf")}, [], str(tmp_path))
    assert backends_for(process, [str(tmp_path)], 10**6) == []
