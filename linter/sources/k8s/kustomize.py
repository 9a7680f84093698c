"""Kustomize overlays as plain files: resources, namespace, and the patches that matter.

An overlay's objects are copies of its resources' objects (files, or directories with a
kustomization of their own) with its strategic-merge and JSON 6902 patches applied and
its namespace set. A base stays a unit of its own too: it is linted as written. Only
what changes keep-alive behaviour needs to be right (ConfigMap data, container args and
env, Service ports), so strategic merge knows the list keys of those fields and replaces
other lists; `$patch` directives other than the default merge are ignored.
"""

from __future__ import annotations

import copy
import os

from nglint.problems import Problem
from nglint.sources.k8s.manifests import KUSTOMIZATION_NAMES, K8sObject, ManifestFile
from nglint.sources.k8s.yamlnodes import YMap, YSeq

# Lists merged by a key field rather than replaced (Kubernetes' patchMergeKey).
_MERGE_KEYS = {"containers": "name", "initContainers": "name", "env": "name", "volumes": "name",
               "volumeMounts": "mountPath", "ports": "containerPort", "envFrom": None}
_MAX_KUSTOMIZE_DEPTH = 10


def overlay_objects(kustomization: ManifestFile, by_path: dict[str, ManifestFile], problems: list[Problem],
                    tree_roots: list[str]) -> list[K8sObject]:
    """The objects a kustomization renders (resources, patches, namespace). Only files
    inside the checked tree are read: a `../../` path out of it is skipped."""
    return _render(kustomization, by_path, problems, set(), tree_roots)


def _render(kustomization: ManifestFile, by_path: dict, problems: list, seen: set, tree_roots: list[str]) -> list[K8sObject]:
    path = os.path.abspath(kustomization.path)
    doc = kustomization.document
    if doc is None or path in seen or len(seen) > _MAX_KUSTOMIZE_DEPTH:
        return []
    seen = seen | {path}
    base = os.path.dirname(path)
    objects: list[K8sObject] = []
    for entry in _strings(doc.get("resources")) + _strings(doc.get("bases")):
        target = os.path.normpath(os.path.join(base, entry))
        if os.path.isdir(target):
            inner = next((by_path[p] for p in (os.path.join(target, n) for n in KUSTOMIZATION_NAMES) if p in by_path), None)
            if inner is not None:
                objects.extend(_render(inner, by_path, problems, seen, tree_roots))
        elif target in by_path:
            objects.extend(copy.deepcopy(obj) for obj in by_path[target].objects)
    for entry in _strings(doc.get("patchesStrategicMerge")):
        for patch in _patch_documents(os.path.normpath(os.path.join(base, entry)), by_path, tree_roots):
            _apply_strategic(objects, patch)
    for entry in _maps(doc.get("patches")) + _maps(doc.get("patchesJson6902")):
        target = entry.get("target") if isinstance(entry.get("target"), YMap) else None
        if isinstance(entry.get("path"), str):
            documents = _patch_documents(os.path.normpath(os.path.join(base, entry["path"])), by_path, tree_roots, raw=True)
        elif isinstance(entry.get("patch"), str):
            documents = _inline_patch(entry["patch"])
        else:
            continue
        for patch in documents:
            if isinstance(patch, YSeq):
                for obj in objects:
                    if target is not None and _targets(obj, target):
                        _apply_json6902(obj.body, patch, problems, kustomization.path)
            elif isinstance(patch, YMap):
                _apply_strategic(objects, patch, target)
    namespace = doc.get("namespace")
    if isinstance(namespace, str):
        for obj in objects:
            obj.namespace = namespace
    return objects


def _strings(value) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, YSeq) else []


def _maps(value) -> list[YMap]:
    return [item for item in value if isinstance(item, YMap)] if isinstance(value, YSeq) else []


def _patch_documents(path: str, by_path: dict, tree_roots: list[str], raw: bool = False) -> list:
    """A patch file's documents: manifests (objects) or, for JSON 6902, the op lists."""
    manifest = by_path.get(path)
    if manifest is not None and not raw:
        return [obj.body for obj in manifest.objects]
    from nglint.boundary import Boundary, Refused, open_limited
    from nglint.sources.k8s.yamlnodes import load_documents

    if not Boundary(tree_roots).contains(path):
        return []
    try:
        text = open_limited(path, 1 << 20).decode("utf-8", errors="replace").removeprefix("\ufeff")
        return [doc.root for doc in load_documents(text, path)]
    except (Refused, Exception):  # a missing, unreadable or malformed patch leaves the resources as written
        return []


def _inline_patch(text: str) -> list:
    from nglint.sources.k8s.yamlnodes import load_documents

    try:
        return [doc.root for doc in load_documents(text)]
    except Exception:
        return []


def _targets(obj: K8sObject, target: YMap) -> bool:
    for field_name, value in (("kind", obj.kind), ("name", obj.name), ("namespace", obj.namespace)):
        wanted = target.get(field_name)
        if isinstance(wanted, str) and wanted != value:
            return False
    return True


def _apply_strategic(objects: list[K8sObject], patch, target: YMap | None = None) -> None:
    if not isinstance(patch, YMap):
        return
    meta = patch.get("metadata") if isinstance(patch.get("metadata"), YMap) else YMap()
    for obj in objects:
        if target is not None:
            if not _targets(obj, target):
                continue
        elif obj.kind != patch.get("kind") or obj.name != meta.get("name"):
            continue
        _merge_map(obj.body, patch)


def _merge_map(into: YMap, patch: YMap) -> None:
    for key, value in patch.items():
        if isinstance(key, str) and key.startswith("$"):
            continue
        current = into.get(key)
        if isinstance(value, YMap) and isinstance(current, YMap):
            _merge_map(current, value)
            continue
        if isinstance(value, YSeq) and isinstance(current, YSeq) and _MERGE_KEYS.get(key):
            _merge_list(current, value, _MERGE_KEYS[key])
            continue
        into[key] = value
        into.key_marks[key] = patch.key_marks.get(key)
        into.value_marks[key] = patch.value_marks.get(key)
        into.sources[key] = patch.source


def _merge_list(into: YSeq, patch: YSeq, key: str) -> None:
    for index, item in enumerate(patch):
        if not isinstance(item, YMap):
            continue
        if key == "containerPort" and key not in item and "port" in item:
            key = "port"  # a Service's ports merge by `port`, a container's by `containerPort`
        match = next((existing for existing in into if isinstance(existing, YMap) and existing.get(key) == item.get(key)), None)
        if match is not None:
            _merge_map(match, item)
        else:
            into.append(item)
            into.item_marks.append(patch.item_marks[index] if index < len(patch.item_marks) else None)


def _apply_json6902(body: YMap, operations: YSeq, problems: list, origin: str) -> None:
    """add / replace / remove on `/a/b/0/-` paths; anything else is skipped."""
    for operation in operations:
        if not isinstance(operation, YMap):
            continue
        op, pointer = operation.get("op"), operation.get("path")
        if op not in ("add", "replace", "remove") or not isinstance(pointer, str) or not pointer.startswith("/"):
            continue
        parts = [part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/")]
        parent = body
        for part in parts[:-1]:
            parent = _step(parent, part)
            if parent is None:
                break
        if parent is None:
            continue
        last, value = parts[-1], operation.get("value")
        mark = operation.value_marks.get("value")
        if isinstance(parent, YMap):
            if op == "remove":
                parent.pop(last, None)
            else:
                parent[last] = value
                parent.key_marks[last] = operation.key_marks.get("value")
                parent.value_marks[last] = mark
                parent.sources[last] = operation.source
        elif isinstance(parent, YSeq):
            if last == "-" and op == "add":
                parent.append(value)
                parent.item_marks.append(mark)
            elif last.isdigit() and int(last) <= len(parent):
                index = int(last)
                if op == "remove" and index < len(parent):
                    del parent[index]
                elif op == "add":
                    parent.insert(index, value)
                    parent.item_marks.insert(index, mark)
                elif op == "replace" and index < len(parent):
                    parent[index] = value


def _step(node, part: str):
    if isinstance(node, YMap):
        return node.get(part)
    if isinstance(node, YSeq) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    return None
