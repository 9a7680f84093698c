"""Kubernetes manifests at scale: N Deployments, N Services and N Ingresses (plus one
ingress-nginx controller), read and linked.

    python bench/k8s.py [N ...]        default: 250 500 1000

For each N it prints one Markdown row: YAML reading by nglint's reader against a bare
`yaml.load_all(..., Loader=yaml.CSafeLoader)` over the same files (in process, best of 3),
the whole model (load_project + every hop) in process, and `nglint check` as a fresh
process. The rows go in bench/RESULTS.md by hand (section "Kubernetes manifests").
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

PER_FILE = 10  # objects of each kind per file

CONTROLLER = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}
data:
  use-forwarded-headers: "true"
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}
spec:
  template:
    spec:
      containers:
        - name: controller
          image: registry.k8s.io/ingress-nginx/controller:v1.9.4
          args: [--configmap=$(POD_NAMESPACE)/ingress-nginx-controller]
"""

STACK = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app{i}
  namespace: apps
  labels: {{app: app{i}}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: app{i}}}
  template:
    metadata:
      labels: {{app: app{i}}}
    spec:
      containers:
        - name: main
          image: tomcat:9
          env:
            - {{name: JAVA_OPTS, value: "-Xmx512m"}}
          ports:
            - {{name: http, containerPort: 8080}}
---
apiVersion: v1
kind: Service
metadata: {{name: app{i}, namespace: apps}}
spec:
  selector: {{app: app{i}}}
  ports:
    - {{name: web, port: 80, targetPort: http}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: app{i}
  namespace: apps
  annotations: {{nginx.ingress.kubernetes.io/proxy-body-size: 8m}}
spec:
  ingressClassName: nginx
  rules:
    - host: app{i}.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: app{i}
                port: {{number: 80}}
"""


def generate(root: str, count: int) -> list[str]:
    paths = [os.path.join(root, "controller.yaml")]
    with open(paths[0], "w") as handle:
        handle.write(CONTROLLER)
    for start in range(0, count, PER_FILE):
        path = os.path.join(root, f"apps-{start // PER_FILE:04d}.yaml")
        with open(path, "w") as handle:
            handle.write("---\n".join(STACK.format(i=i) for i in range(start, min(start + PER_FILE, count))))
        paths.append(path)
    return paths


def best(function, rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def row(count: int) -> str:
    import yaml

    from nglint.config import Settings
    from nglint.project import load_project
    from nglint.sources.k8s.manifests import read_manifest_file

    with tempfile.TemporaryDirectory() as root:
        paths = generate(root, count)

        def bare():
            for path in paths:
                with open(path, "rb") as handle:
                    list(yaml.load_all(handle.read().decode(), Loader=yaml.CSafeLoader))

        def ours():
            for path in paths:
                read_manifest_file(path, 10 << 20)

        hops = []

        def model():
            project = load_project([root], Settings(), cwd=root)
            hops[:] = project.hops

        bare_s, ours_s, model_s = best(bare), best(ours), best(model)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "nglint", "check", root, "--format", "json"], capture_output=True)
        cli_s = time.perf_counter() - started
        assert result.returncode == 1 and len(hops) == count, (result.returncode, len(hops))
        return (f"| {count} | {3 * count} | {len(paths)} | {bare_s:.3f} s | {ours_s:.3f} s | {ours_s / bare_s:.2f}x | "
                f"{model_s:.3f} s | {len(hops)} | {cli_s:.3f} s |")


def main(argv: list[str]) -> int:
    counts = [int(arg) for arg in argv] or [250, 500, 1000]
    print("| N | objects | files | yaml.load_all (CSafeLoader) | nglint reader | reader / bare | model + hops | hops | nglint check (process) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for count in counts:
        print(row(count), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
