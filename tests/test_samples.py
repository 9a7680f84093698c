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
    "03-unused-pool-http10": {("KA003", "nginx/nginx.conf", 17), ("P005", "nginx/nginx.conf", 7)},
    "04-location-drops-connection": {("KA004", "nginx/nginx.conf", 23), ("P005", "nginx/nginx.conf", 7)},
    "05-split-includes": {("KA001", "nginx/conf.d/upstreams.conf", 4)},
    "06-clean": set(),
    "e2e-race": {("KA001", "nginx/nginx.conf", 27)},
    "07-gunicorn-race": {("KA001", "nginx/nginx.conf", 6)},
    "08-gunicorn-race-fixed": set(),
    "09-node-race": {("KA001", "nginx/nginx.conf", 7)},
    "10-node-race-fixed": set(),
    "11-spring-race": {("KA001", "nginx/nginx.conf", 6)},
    "12-spring-race-fixed": set(),
    "e2e-gunicorn": {("KA001", "nginx/nginx.conf", 23)},
    "e2e-node": {("KA001", "nginx/nginx.conf", 23)},
}


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


@pytest.mark.parametrize("sample", sorted(EXPECTED))
def test_sample_passes_real_nginx_t(sample, tmp_path):
    result = nginx_t(SAMPLES / sample / "nginx", tmp_path, compose_hosts(SAMPLES / sample))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("sample", sorted(EXPECTED))
def test_sample_findings_match_its_documentation(sample):
    result = run_cli("check", ".", "--format", "json", cwd=SAMPLES / sample)
    findings = {(f["rule"], f["path"], f["line"]) for f in json.loads(result.stdout)["findings"]}
    assert findings == EXPECTED[sample]
    assert result.returncode == (1 if any(r != "P005" for r, _, _ in findings) else 0)


def test_all_samples_together_link_each_upstream_to_its_own_backend():
    result = run_cli("check", "samples", "--format", "json", cwd=PROJECT_ROOT)
    findings = json.loads(result.stdout)["findings"]
    rules = [f["rule"] for f in findings if not f["path"].startswith("samples/fixes/")]
    assert sorted(rules) == ["KA001"] * 8 + ["KA003", "KA004", "P005", "P005"]
    # samples/fixes/<rule>/before shows its rule; after/ holds only the fixed files (no server.xml)
    fixes = [(f["rule"], f["path"].split("/")[2:4]) for f in findings if f["path"].startswith("samples/fixes/") and f["rule"] != "P005"]
    assert sorted(fixes) == [(rule, [rule, "before"]) for rule in ("KA001", "KA002", "KA003", "KA004", "KA005")]
