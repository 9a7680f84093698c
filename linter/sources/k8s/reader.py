"""The reader of Kubernetes YAML: manifests, kustomizations, Helm chart metadata and values.

It only reads: what the objects mean together (workloads, Services, Ingresses and the
controllers' pools) is built once per run by `nglint.sources.k8s.hops`, because a link
needs objects from many files. Its `edit_setting` changes a controller's ConfigMap key
(or a chart's `controller.config`) byte-exactly for the idle-timeout fix.
"""

from __future__ import annotations

import os
import re

from nglint.sources import LINE_COMMENT
from nglint.sources.k8s.manifests import CHART, KUSTOMIZATION_NAMES, VALUES, role_of

_SNIFF_BYTES = 16384
_API_VERSION = re.compile(rb"^[ \t-]*apiVersion[ \t]*:", re.MULTILINE)
_KIND = re.compile(rb"^[ \t-]*kind[ \t]*:", re.MULTILINE)


class KubernetesYaml:
    """`.yaml`/`.yml` files holding Kubernetes objects (sniffed: `apiVersion` and `kind`),
    kustomization files, and a chart's Chart.yaml and values*.yaml."""

    kind = "k8s"
    comment = LINE_COMMENT
    comment_prefix = "#"

    def claims(self, path: str) -> bool:
        name = os.path.basename(path)
        if name in KUSTOMIZATION_NAMES:
            return True
        if not name.endswith((".yaml", ".yml")):
            return False
        role = role_of(path)
        if role in (CHART, VALUES):
            return _beside_chart(path)
        if _in_chart_templates(path):
            return False  # Helm templates: `{{ }}` everywhere, read through the chart's values instead
        return _sniff(path)

    def parse(self, path: str, tree_roots: list[str], max_file_size: int):
        from nglint.sources.k8s.manifests import read_manifest_file

        return read_manifest_file(path, max_file_size, tree_roots)

    def feeds(self, path: str) -> bool:
        """A custom ingress-nginx template beside a controller's manifest."""
        return os.path.basename(path) == "nginx.tmpl"

    def affected_by(self, path: str, loaded: list[str], tree_roots: list[str]) -> list[str]:
        """The manifests beside a changed nginx.tmpl (the controller that mounts it is one)."""
        if not self.feeds(path):
            return []
        directory = os.path.dirname(os.path.abspath(path))
        return [candidate for candidate in loaded if self.claims(candidate) and os.path.dirname(os.path.abspath(candidate)) == directory]

    def edit_setting(self, rule, finding, project, setting, seconds: int):
        """Set the controller's pool idle timeout in its ConfigMap or chart values."""
        from nglint.sources.k8s.controllers import TIMEOUT_KEY
        from nglint.sources.k8s.edit import set_timeout
        from nglint.sources.k8s.hops import NGF_TIMEOUT_KEY

        if setting.key == TIMEOUT_KEY:  # ingress-nginx: whole seconds
            return set_timeout(rule, finding, project, setting, str(seconds))
        if setting.key == NGF_TIMEOUT_KEY:  # NGINX Gateway Fabric: an nginx duration
            return set_timeout(rule, finding, project, setting, f"{seconds}s")
        return None  # F5 has no key for its pool's idle timeout

    @property
    def defaults(self):
        from nglint.sources.k8s.defaults import DEFAULTS

        return DEFAULTS


def _sniff(path: str) -> bool:
    """apiVersion and kind near the top; a FIFO or device is never opened (boundary)."""
    import sys

    from nglint.boundary import Refused, open_limited

    if os.path.islink(path):
        return True  # never opened to sniff: parse refuses it when it leaves the tree
    try:
        head = open_limited(path, sys.maxsize, head=_SNIFF_BYTES)
    except Refused:
        return False
    return bool(_API_VERSION.search(head) and _KIND.search(head))


def _beside_chart(path: str) -> bool:
    directory = os.path.dirname(path)
    return any(os.path.isfile(os.path.join(directory, name)) for name in ("Chart.yaml", "Chart.yml"))


def _in_chart_templates(path: str) -> bool:
    directory = os.path.dirname(os.path.abspath(path))
    while os.path.basename(directory) != "templates":
        parent = os.path.dirname(directory)
        if parent == directory:
            return False
        directory = parent
    return _beside_chart(os.path.join(os.path.dirname(directory), "x.yaml"))
