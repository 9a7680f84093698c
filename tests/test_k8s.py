"""Kubernetes manifests: odd but valid YAML, hostile YAML, and every path from an Ingress to a container."""

from __future__ import annotations

import pytest

from conftest import found, run_cli, write_tree

CONTROLLER = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: ingress-nginx-controller
  namespace: ingress-nginx
data:
  use-forwarded-headers: "true"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ingress-nginx-controller
  namespace: ingress-nginx
spec:
  template:
    spec:
      containers:
        - name: controller
          image: registry.k8s.io/ingress-nginx/controller:{tag}
          args: [/nginx-ingress-controller, --configmap=$(POD_NAMESPACE)/ingress-nginx-controller]
"""

SERVER_XML = """\
<Server port="-1">
  <Service name="Catalina">
    <Connector port="8080" connectionTimeout="20000"/>
  </Service>
</Server>
"""


def said(finding) -> str:
    """A finding's sentence and the sources of its values, where the details live."""
    return " ".join([finding.message, *finding.sources])


def said_json(finding: dict) -> str:
    return " ".join([finding["message"], *finding.get("sources", [])])


def app(port_ref="number: 80", target="8080", container_port="- containerPort: 8080", image="tomcat:9", namespace="web",
        ingress_api="networking.k8s.io/v1", extra_annotations=""):
    backend = (
        f"service:\n                name: app\n                port:\n                  {port_ref}"
        if ingress_api == "networking.k8s.io/v1"
        else f"serviceName: app\n              servicePort: {port_ref}"
    )
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: {namespace}
spec:
  template:
    metadata:
      labels:
        app: app
    spec:
      containers:
        - name: main
          image: {image}
          ports:
            {container_port}
---
apiVersion: v1
kind: Service
metadata:
  name: app
  namespace: {namespace}
spec:
  selector:
    app: app
  ports:
    - name: web
      port: 80
      targetPort: {target}
---
apiVersion: {ingress_api}
kind: Ingress
metadata:
  name: app
  namespace: {namespace}
  annotations:
    kubernetes.io/ingress.class: nginx{extra_annotations}
spec:
  rules:
    - http:
        paths:
          - path: /
            backend:
              {backend}
"""


def report_root(report):
    from pathlib import Path

    return Path(report.cwd)


def _ka001(report):
    return [f for f in report.findings if f.rule == "KA001"]


# -- linking paths -----------------------------------------------------------------------


@pytest.mark.parametrize("port_ref, target, container_port", [
    ("number: 80", "8080", "- containerPort: 8080"),
    ("name: web", "http", "- {name: http, containerPort: 8080}"),
    ("number: 80", "8080", "[]"),  # an unlisted port of the only container
])
def test_ingress_v1_to_service_to_container(lint, port_ref, target, container_port):
    report = lint({"ingress.yaml": CONTROLLER.format(tag="v1.9.4"), "app.yaml": app(port_ref, target, container_port)})
    (finding,) = _ka001(report)
    assert (report.display_path(finding.path), finding.line) == ("ingress.yaml", 6)  # `data:` where the key goes
    assert "ingress-nginx 1.9.4" in said(finding) and "Service web/app port" in said(finding)
    assert "upstream-keepalive-timeout" in said(finding) or "default upstream-keepalive-timeout 60s" in said(finding)


def test_ingress_v1beta1_service_port_number(lint):
    report = lint({"ingress.yaml": CONTROLLER.format(tag="v0.35.0"),
                   "app.yaml": app("80", "8080", ingress_api="extensions/v1beta1")})
    (finding,) = _ka001(report)
    assert "ingress-nginx 0.35.0" in said(finding)


@pytest.mark.parametrize("files", [
    {"app.yaml": app(target="9090")},  # the Service's targetPort matches no container port
    {"app.yaml": app().replace("app: app\n  ports", "app: other\n  ports")},  # selector matches no pod
    {"app.yaml": app().replace("  selector:\n    app: app\n", "  type: ExternalName\n  externalName: db.example.com\n")},
])
def test_no_hop_without_a_container_behind_the_service(lint, files):
    report = lint({"ingress.yaml": CONTROLLER.format(tag="v1.9.4"), **files})
    assert _ka001(report) == []


def test_timeout_key_from_the_configmap(lint):
    controller = CONTROLLER.format(tag="v1.2.0").replace('  use-forwarded-headers: "true"\n', '  upstream-keepalive-timeout: "10"\n')
    assert _ka001(lint({"ingress.yaml": controller, "app.yaml": app()})) == []
    controller = CONTROLLER.format(tag="v1.2.0").replace('  use-forwarded-headers: "true"\n', "  upstream-keepalive-timeout: '45'\n")
    (finding,) = _ka001(lint({"ingress.yaml": controller, "app.yaml": app()}))
    assert finding.line == 7 and "upstream-keepalive-timeout: \"45\"" in said(finding)


def test_controller_before_0_21_has_no_key_and_no_fix(lint):
    report = lint({"ingress.yaml": CONTROLLER.format(tag="0.20.0"), "app.yaml": app()})
    (finding,) = _ka001(report)
    assert finding.line == 19  # the controller's image: the upgrade is where to act
    assert "no upstream-keepalive-timeout key" in said(finding) and "custom nginx.tmpl" in said(finding)
    assert finding.fix is None


def test_server_xml_from_a_configmap_with_lines_in_the_manifest(lint):
    files = {
        "ingress.yaml": CONTROLLER.format(tag="v1.9.4"),
        "app.yaml": app(namespace="web") + (
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: conf\n  namespace: web\ndata:\n  server.xml: |\n"
            + "".join("    " + line + "\n" for line in SERVER_XML.replace("20000", "5000").splitlines())
        ),
    }
    files["app.yaml"] = files["app.yaml"].replace(
        "          ports:\n", "          volumeMounts:\n            - {name: c, mountPath: /usr/local/tomcat/conf}\n          ports:\n", 1
    ).replace("    spec:\n      containers:", "    spec:\n      volumes:\n        - name: c\n          configMap: {name: conf}\n      containers:", 1)
    report = lint(files)
    (finding,) = _ka001(report)
    (server,) = [r for r in finding.related if "closes idle" in r.message]
    assert report.display_path(server.location.path) == "app.yaml"
    lines = files["app.yaml"].splitlines()
    assert 'connectionTimeout="5000"' in lines[server.location.line - 1]
    assert "5s" in said(finding)


def test_stacks_never_share_a_controller_or_service(lint):
    report = lint({
        "shop/ingress.yaml": CONTROLLER.format(tag="v1.9.4"),
        "shop/app.yaml": app(),
        "blog/app.yaml": app(),  # same names, no controller of its own
    })
    (finding,) = _ka001(report)
    assert all(not report.display_path(r.location.path).startswith("blog/") for r in finding.related)


def test_two_controllers_are_told_apart_by_class(lint):
    second = CONTROLLER.format(tag="v1.9.4").replace("ingress-nginx-controller", "internal").replace(
        "controller]", "controller, --ingress-class=internal]")
    first = CONTROLLER.format(tag="v1.1.0").replace("controller]", "controller, --ingress-class=nginx]")
    report = lint({"a.yaml": first, "b.yaml": second, "app.yaml": app()})
    (finding,) = _ka001(report)
    assert "ingress-nginx 1.1.0" in said(finding)


def test_list_objects(lint):
    items = "".join(
        "  - " + "\n    ".join(doc.strip("\n").splitlines()) + "\n" for doc in app().split("---\n")
    )
    report = lint({"ingress.yaml": CONTROLLER.format(tag="v1.9.4"), "app.yaml": "apiVersion: v1\nkind: List\nitems:\n" + items})
    assert len(_ka001(report)) == 1


def test_kustomize_overlay_patches_configmap_and_deployment(lint):
    report = lint({
        "base/kustomization.yaml": "resources: [ingress.yaml, app.yaml]\n",
        "base/ingress.yaml": CONTROLLER.format(tag="v1.9.4"),
        "base/app.yaml": app(),
        "overlays/prod/kustomization.yaml": """\
            resources: [../../base]
            patchesStrategicMerge: [timeout.yaml]
            patches:
              - target: {kind: Deployment, name: app}
                patch: |
                  - op: replace
                    path: /spec/template/spec/containers/0/image
                    value: tomcat:10.1
            """,
        "overlays/prod/timeout.yaml": """\
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: ingress-nginx-controller
              namespace: ingress-nginx
            data:
              upstream-keepalive-timeout: "50"
            """,
    })
    findings = _ka001(report)
    assert len(findings) == 2  # the base as written (60s) and the overlay (50s, from the patch file)
    overlay = next(f for f in findings if "overlays" in f.path)
    assert report.display_path(overlay.path) == "overlays/prod/timeout.yaml" and overlay.line == 7
    assert "tomcat:10.1" in said(overlay)


def test_annotation_http_10_disables_reuse_ka003(lint):
    report = lint({"ingress.yaml": CONTROLLER.format(tag="v1.9.4"),
                   "app.yaml": app(extra_annotations='\n    nginx.ingress.kubernetes.io/proxy-http-version: "1.0"')})
    ((rule, path, line),) = [item for item in found(report) if item[0].startswith("KA")]
    assert rule == "KA003" and "proxy-http-version" in (report_root(report) / path).read_text().splitlines()[line - 1]


def test_helm_values_of_the_ingress_nginx_chart(lint):
    report = lint({
        "chart/Chart.yaml": "apiVersion: v2\nname: ingress-nginx\nversion: 4.10.0\nappVersion: 1.10.0\n",
        "chart/values.yaml": "controller:\n  config: {}\n",
        "app.yaml": app(),
    })
    (finding,) = _ka001(report)
    assert "ingress-nginx >= 1.0.0" in said(finding) and report.display_path(finding.path) == "chart/values.yaml"
    assert finding.fix is not None


def test_f5_virtualserver_keepalive(lint):
    f5 = """\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: nic, namespace: nginx-ingress}
        spec:
          template:
            spec:
              containers:
                - name: nic
                  image: nginx/nginx-ingress:5.0.0
        ---
        apiVersion: k8s.nginx.org/v1
        kind: VirtualServer
        metadata: {name: app, namespace: web}
        spec:
          upstreams:
            - {name: app, service: app, port: 80, keepalive: 16}
        """
    report = lint({"f5.yaml": f5, "app.yaml": app().split("---\napiVersion: networking")[0]})
    (finding,) = _ka001(report)
    assert "F5 NGINX Ingress Controller 5.0.0" in said(finding) and finding.line == 16 and finding.fix is None


# -- a server kind another reader brings: asserted through a test-local reader ------------------


class _NodeReader:
    """Stands in for a Node.js reader: answers for node images with Node's 5s default."""

    kind = "testnode"
    comment, comment_prefix = "line", "#"

    def claims(self, path):
        return False

    def from_process(self, process, tree_roots, max_file_size):
        from nglint.backends import Backend
        from nglint.sources.process import image_name
        from nglint.tiers.model import Provenance

        if image_name(process.image)[0] != "node":
            return None
        provenance = Provenance.declared(process.location.path, process.location.line, "keepAliveTimeout", "node default 5s")
        return [Backend("testnode", f"Node in {process.name}", port, 5000, "node default 5s", process.location,
                        provenance=provenance, unit=process.unit) for port in process.ports]


def test_node_container_gets_a_backend_when_a_reader_answers(lint, monkeypatch):
    import nglint.sources as sources

    files = {"ingress.yaml": CONTROLLER.format(tag="v1.9.4"), "app.yaml": app(image="node:20", container_port="- containerPort: 3000", target="3000")}
    assert _ka001(lint(files)) == []  # no reader knows node here
    builtin = sources.readers()
    monkeypatch.setattr(sources, "readers", lambda: builtin + (_NodeReader(),))
    (finding,) = _ka001(lint(files))
    assert "Node in app/main" in said(finding) and "set upstream-keepalive-timeout to 4s" in said(finding)


# -- odd but valid YAML -----------------------------------------------------------------------


def test_crlf_bom_anchors_flow_and_document_markers(lint):
    text = app().replace("  ports:\n    - name: web", "  ports: &ports\n    - name: web")
    text = "%YAML 1.1\n---\n" + text.replace("---\n", "...\n---\n") + "...\n"
    data = ("\ufeff" + text).replace("\n", "\r\n").encode("utf-8")
    report = lint({"ingress.yaml": CONTROLLER.format(tag="v1.9.4"), "app.yaml": data})
    (finding,) = _ka001(report)
    assert finding.line == 6


def test_yaml_oddities_keep_lines():
    from nglint.sources.k8s.yamlnodes import load_documents

    text = "a: &x {k: [1, 2]}\nb: *x\nc: |\n  <Server>\n  </Server>\nd: >-\n  folded\n...\n---\n<<: {m: 1}\ne: 'q'\n"
    first, second = load_documents(text)
    assert first.root["b"] == {"k": [1, 2]} and first.root["c"] == "<Server>\n</Server>\n"
    assert first.root.value_marks["c"].style == "|" and first.root.line_of("d") == 6
    assert second.line == 9 and second.root["m"] == 1 and second.root.value_marks["e"].style == "'"


# -- hostile YAML: bounded, reported, never a crash ---------------------------------------------


BILLION_LAUGHS = "apiVersion: v1\nkind: ConfigMap\na: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8)
)


@pytest.mark.parametrize("content, code", [
    (BILLION_LAUGHS, "P003"),
    ("apiVersion: v1\nkind: ConfigMap\ndata: " + "[" * 50_000 + "]" * 50_000 + "\n", "P003"),
    ("apiVersion: v1\nkind: ConfigMap\n" + "".join(" " * i + "k:\n" for i in range(200)), "P003"),
    ("apiVersion: v1\nkind: ConfigMap\ndata: {a: [}\n", "P001"),
    ("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - image: {{ .Values.image }}:{{ .Values.tag }}\n", "P004"),
])
def test_hostile_yaml_is_refused_with_a_problem(tmp_path, content, code):
    write_tree(tmp_path, {"bad.yaml": content.encode()})
    result = run_cli("check", ".", "--format", "json", cwd=tmp_path)
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr, result.stderr
    import json

    codes = [f["rule"] for f in json.loads(result.stdout)["findings"]]
    assert codes == [code]


def test_huge_scalar_over_the_file_limit(tmp_path):
    write_tree(tmp_path, {
        "big.yaml": b"apiVersion: v1\nkind: ConfigMap\ndata:\n  x: " + b"a" * 3_000_000 + b"\n",
        "fits.yaml": b"apiVersion: v1\nkind: ConfigMap\ndata:\n  x: " + b"a" * 500_000 + b"\n",
        ".nglint.toml": "max-file-size = 1000000\n",
    })
    result = run_cli("check", ".", "--format", "json", cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    import json

    assert [(f["rule"], f["path"]) for f in json.loads(result.stdout)["findings"]] == [("P003", "big.yaml")]


def test_sniff_claims_only_kubernetes_yaml(tmp_path):
    from nglint.sources.k8s.reader import KubernetesYaml

    write_tree(tmp_path, {
        "k.yaml": "apiVersion: v1\nkind: Service\n",
        "ci.yml": "on: push\njobs: {}\n",
        "chart/Chart.yaml": "name: x\n",
        "chart/values.yaml": "a: 1\n",
        "chart/templates/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: {{ .Release.Name }}}\n",
        "values.yaml": "a: 1\n",
    })
    reader = KubernetesYaml()
    claimed = {p for p in ("k.yaml", "ci.yml", "chart/Chart.yaml", "chart/values.yaml", "chart/templates/svc.yaml", "values.yaml")
               if reader.claims(str(tmp_path / p))}
    assert claimed == {"k.yaml", "chart/Chart.yaml", "chart/values.yaml"}


# -- fixes --------------------------------------------------------------------------------------


@pytest.mark.parametrize("data, expected", [
    ('data:\n  use-forwarded-headers: "true"\n', 'data:\n  use-forwarded-headers: "true"\n'
     "  # nglint KA001: Tomcat in app/main (tomcat:9) closes idle connections after 20s\n  upstream-keepalive-timeout: \"18\"\n"),
    ("data:\n    a: 'x'   # note\n", "data:\n    a: 'x'   # note\n"
     "    # nglint KA001: Tomcat in app/main (tomcat:9) closes idle connections after 20s\n    upstream-keepalive-timeout: '18'\n"),
    ('data:\n  upstream-keepalive-timeout: "60" # keep\n', 'data:\n  upstream-keepalive-timeout: "18" # keep\n'),
    ("data: {}\n", 'data:\n  # nglint KA001: Tomcat in app/main (tomcat:9) closes idle connections after 20s\n  upstream-keepalive-timeout: "18"\n'),
])
def test_fix_edits_the_configmap_byte_exactly(tmp_path, data, expected):
    head = CONTROLLER.format(tag="v1.9.4").split("\ndata:")[0] + "\n"
    tail = "---" + CONTROLLER.format(tag="v1.9.4").split("---", 1)[1]
    for newline in ("\n", "\r\n"):
        write_tree(tmp_path, {"ingress.yaml": (head + data + tail).replace("\n", newline).encode(), "app.yaml": app()})
        result = run_cli("check", ".", "--fix", cwd=tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        assert (tmp_path / "ingress.yaml").read_bytes() == (head + expected + tail).replace("\n", newline).encode()


# -- a custom nginx.tmpl ------------------------------------------------------------------------

TEMPLATE_MOUNT = """\
          volumeMounts:
            - {name: tmpl, mountPath: /etc/nginx/template}
      volumes:
        - name: tmpl
          configMap: {name: tmpl}
"""


def _template_stack(block: str, as_file: bool = False) -> dict:
    template = "http {\n  {{ range $s := .Servers }}{{ end }}\n  upstream upstream_balancer {\n" + block + "  }\n}\n"
    controller = CONTROLLER.format(tag="v1.9.4") + TEMPLATE_MOUNT
    files = {"ingress.yaml": controller, "app.yaml": app()}
    if as_file:
        files["nginx.tmpl"] = template
    else:
        files["ingress.yaml"] += "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: tmpl, namespace: ingress-nginx}\ndata:\n  nginx.tmpl: |\n" + "".join(
            "    " + line + "\n" for line in template.splitlines())
    return files


def test_custom_template_literal_timeout_decides(lint):
    assert _ka001(lint(_template_stack("    keepalive 32;\n    keepalive_timeout 15s;\n"))) == []
    (finding,) = _ka001(lint(_template_stack("    keepalive 32;\n    keepalive_timeout 50s;\n")))
    assert "keepalive_timeout 50s in custom nginx.tmpl" in said(finding) and finding.fix is None
    files = _template_stack("    keepalive 32;\n    keepalive_timeout 50s;\n")
    assert files["ingress.yaml"].splitlines()[finding.line - 1].strip() == "keepalive_timeout 50s;"  # inside the ConfigMap


def test_custom_template_actions_leave_it_to_the_config(lint):
    (finding,) = _ka001(lint(_template_stack(
        "    {{ if gt $cfg.UpstreamKeepaliveConnections 0 }}\n    keepalive {{ $cfg.UpstreamKeepaliveConnections }};\n"
        "    keepalive_timeout {{ $cfg.UpstreamKeepaliveTimeout }}s;\n    {{ end }}\n")))
    assert "default upstream-keepalive-timeout 60s" in said(finding) and finding.fix is not None


def test_custom_template_file_without_pool_or_timeout(lint):
    assert _ka001(lint(_template_stack("    server 0.0.0.1;\n", as_file=True))) == []  # no keepalive: no pool
    (finding,) = _ka001(lint(_template_stack("    keepalive 16;\n", as_file=True)))
    assert "sets no keepalive_timeout" in said(finding) and finding.fix is None


def test_nothing_outside_the_tree_is_read(tmp_path):
    import json
    import os

    outside = tmp_path / "outside"
    write_tree(outside, {"secret.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s}\n",
                         "ops.yaml": "- {op: replace, path: /spec/template/spec/containers/0/image, value: tomcat:10.1}\n"})
    repo = tmp_path / "repo"
    write_tree(repo, {"ingress.yaml": CONTROLLER.format(tag="v1.9.4"), "app.yaml": app(),
                      "kustomization.yaml": "resources: [ingress.yaml, app.yaml]\npatchesJson6902:\n"
                                            "  - {target: {kind: Deployment, name: app}, path: ../outside/ops.yaml}\n"})
    os.symlink(outside / "secret.yaml", repo / "link.yaml")
    result = run_cli("check", ".", "--format", "json", cwd=repo)
    findings = json.loads(result.stdout)["findings"]
    assert [(f["rule"], f["path"]) for f in findings if f["rule"] == "P003"] == [("P003", "link.yaml")]
    (ka001,) = [f for f in findings if f["rule"] == "KA001"]
    assert "tomcat:9" in said_json(ka001)  # the patch outside the tree was not applied


# -- the model behind the hops (what `nglint topology` shows) ------------------------------------


def _project(tmp_path, files):
    from nglint.config import Settings
    from nglint.project import load_project

    write_tree(tmp_path, files)
    return load_project([str(tmp_path)], Settings(), cwd=str(tmp_path))


def test_hop_carries_labels_policies_provenance_and_the_chain(tmp_path):
    project = _project(tmp_path, {"ingress.yaml": CONTROLLER.format(tag="v1.9.4"), "app.yaml": app()})
    (hop,) = [h for h in project.hops if h.client.tier == "ingress-nginx"]
    assert hop.client.label == "ingress-nginx 1.9.4 (ingress-nginx/ingress-nginx-controller) upstream pool"
    assert hop.client.idle.pools and hop.client.idle.timeout_ms == 60_000
    assert hop.client.idle.provenance.default.key == "upstream-keepalive-timeout"
    assert (hop.client.setting.key, hop.client.setting.exists, hop.client.setting.line) == ("upstream-keepalive-timeout", False, 6)
    assert hop.server.tier == "tomcat" and hop.server.idle.timeout_ms == 20_000 and hop.server.port == 8080
    assert hop.server.unit.endswith("#web") and hop.server.host == "app/main"
    for part in ("Ingress web/app (", "app.yaml:44) -> ", "Service web/app port 80", "targetPort 8080", "Deployment web/app container main port 8080"):
        assert part in hop.evidence
    assert hop.evidence_location.line == 27  # the Service's port entry


def test_pool_disabled_by_zero_connections(tmp_path):
    controller = CONTROLLER.format(tag="v1.9.4").replace('  use-forwarded-headers: "true"\n', '  upstream-keepalive-connections: "0"\n')
    project = _project(tmp_path, {"ingress.yaml": controller, "app.yaml": app()})
    (hop,) = [h for h in project.hops if h.client.tier == "ingress-nginx"]
    assert not hop.client.idle.pools


@pytest.mark.parametrize("kind, wrap", [
    ("StatefulSet", lambda t: t), ("DaemonSet", lambda t: t), ("Job", lambda t: t),
    ("CronJob", lambda t: "  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n" + "".join("    " + l + "\n" for l in t.splitlines())),
])
def test_workload_kinds_and_environment(tmp_path, kind, wrap):
    from nglint.sources.k8s.cluster import build_cluster

    template = """\
  template:
    metadata:
      labels: {app: w}
    spec:
      containers:
        - name: c
          image: gunicorn-app:1
          command: [gunicorn]
          args: ["--keep-alive", "5", "app:app"]
          env:
            - {name: LITERAL, value: "1"}
            - name: FROM_KEY
              valueFrom: {configMapKeyRef: {name: env, key: TIMEOUT}}
          envFrom:
            - configMapRef: {name: env}
"""
    files = {"w.yaml": f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: env}}\ndata:\n  TIMEOUT: '30'\n  OTHER: x\n---\n"
                       f"apiVersion: apps/v1\nkind: {kind}\nmetadata: {{name: w}}\nspec:\n" + wrap(template)}
    cluster = build_cluster(_project(tmp_path, files))
    (workload,) = cluster.workloads
    process = workload.containers[0].process
    assert process.argv == ["gunicorn", "--keep-alive", "5", "app:app"] and process.image == "gunicorn-app:1"
    assert process.env == {"TIMEOUT": "30", "OTHER": "x", "LITERAL": "1", "FROM_KEY": "30"}
    assert process.env_locations["FROM_KEY"].line == 5  # the ConfigMap key that holds the value
    assert workload.pod_labels == {"app": "w"}


def test_gateway_api_httproute_links_to_the_service(tmp_path):
    from nglint.sources.k8s.cluster import build_cluster

    route = ("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, namespace: web}\n"
             "spec:\n  parentRefs: [{name: gw}]\n  rules:\n    - backendRefs:\n        - {name: app, port: 80}\n")
    cluster = build_cluster(_project(tmp_path, {"app.yaml": app().rsplit("---\n", 1)[0], "route.yaml": route}))
    ((linked, _),) = cluster.routes
    assert linked.source.kind == "HTTPRoute" and [(c.name, port) for c, port in linked.containers] == [("main", 8080)]


@pytest.mark.parametrize("chart, values, expected", [
    ("apiVersion: v2\nname: nginx-ingress-controller\nversion: 11.0.0\n",
     "image:\n  tag: 1.9.6-debian-12-r0\nconfig:\n  upstream-keepalive-timeout: \"50\"\n", "ingress-nginx 1.9.6"),
    ("apiVersion: v2\nname: nginx-ingress\nversion: 1.0.0\n",
     "controller:\n  image:\n    tag: 3.4.0\n  config:\n    entries:\n      keepalive: \"16\"\n", "F5 NGINX Ingress Controller 3.4.0"),
])
def test_bitnami_and_f5_chart_values(lint, chart, values, expected):
    report = lint({"chart/Chart.yaml": chart, "chart/values.yaml": values, "app.yaml": app().replace(
        "    kubernetes.io/ingress.class: nginx", "    kubernetes.io/ingress.class: nginx\n    x: y")})
    (finding,) = _ka001(report)
    assert expected in said(finding) and report.display_path(finding.path) == "chart/values.yaml"
    lines = values.splitlines()
    assert lines[finding.line - 1].strip().startswith(("upstream-keepalive-timeout", "keepalive"))


def test_kustomize_patches_a_service_port(lint):
    report = lint({
        "base/kustomization.yaml": "resources: [ingress.yaml, app.yaml]\n",
        "base/ingress.yaml": CONTROLLER.format(tag="v1.9.4"),
        "base/app.yaml": app(target="9090"),  # no container listens on 9090: no hop in the base
        "prod/kustomization.yaml": "resources: [../base]\npatchesStrategicMerge: [svc.yaml]\n",
        "prod/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: app, namespace: web}\nspec:\n  ports:\n    - {port: 80, targetPort: 8080}\n",
    })
    (finding,) = _ka001(report)
    assert "targetPort 8080" in said(finding)


# -- arbitrary input never raises -----------------------------------------------------------------

try:
    from hypothesis import given, settings, strategies as st
except ImportError:  # hypothesis is in the test extra; CI has it
    given = None

if given is not None:
    _YAMLISH = st.lists(st.sampled_from([
        "apiVersion: v1\n", "kind: ConfigMap\n", "kind: List\n", "items:\n", "- ", "  ", "data:\n", "&a ", "*a ", "<<: ",
        "{", "}", "[", "]", ",", ": ", "|\n", ">-\n", "'", '"', "---\n", "...\n", "\r\n", "\ufeff", "{{ .x }}", "# c\n",
        "x", "1", "\t", "!!str ", "%YAML 1.1\n", "? ",
    ]), max_size=60).map("".join)

    @settings(max_examples=300, deadline=None)
    @given(st.one_of(_YAMLISH, st.text(max_size=200)))
    def test_reader_never_raises(tmp_path_factory, text):
        from nglint.sources.k8s.manifests import read_manifest_file

        path = tmp_path_factory.mktemp("fuzz") / "x.yaml"
        path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
        result = read_manifest_file(str(path), 1 << 20, [str(path.parent)])
        assert all(problem.kind in ("manifest-parse-error", "refused-file", "unreadable-file", "unresolved-placeholder")
                   for problem in result.problems)


NGF = """\
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: nginx}
spec:
  controllerName: gateway.nginx.org/nginx-gateway-controller
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: web}
spec:
  parentRefs: [{name: gw}]
  rules:
    - backendRefs:
        - {name: app, port: 80}
"""


def test_gateway_fabric_upstream_settings_policy(tmp_path):
    policy = ("---\napiVersion: gateway.nginx.org/v1alpha1\nkind: UpstreamSettingsPolicy\nmetadata: {name: p, namespace: web}\n"
              "spec:\n  targetRefs:\n    - {group: core, kind: Service, name: app}\n  keepAlive:\n    connections: 32\n")
    files = {"gw.yaml": NGF + policy, "app.yaml": app().rsplit("---\n", 1)[0]}
    write_tree(tmp_path, files)
    result = run_cli("check", ".", "--format", "json", cwd=tmp_path)
    import json

    (finding,) = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "KA001"]
    assert "NGINX Gateway Fabric version unknown (GatewayClass nginx)" in said_json(finding)
    assert finding["line"] == 22  # `keepAlive:`, where the timeout goes
    fixed = run_cli("check", ".", "--fix", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert (tmp_path / "gw.yaml").read_text().endswith('    connections: 32\n'
                                                     "    # nglint KA001: Tomcat in app/main (tomcat:9) closes idle connections after 20s\n"
                                                     '    timeout: "18s"\n')


def test_gateway_fabric_without_policy_pools_only_on_new_nginx(lint):
    report = lint({"gw.yaml": NGF, "app.yaml": app().rsplit("---\n", 1)[0]})
    assert [f.rule for f in report.findings if f.rule.startswith("KA")] == ["KA005"]


def test_a_fifo_named_yaml_is_never_opened(tmp_path):
    import os

    os.mkfifo(tmp_path / "pipe.yaml")
    write_tree(tmp_path, {"app.yaml": app()})
    result = run_cli("check", ".", "--format", "json", cwd=tmp_path)  # run_cli's timeout fails a hang
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr
