"""The samples are real, valid nginx (a real `nginx -t`) and produce what their README says."""

import json
import shutil
import subprocess

import pytest

from conftest import IN_CI, PROJECT_ROOT, run_cli

SAMPLES = PROJECT_ROOT / "samples"
EXPECTED = {
    "01-tomcat-race": {("KA001", "nginx/nginx.conf", 9)},
    "02-tomcat-race-fixed": set(),
    "03-unused-pool-http10": {("KA003", "nginx/nginx.conf", 17)},
    "04-location-drops-connection": {("KA004", "nginx/nginx.conf", 23), ("P005", "nginx/nginx.conf", 7)},
    "05-split-includes": {("KA001", "nginx/conf.d/upstreams.conf", 4)},
    "06-clean": set(),
    "07-alb-race": {("LB001", "nginx/nginx.conf", 4)},
    "08-alb-race-fixed": set(),
    "09-nlb-flow-drop": {("LB002", "nginx/nginx.conf", 4)},
    "10-nlb-flow-drop-fixed": set(),
    "11-websocket-no-headers": {("WS001", "nginx/nginx.conf", 9)},
    "12-websocket-headers-fixed": set(),
    "13-socketio-behind-alb": set(),
    "14-raw-websocket-default-timeout": {("WS002", "nginx/nginx.conf", 9)},
    "15-raw-websocket-fixed": set(),
    "16-alb-to-tomcat": {("LB001", "tomcat/conf/server.xml", 5)},
    "17-alb-to-tomcat-fixed": set(),
    "18-alb-to-gunicorn-declared": {("LB001", ".nglint.toml", 3)},
    "19-alb-to-gunicorn-fixed": set(),
    "e2e-race": {("KA001", "nginx/nginx.conf", 27)},
    "e2e-websocket": {("WS002", "nginx/nginx.conf", 16)},
    "20-gunicorn-race": {("KA001", "nginx/nginx.conf", 6)},
    "21-gunicorn-race-fixed": set(),
    "22-node-race": {("KA001", "nginx/nginx.conf", 7)},
    "23-node-race-fixed": set(),
    "24-spring-race": {("KA001", "nginx/nginx.conf", 6)},
    "25-spring-race-fixed": set(),
    "30-haproxy-race": {("LB001", "nginx/nginx.conf", 4)},
    "31-haproxy-race-fixed": set(),
    "32-uwsgi-race": {("KA001", "nginx/nginx.conf", 6)},
    "33-uwsgi-race-fixed": set(),
    "34-systemd-gunicorn-race": {("KA001", "nginx/nginx.conf", 8)},
    "35-systemd-gunicorn-race-fixed": set(),
    "36-alpine-nginx-package-race": {("KA001", "nginx/nginx.conf", 6)},
    "37-alpine-nginx-package-race-fixed": set(),
    "38-iis-race": {("KA001", "nginx/nginx.conf", 8)},
    "39-iis-race-fixed": set(),
    "e2e-gunicorn": {("KA001", "nginx/nginx.conf", 23)},
    "e2e-node": {("KA001", "nginx/nginx.conf", 23)},
    "e2e-uwsgi": {("KA001", "nginx/nginx.conf", 23)},
    "e2e-haproxy": {("LB001", "nginx/nginx.conf", 18), ("WS002", "nginx/nginx.conf", 33)},
    "26-erb-puma-race": {("KA005", "config/nginx.conf.erb", 16)},
    "27-erb-puma-race-fixed": set(),
    "28-jinja-gunicorn-race": {("KA001", "roles/web/templates/nginx.conf.j2", 14)},
    "29-jinja-gunicorn-race-fixed": set(),
}
# Samples kept as templates: tests/test_nginx_templates.py renders them and runs nginx -t.
# Samples whose only finding is at info severity (exit 0, like P005).
INFO_ONLY = {"14-raw-websocket-default-timeout"}
WARNING_ONLY = {"26-erb-puma-race"}


def nginx_binary() -> str:
    path = shutil.which("nginx") or ("/usr/sbin/nginx" if shutil.os.path.exists("/usr/sbin/nginx") else None)
    if path is None:
        if IN_CI:
            pytest.fail("nginx is not installed; .ci/install-system.sh must install it")
        pytest.skip("nginx is not installed")
    return path


def nginx_t(conf_dir, tmp_path, hosts: list[str] | None = None) -> subprocess.CompletedProcess:
    """`nginx -t` on a copy, with prefix, error log and pid inside tmp_path.

    `hosts` are names the config's upstreams use that compose's DNS would resolve (the
    services of its stack): nginx -t resolves upstream hosts, so it runs in a private mount
    namespace whose /etc/hosts maps them to 127.0.0.1, as inside the compose network."""
    work = tmp_path / "conf"
    shutil.copytree(conf_dir, work)
    command = [nginx_binary(), "-t", "-q", "-p", str(tmp_path), "-c", str(work / "nginx.conf"), "-e", str(tmp_path / "error.log"),
               "-g", f"pid {tmp_path}/nginx.pid;"]
    if hosts:
        hosts_file = tmp_path / "hosts"
        hosts_file.write_text("127.0.0.1 localhost " + " ".join(hosts) + "\n")
        script = f"mount --bind {hosts_file} /etc/hosts && exec " + " ".join(f"'{word}'" for word in command)
        command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def compose_hosts(sample_dir) -> list[str]:
    """Every name a service of the sample's compose project answers to."""
    from nglint.sources.compose.reader import ComposeFile

    compose = sample_dir / "docker-compose.yml"
    if not compose.exists():
        return []
    parsed = ComposeFile().parse(str(compose), [str(sample_dir)], 1_000_000)
    return sorted({name for service in parsed.processes for name in service.names})


@pytest.mark.parametrize("sample", sorted(s for s in EXPECTED if (SAMPLES / s / "nginx").is_dir()))
def test_sample_passes_real_nginx_t(sample, tmp_path):
    result = nginx_t(SAMPLES / sample / "nginx", tmp_path, compose_hosts(SAMPLES / sample))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("sample", sorted(s for s in EXPECTED if (SAMPLES / s / "haproxy").is_dir()))
def test_sample_haproxy_cfg_passes_real_haproxy_c(sample):
    binary = shutil.which("haproxy")
    if binary is None:
        if IN_CI:
            pytest.fail("haproxy is not installed; .ci/install-system.sh must install it")
        pytest.skip("haproxy is not installed")
    result = subprocess.run([binary, "-c", "-f", str(SAMPLES / sample / "haproxy" / "haproxy.cfg")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("sample", sorted(EXPECTED))
def test_sample_findings_match_its_documentation(sample):
    result = run_cli("check", ".", "--format", "json", cwd=SAMPLES / sample)
    findings = {(f["rule"], f["path"], f["line"]) for f in json.loads(result.stdout)["findings"]}
    assert findings == EXPECTED[sample]
    assert result.returncode == (1 if any(r != "P005" for r, _, _ in findings) and sample not in INFO_ONLY else 0)


def test_all_samples_together_link_each_upstream_to_its_own_backend():
    result = run_cli("check", "samples", "--format", "json", cwd=PROJECT_ROOT)
    findings = json.loads(result.stdout)["findings"]
    # samples/k8s has its own test (test_k8s_samples.py)
    rules = [f["rule"] for f in findings if not f["path"].startswith(("samples/fixes/", "samples/k8s/"))]
    assert sorted(rules) == ["KA001"] * 14 + ["KA003", "KA004", "KA005", "LB001", "LB001", "LB001", "LB001", "LB002", "P005", "WS001",
                             "WS002", "WS002", "WS002"]
    # each load balancer links to its own sample's nginx or Tomcat, never to a neighbour's
    lb = {(f["rule"], f["path"].split("/")[1]) for f in findings if f["rule"].startswith("LB") and "/fixes/" not in f["path"]}
    assert lb == {("LB001", "07-alb-race"), ("LB002", "09-nlb-flow-drop"), ("LB001", "16-alb-to-tomcat"), ("LB001", "30-haproxy-race"),
                  ("LB001", "e2e-haproxy")}
    # samples/fixes/<rule>/before shows its rule; after/ holds only the fixed files (no server.xml)
    fixes = [(f["rule"], f["path"].split("/")[2:4]) for f in findings if f["path"].startswith("samples/fixes/") and f["rule"] != "P005"]
    assert sorted(fixes) == [(rule, [rule, "before"]) for rule in ("KA001", "KA003", "KA004", "KA005", "LB001", "LB002", "WS001")]
