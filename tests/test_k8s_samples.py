"""samples/k8s: each reports what its README says, `--fix` writes the fixed twin byte for
byte, and the fixed manifests pass the Kubernetes JSON schemas (kubernetes-validate)."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import IN_CI, PROJECT_ROOT, run_cli

SAMPLES = PROJECT_ROOT / "samples" / "k8s"
EXPECTED = {
    "01-ingress-nginx-0.20-tomcat7": {("KA001", "ingress-nginx/controller.yaml", 19)},
    "01-ingress-nginx-0.20-tomcat7-fixed": set(),
    "02-ingress-nginx-1.x-chart": {("KA001", "ingress/values.yaml", 9)},
    "02-ingress-nginx-1.x-chart-fixed": set(),
    "03-f5-nginx-ingress": {("KA001", "nginx-ingress.yaml", 7), ("KA005", "apps.yaml", 118)},
    "03-f5-nginx-ingress-fixed": set(),
}
# Objects the built-in schemas do not cover: a CRD and an API version removed in Kubernetes 1.22.
NO_SCHEMA = {("k8s.nginx.org/v1", "VirtualServer"), ("extensions/v1beta1", "Ingress")}
KUBERNETES_VERSION = "1.30"


@pytest.mark.parametrize("sample", sorted(EXPECTED))
def test_sample_findings(sample):
    result = run_cli("check", ".", "--format", "json", cwd=SAMPLES / sample)
    findings = {(f["rule"], f["path"], f["line"]) for f in json.loads(result.stdout)["findings"]}
    assert findings == EXPECTED[sample], result.stderr
    assert result.returncode == (1 if findings else 0)


def test_fix_writes_the_fixed_twin(tmp_path):
    work = tmp_path / "sample"
    shutil.copytree(SAMPLES / "02-ingress-nginx-1.x-chart", work)
    result = run_cli("check", ".", "--fix", cwd=work)
    assert result.returncode == 0, result.stdout + result.stderr
    twin = SAMPLES / "02-ingress-nginx-1.x-chart-fixed"
    for path in sorted(p for p in twin.rglob("*") if p.is_file()):
        assert (work / path.relative_to(twin)).read_bytes() == path.read_bytes(), path


def test_no_fix_where_the_controller_has_no_key(tmp_path):
    for sample in ("01-ingress-nginx-0.20-tomcat7", "03-f5-nginx-ingress"):
        work = tmp_path / sample
        shutil.copytree(SAMPLES / sample, work)
        run_cli("check", ".", "--fix", "--unsafe-fixes", cwd=work)
        for path in (SAMPLES / sample).rglob("*.yaml"):
            assert (work / path.relative_to(SAMPLES / sample)).read_bytes() == path.read_bytes()


def _validator():
    try:
        import kubernetes_validate
    except ImportError:
        if IN_CI:
            pytest.fail("kubernetes-validate is not installed; it is in the test extra")
        pytest.skip("kubernetes-validate is not installed")
    return kubernetes_validate


@pytest.mark.parametrize("sample", sorted(s for s in EXPECTED if s.endswith("-fixed")))
def test_fixed_manifests_pass_the_kubernetes_schemas(sample):
    import yaml

    validator = _validator()
    skipped, checked = set(), 0
    for path in sorted((SAMPLES / sample).rglob("*.yaml")):
        if path.name in ("values.yaml", "Chart.yaml", "kustomization.yaml"):
            continue
        for document in yaml.safe_load_all(path.read_text()):
            if (document["apiVersion"], document["kind"]) in NO_SCHEMA:
                skipped.add((document["apiVersion"], document["kind"]))
                continue
            validator.validate(document, KUBERNETES_VERSION, strict=True)
            checked += 1
    assert checked >= 4 and skipped <= NO_SCHEMA


def test_schema_validation_catches_a_number_in_configmap_data():
    validator = _validator()
    with pytest.raises(validator.ValidationError):
        validator.validate({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"},
                            "data": {"upstream-keepalive-timeout": 15}}, KUBERNETES_VERSION, strict=True)
