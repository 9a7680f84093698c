"""The compose, Dockerfile and Procfile readers, and the by-name linker: odd but valid
inputs read right, broken and hostile ones become P003 problems, never a crash."""

from __future__ import annotations

import pytest

from conftest import told, found, write_tree
from nglint.registry import rule_for_kind

NGINX = """\
events {}
http {
    upstream cluster {
        server tomcat1:8080;
        server tomcat2:8080;
        server tomcat3:8080;
        keepalive 8;
    }
    server {
        listen 80;
        location / {
            proxy_pass http://cluster;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
"""
SERVER_XML = '<Server port="8005"><Service name="Catalina"><Connector port="8080" connectionTimeout="{ms}"/></Service></Server>\n'


def _read(tmp_path, files, name="docker-compose.yml"):
    from nglint.sources.compose.reader import ComposeFile

    write_tree(tmp_path, files)
    return ComposeFile().parse(str(tmp_path / name), [str(tmp_path)], 1_000_000)


def _links(root):
    from nglint.config import Settings
    from nglint.project import load_project

    project = load_project([str(root)], Settings(), cwd=str(root))
    return next(iter(project.links.values()))


def _process(result, name):
    return next(sp for sp in result.processes if sp.process.name == name)


def test_clustered_tomcats_each_linked_by_name(lint, tmp_path):
    report = lint({
        "stack/docker-compose.yml": """
            services:
              nginx: {image: "nginx:1.27", volumes: ["./nginx/nginx.conf:/etc/nginx/nginx.conf:ro"]}
              tomcat1: {image: "tomcat:10", volumes: ["./t1/server.xml:/usr/local/tomcat/conf/server.xml"]}
              tomcat2: {image: "tomcat:10", volumes: ["./t2/server.xml:/usr/local/tomcat/conf/server.xml"]}
              tomcat3: {image: "tomcat:10"}
        """,
        "stack/nginx/nginx.conf": NGINX,
        "stack/t1/server.xml": SERVER_XML.format(ms=90000),
        "stack/t2/server.xml": SERVER_XML.format(ms=120000),
    })
    (finding,) = [f for f in report.findings if f.rule == "KA001"]
    assert "Tomcat in tomcat3 (tomcat:10) closes idle connections after 20s" in told(finding)
    assert not [f for f in report.findings if f.rule == "P005"]
    links = _links(tmp_path).links
    assert sorted(link.backend.host for link in links) == ["tomcat1", "tomcat2", "tomcat3"]
    assert {link.via for link in links} == {"compose service tomcat1", "compose service tomcat2", "compose service tomcat3"}


def test_a_service_nglint_cannot_read_is_a_gap_not_a_port_match(lint, tmp_path):
    report = lint({
        "docker-compose.yml": """
            services:
              tomcat1: {image: "tomcat:10"}
              tomcat2: {image: "mycorp/app:1"}
              tomcat3: {image: "tomcat:10"}
        """,
        "nginx/nginx.conf": NGINX,
    })
    links = _links(tmp_path)
    assert sorted(link.backend.host for link in links.links) == ["tomcat1", "tomcat3"]
    assert [s.host for s in links.unmatched] == ["tomcat2"]


def test_never_crosses_compose_projects(lint):
    report = lint({
        "a/docker-compose.yml": "services:\n  tomcat1: {image: 'tomcat:10'}\n",
        "b/docker-compose.yml": "services:\n  web: {image: 'nginx'}\n",
        "b/nginx/nginx.conf": NGINX,
    })
    assert ("P005", "b/nginx/nginx.conf", 3) in found(report)
    assert not [f for f in report.findings if f.rule == "KA001"]


def test_mounted_config_tells_the_project(lint):
    """nginx config kept outside the compose directory, mounted by the project's nginx service."""
    report = lint({
        "deploy/docker-compose.yml": """
            services:
              proxy: {image: "nginx:stable", volumes: ["../conf/nginx.conf:/etc/nginx/nginx.conf"]}
              tomcat1: {image: "tomcat:10"}
              tomcat2: {image: "tomcat:10"}
              tomcat3: {image: "tomcat:10"}
        """,
        "conf/nginx.conf": NGINX,
    })
    (finding,) = [f for f in report.findings if f.rule == "KA001"]
    assert len(finding.related) == 3


def test_localhost_on_host_network_nginx_is_a_published_port(lint):
    conf = NGINX.replace("server tomcat1:8080;\n        server tomcat2:8080;\n        server tomcat3:8080;", "server 127.0.0.1:9000;")
    report = lint({
        "docker-compose.yml": """
            services:
              nginx: {image: "nginx", network_mode: host, volumes: ["./nginx.conf:/etc/nginx/nginx.conf"]}
              app: {image: "tomcat:10", ports: ["127.0.0.1:9000:8080"]}
        """,
        "nginx.conf": conf,
    })
    (finding,) = [f for f in report.findings if f.rule == "KA001"]
    assert "Tomcat in app" in told(finding)


def test_localhost_inside_a_bridged_nginx_container_is_not_linked(lint):
    conf = NGINX.replace("server tomcat1:8080;\n        server tomcat2:8080;\n        server tomcat3:8080;", "server 127.0.0.1:9000;")
    report = lint({
        "docker-compose.yml": """
            services:
              nginx: {image: "nginx", volumes: ["./nginx.conf:/etc/nginx/nginx.conf"]}
              app: {image: "tomcat:10", ports: ["9000:8080"]}
        """,
        "nginx.conf": conf,
    })
    assert [f.rule for f in report.findings if f.rule in ("KA001", "P005")] == ["P005"]


def test_names_aliases_hostname_container_name(tmp_path):
    result = _read(tmp_path, {"docker-compose.yml": """
        services:
          web:
            image: tomcat:10
            container_name: web-1
            hostname: webhost
            networks:
              front: {aliases: [www, site]}
              back:
    """})
    assert _process(result, "web").names == ["web", "web-1", "webhost", "www", "site"]


def test_env_interpolation_defaults_and_dotenv(tmp_path):
    result = _read(tmp_path, {
        ".env": "TAG=10.1\nexport KA='7'\n# comment\n",
        "docker-compose.yml": """
            services:
              app:
                image: "tomcat:${TAG}"
                command: ["gunicorn", "--keep-alive", "${KA}", "--timeout", "${TIMEOUT:-30}", "-w", "${WORKERS}", "$$HOME"]
                environment:
                  - A=1
                  - KA
                  - MISSING
                ports: ["${PORT:-8000}:8000", {target: 9000, published: 9001}, "3000-3005:3000-3005"]
                expose: [7000]
        """,
    })
    process = _process(result, "app").process
    assert process.image == "tomcat:10.1"
    assert process.argv == ["gunicorn", "--keep-alive", "7", "--timeout", "30", "-w", "${WORKERS}", "$HOME"]
    assert process.env == {"A": "1", "KA": "7", "MISSING": "${MISSING}"}
    assert process.ports == [8000, 9000, 7000]
    assert _process(result, "app").published == {8000: 8000, 9001: 9000}
    assert process.argv_location.line == 4


def test_format_version_1_and_override_and_extends(tmp_path):
    result = _read(tmp_path, {
        "docker-compose.yml": """
            web:
              image: python:3.12
              command: gunicorn app:app
            """,
    })
    assert _process(result, "web").process.argv == ["gunicorn", "app:app"]
    result = _read(tmp_path, {
        "docker-compose.yml": """
            services:
              web:
                extends: {file: common.yml, service: base}
                command: gunicorn app:app
        """,
        "common.yml": """
            services:
              base:
                image: python:3.12
                environment: {GUNICORN_CMD_ARGS: "--keep-alive 4"}
                ports: ["8000"]
        """,
        "docker-compose.override.yml": """
            services:
              web:
                command: gunicorn --keep-alive 9 app:app
                ports: ["8001"]
        """,
    })
    process = _process(result, "web").process
    assert process.argv == ["gunicorn", "--keep-alive", "9", "app:app"]
    assert process.argv_location.path.endswith("docker-compose.override.yml")
    assert process.env["GUNICORN_CMD_ARGS"] == "--keep-alive 4"
    assert process.ports == [8000, 8001]
    from nglint.sources.compose.reader import ComposeFile

    assert ComposeFile().parse(str(tmp_path / "docker-compose.override.yml"), [str(tmp_path)], 10**6).processes == []


def test_variant_file_contributes_the_services_it_changes(tmp_path):
    write_tree(tmp_path, {"docker-compose.prod.yml": "services:\n  web:\n    command: gunicorn -k gthread app:app\n"})
    result = _read(tmp_path, {"docker-compose.yml": "services:\n  web: {image: python}\n  db: {image: postgres}\n"},
                   name="docker-compose.prod.yml")
    assert [sp.process.name for sp in result.processes] == ["web"]
    assert result.processes[0].process.image == "python"


def test_build_context_dockerfile_and_volumes(tmp_path):
    result = _read(tmp_path, {
        "docker-compose.yml": """
            services:
              app:
                build:
                  context: ./app
                  target: run
                  args: [BASE=3.11]
                command: gunicorn -c /srv/gunicorn.conf.py app:app
                volumes:
                  - ./conf:/etc/app
                  - type: bind
                    source: ./extra.py
                    target: /srv/extra.py
                  - data:/var/lib/data
                  - /etc/passwd:/x
        """,
        "app/Dockerfile": """
            # escape=\\
            ARG BASE=3.12
            FROM python:${BASE}-slim AS build
            RUN pip install x
            FROM build AS run
            ENV GUNICORN_CMD_ARGS="--keep-alive 3" \\
                OTHER=1
            WORKDIR /srv
            COPY gunicorn.conf.py ./
            COPY --from=build /x /y
            EXPOSE 8000/tcp
            ENTRYPOINT ["tini", "--"]
            CMD ["gunicorn", "app:app"]
            FROM nginx AS unused
        """,
        "app/gunicorn.conf.py": "keepalive = 5\n",
        "conf/a.ini": "x\n",
        "extra.py": "y\n",
    })
    process = _process(result, "app").process
    assert process.image == "python:3.11-slim"
    assert process.argv == ["tini", "--", "gunicorn", "-c", "/srv/gunicorn.conf.py", "app:app"]
    assert process.env == {"GUNICORN_CMD_ARGS": "--keep-alive 3", "OTHER": "1"}
    assert process.ports == [8000]
    assert set(process.files) == {"/srv/gunicorn.conf.py", "/etc/app/a.ini", "/srv/extra.py"}
    assert result.problems == []


@pytest.mark.parametrize("text, expected", [
    ("services: [", "not valid YAML"),
    ("- just\n- a list\n", "not a compose file"),
    ("a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join(["*" + chr(97 + i)] * 9) + "]\n" for i in range(8)), "alias bomb"),
    ("services:\n  web:\n" + "".join("  " * (i + 2) + "x:\n" for i in range(200)), "nested deeper"),
    ("services:\n  web:\n    image: x\n    extends: web\n", "loops"),
    ("services:\n  web:\n    image: 12\n    command: 'gunicorn \"unterminated'\n    ports: [{target: x}]\n    environment: 5\n", None),
])
def test_broken_and_hostile_compose_files_are_problems(tmp_path, text, expected):
    result = _read(tmp_path, {"docker-compose.yml": text})
    messages = [p.message for p in result.problems]
    if expected is None:
        assert all(rule_for_kind(p.kind).code == "P003" for p in result.problems)
    else:
        assert any(expected in m for m in messages), messages
        assert all(rule_for_kind(p.kind).code == "P003" for p in result.problems)


def test_env_file_outside_the_tree_is_refused(tmp_path):
    outside = tmp_path / "outside.env"
    outside.write_text("SECRET=1\n")
    result = _read(tmp_path / "tree", {"docker-compose.yml": f"services:\n  web:\n    image: x\n    env_file: ../outside.env\n"})
    from nglint.sources.compose.reader import ComposeFile

    result = ComposeFile().parse(str(tmp_path / "tree/docker-compose.yml"), [str(tmp_path / "tree")], 10**6)
    assert "SECRET" not in _process(result, "web").process.env
    assert any("outside the checked tree" in p.message for p in result.problems)


def test_standalone_dockerfile_and_procfile(tmp_path):
    from nglint.sources.dockerfile.reader import Dockerfile
    from nglint.sources.procfile.reader import Procfile

    write_tree(tmp_path, {
        "svc/Dockerfile": "FROM tomcat:10\nEXPOSE 8080\n",
        "other/Dockerfile": "FROM tomcat:10\n",
        "svc/.git/HEAD": "ref: refs/heads/main\n",
        "Procfile": "web: gunicorn app:app --keep-alive 5\nbad line\nworker: 'x\n",
    })
    parsed = Dockerfile().parse(str(tmp_path / "svc/Dockerfile"), [str(tmp_path)], 10**6)
    assert [(b.kind, b.port) for b in parsed.backends] == [("tomcat", 8080)]
    # unmarked, beside other stacks: no deployment unit to trust a port link in
    assert Dockerfile().parse(str(tmp_path / "other/Dockerfile"), [str(tmp_path)], 10**6).backends == []
    procs = Procfile().parse(str(tmp_path / "Procfile"), [str(tmp_path)], 10**6)
    assert [p.name for p in procs.processes] == ["web"]
    assert [p.line for p in procs.problems] == [2, 3]
    write_tree(tmp_path, {"svc/docker-compose.yml": "services: {}\n"})
    assert Dockerfile().parse(str(tmp_path / "svc/Dockerfile"), [str(tmp_path)], 10**6).backends == []


def test_dockerfile_without_from_and_shell_forms(tmp_path):
    from nglint.sources.dockerfile.image import read_image

    write_tree(tmp_path, {"a/Dockerfile": "RUN x\n", "b/Dockerfile": "FROM node:20\nENV PORT 3000\nENTRYPOINT node server.js --port $PORT\nCMD ignored\n"})
    assert "no FROM" in read_image(str(tmp_path / "a/Dockerfile"), [str(tmp_path)], 10**6).problems[0].message
    image = read_image(str(tmp_path / "b/Dockerfile"), [str(tmp_path)], 10**6)
    assert image.argv == ["/bin/sh", "-c", "node server.js --port 3000"]
    assert image.entrypoint is None


def test_program_args_through_wrappers():
    from nglint.sources.argv import option, program_args

    assert program_args(["sh", "-c", "python manage.py migrate && exec gunicorn -k gthread app:app"], {"gunicorn"}) == ["-k", "gthread", "app:app"]
    assert program_args(["python3", "-m", "uvicorn", "main:app"], {"uvicorn"}, {"uvicorn"}) == ["main:app"]
    assert program_args(["/docker-entrypoint.sh", "/usr/local/bin/gunicorn", "x"], {"gunicorn"}) == ["x"]
    # Heroku's nginx buildpack starts nginx, then runs the app command it is given
    assert program_args(["bin/start-nginx", "bundle", "exec", "puma", "-C", "config/puma.rb"], {"puma"}) == ["-C", "config/puma.rb"]
    assert program_args(["node", "server.js"], {"gunicorn"}) is None
    assert option(["-k", "sync", "--worker-class=gevent"], ("-k", "--worker-class")) == ("gevent", 2)


def test_hostile_stack_through_the_cli_is_problems_not_a_crash(tmp_path):
    """Alias bomb, deep nesting, a FIFO env_file, an env_file out of the tree and a
    self-extending service in one tree: P003s, the rest still linted, exit 1."""
    import os

    from conftest import run_cli

    bomb = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join(["*" + chr(97 + i)] * 9) + "]\n" for i in range(8))
    write_tree(tmp_path, {
        "bomb/docker-compose.yml": bomb,
        "deep/compose.yaml": "services:\n  web:\n" + "".join("  " * (i + 2) + "x:\n" for i in range(3000)),
        "loop/docker-compose.yml": "services:\n  a: {extends: b, image: x}\n  b: {extends: a}\n",
        "escape/docker-compose.yml": "services:\n  web:\n    image: python\n    env_file: [../../../etc/passwd, ./fifo.env]\n",
        "escape/nginx.conf": NGINX,
    })
    os.mkfifo(tmp_path / "escape" / "fifo.env")
    result = run_cli("check", ".", "--format", "json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    import json

    problems = [(f["rule"], f["path"]) for f in json.loads(result.stdout)["findings"] if f["rule"] == "P003"]
    assert {path.split("/")[0] for _, path in problems} == {"bomb", "deep", "loop", "escape"}
