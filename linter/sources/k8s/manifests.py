"""One Kubernetes YAML file as plain objects: manifests, a kustomization, or chart values.

Reading never raises: a malformed file, a bound exceeded, or a Helm template whose
`{{ }}` actions break the YAML becomes a Problem, and the rest of the run goes on.
Objects keep their YAML maps (with marks), so the model and fixes can point at any key.
"""

from __future__ import annotations

import os

from nglint.backends import BackendFile
from nglint.problems import Problem
from nglint.records import field, record
from nglint.sources.k8s.yamlnodes import YamlLimit, YMap, YSeq, check_flow_nesting, load_documents

MANIFEST, KUSTOMIZATION, CHART, VALUES = "manifest", "kustomization", "chart", "values"
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


@record
class K8sObject:
    """One Kubernetes object: `body` is its YAML map, `line` where it starts."""

    kind: str
    api_version: str
    name: str
    namespace: str | None
    body: YMap
    path: str
    line: int

    @property
    def metadata(self) -> YMap:
        meta = self.body.get("metadata")
        return meta if isinstance(meta, YMap) else YMap()

    @property
    def labels(self) -> dict:
        labels = self.metadata.get("labels")
        return labels if isinstance(labels, dict) else {}

    @property
    def annotations(self) -> YMap:
        annotations = self.metadata.get("annotations")
        return annotations if isinstance(annotations, YMap) else YMap()

    @property
    def spec(self) -> YMap:
        spec = self.body.get("spec")
        return spec if isinstance(spec, YMap) else YMap()

    def describe(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name}"


@record
class ManifestFile(BackendFile):
    """What the Kubernetes reader found in one file; `role` says which kind of file it is
    (MANIFEST, KUSTOMIZATION, CHART (Chart.yaml) or VALUES (a chart's values.yaml)) and
    `document` holds the root map of a kustomization, Chart.yaml or values file."""

    role: str = MANIFEST
    objects: list[K8sObject] = field(default_factory=list)
    document: YMap | None = None
    # Load balancers its objects' AWS Load Balancer Controller annotations describe.
    frontends: list = field(default_factory=list)


def role_of(path: str) -> str:
    name = os.path.basename(path)
    if name in KUSTOMIZATION_NAMES:
        return KUSTOMIZATION
    if name in ("Chart.yaml", "Chart.yml"):
        return CHART
    if name.startswith("values") and name.endswith((".yaml", ".yml")):
        return VALUES
    return MANIFEST


def read_manifest_file(path: str, max_file_size: int, tree_roots: list[str] | None = None) -> ManifestFile:
    """Read one file; bad input becomes Problems (a manifest parse error, a refused file). A file
    whose real path leaves `tree_roots` (a symlink out of the tree) is never opened."""
    from nglint.boundary import Boundary, Refused, open_limited
    from nglint.diagnostics import MANIFEST_PARSE_ERROR, REFUSED_FILE, UNRESOLVED_PLACEHOLDER, refusal_kind

    result = ManifestFile(path, role=role_of(path))
    if tree_roots is not None and not Boundary(tree_roots).contains(path):
        result.problems.append(Problem(REFUSED_FILE, path, 1, "not read: a symlink that leads outside the checked tree"))
        return result
    try:
        data = open_limited(path, max_file_size)
    except Refused as refused:
        reason = refused.reason
        prefix = "refused: " if reason.startswith("file is") else ("" if reason.startswith("cannot") else "not read: ")
        result.problems.append(Problem(refusal_kind(reason), path, 1, prefix + reason))
        return result
    deep = check_flow_nesting(data)
    if deep is not None:
        result.problems.append(Problem(REFUSED_FILE, path, deep, "refused: flow collections nested too deep to read safely"))
        return result
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    import yaml

    try:
        documents = load_documents(text, path)
    except YamlLimit as exc:
        result.problems.append(Problem(REFUSED_FILE, path, exc.line, f"refused: {exc}"))
        return result
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        if "{{" in text:
            result.problems.append(Problem(
                UNRESOLVED_PLACEHOLDER, path, line, "templated YAML ({{ ... }} actions) is not valid YAML here; its values are unknown "
                "(nglint does not render Helm or Go templates)", severity=_info(),
            ))
        else:
            result.problems.append(Problem(MANIFEST_PARSE_ERROR, path, line, f"not valid YAML: {getattr(exc, 'problem', None) or exc}"))
        return result
    for document in documents:
        root = document.root
        if result.role != MANIFEST:
            if isinstance(root, YMap) and result.document is None:
                result.document = root
            continue
        _collect(root, path, result.objects)
    if b"aws-load-balancer" in data or b"alb.ingress.kubernetes.io" in data:
        from nglint.sources.aws.reader import manifest_front_tiers

        for obj_root in (document.root for document in documents):
            if isinstance(obj_root, YMap):
                result.frontends.extend(manifest_front_tiers(obj_root, path))
    return result


def _collect(root, path: str, objects: list[K8sObject]) -> None:
    """Objects of one document; a `List` (kind List or *List) contributes its items."""
    if not isinstance(root, YMap):
        return
    kind = root.get("kind")
    if not isinstance(kind, str):
        return
    items = root.get("items")
    if kind.endswith("List") and isinstance(items, YSeq):
        for item in items:
            _collect(item, path, objects)
        return
    meta = root.get("metadata")
    meta = meta if isinstance(meta, YMap) else YMap()
    name = meta.get("name")
    namespace = meta.get("namespace")
    line = root.mark.line if root.mark else 1
    objects.append(K8sObject(
        kind, str(root.get("apiVersion") or ""), str(name) if name is not None else "",
        str(namespace) if namespace is not None else None, root, path, line,
    ))


def _info():
    from nglint.findings import Severity

    return Severity.INFO
