"""Workloads to Processes: what each container of a pod template runs.

A container's image, command line, environment (literal, from ConfigMap keys, from
whole ConfigMaps) and ports become a `Process`; ConfigMap volumes mounted into it become
`file_texts` (the text and where it starts in the manifest), because a ConfigMap's file
exists nowhere on disk. The server readers (`backends_for`) decide what listens there;
this module never reads a server's own format.
"""

from __future__ import annotations

from nglint.findings import Location
from nglint.records import field, record
from nglint.sources.k8s.manifests import K8sObject
from nglint.sources.k8s.yamlnodes import YMap, YSeq
from nglint.sources.process import Process

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob", "Pod")


@record
class K8sProcess(Process):
    """A container as a Process, plus the texts of files mounted from ConfigMaps:
    `file_texts` maps a path inside the container to (text, Location of its first line)."""

    file_texts: dict = field(default_factory=dict)


@record
class Container:
    """One container of a workload's pod template."""

    workload: K8sObject
    name: str
    body: YMap
    process: K8sProcess
    named_ports: dict = field(default_factory=dict)  # port name -> containerPort


@record
class Workload:
    obj: K8sObject
    pod_labels: dict
    containers: list = field(default_factory=list)


def pod_template(obj: K8sObject) -> tuple[dict, YMap] | None:
    """(pod labels, pod spec) of a workload object, or None for other kinds."""
    if obj.kind not in WORKLOAD_KINDS:
        return None
    if obj.kind == "Pod":
        return dict(obj.labels), obj.spec
    spec = obj.spec
    if obj.kind == "CronJob":
        job = spec.get("jobTemplate")
        spec = job.get("spec") if isinstance(job, YMap) else None
        if not isinstance(spec, YMap):
            return None
    template = spec.get("template")
    if not isinstance(template, YMap):
        return None
    meta = template.get("metadata")
    labels = meta.get("labels") if isinstance(meta, YMap) else None
    pod_spec = template.get("spec")
    return (dict(labels) if isinstance(labels, dict) else {}), (pod_spec if isinstance(pod_spec, YMap) else YMap())


def workload(obj: K8sObject, configmaps: dict, unit: str) -> Workload | None:
    """The workload's containers as Processes; `configmaps.get((namespace, name), near)`
    finds the ConfigMap nearest to a file (cluster.Names)."""
    found = pod_template(obj)
    if found is None:
        return None
    labels, pod_spec = found
    namespace = obj.namespace or "default"
    volumes = {
        volume.get("name"): volume.get("configMap")
        for volume in _maps(pod_spec.get("volumes"))
        if isinstance(volume.get("configMap"), YMap)
    }
    result = Workload(obj, labels)
    for body in _maps(pod_spec.get("containers")):
        result.containers.append(_container(obj, body, namespace, volumes, configmaps, unit))
    return result


def _container(obj: K8sObject, body: YMap, namespace: str, volumes: dict, configmaps: dict, unit: str) -> Container:
    name = str(body.get("name") or "")
    path = body.source or obj.path
    process = K8sProcess(
        name=f"{obj.name}/{name}" if name else obj.name,
        location=Location(path, body.mark.line if body.mark else obj.line),
        image=body.get("image") if isinstance(body.get("image"), str) else None,
        unit=unit,
    )
    command, args = _strings(body.get("command")), _strings(body.get("args"))
    if command is not None or args is not None:
        # No command: the image's entrypoint runs with these args (argv holds the args alone).
        process.argv = (command or []) + (args or [])
        key = "command" if command is not None else "args"
        process.argv_location = Location(body.source_of(key) or path, body.line_of(key))
    for source in _maps(body.get("envFrom")):
        ref = source.get("configMapRef")
        if isinstance(ref, YMap):
            data = _configmap_data(configmaps.get((namespace, ref.get("name")), path))
            if data is not None:
                for key, value in data.items():
                    process.env[str(key)] = str(value)
                    process.env_locations[str(key)] = Location(data.source_of(key) or path, data.line_of(key))
    for entry in _maps(body.get("env")):
        env_name = entry.get("name")
        if not isinstance(env_name, str):
            continue
        where = Location(entry.source or path, entry.line_of("name"))
        if "value" in entry:
            process.env[env_name] = "" if entry.get("value") is None else str(entry.get("value"))
            process.env_locations[env_name] = where
            continue
        ref = entry.get("valueFrom").get("configMapKeyRef") if isinstance(entry.get("valueFrom"), YMap) else None
        if isinstance(ref, YMap):
            data = _configmap_data(configmaps.get((namespace, ref.get("name")), path))
            key = ref.get("key")
            if data is not None and key in data:
                process.env[env_name] = str(data[key])
                process.env_locations[env_name] = Location(data.source_of(key) or path, data.line_of(key))
    named: dict = {}
    for port in _maps(body.get("ports")):
        number = port.get("containerPort")
        if isinstance(number, int):
            process.ports.append(number)
            if isinstance(port.get("name"), str):
                named[port["name"]] = number
    for mount in _maps(body.get("volumeMounts")):
        source = volumes.get(mount.get("name"))
        mount_path = mount.get("mountPath")
        if source is None or not isinstance(mount_path, str):
            continue
        data = _configmap_data(configmaps.get((namespace, source.get("name")), path))
        if data is None:
            continue
        for inside, key in _mounted_files(mount, source, data):
            text = data.get(key)
            if isinstance(text, str):
                process.file_texts[inside] = (text, _text_origin(data, key, path))
    return Container(obj, name, body, process, named)


def template_text(mount: YMap, pod_spec: YMap, configmaps, namespace: str, near: str):
    """(text, origin) of the nginx.tmpl a ConfigMap volume mount provides, or None."""
    volumes = {v.get("name"): v.get("configMap") for v in _maps(pod_spec.get("volumes")) if isinstance(v.get("configMap"), YMap)}
    source = volumes.get(mount.get("name"))
    if source is None:
        return None
    data = _configmap_data(configmaps.get((namespace, source.get("name")), near))
    if data is None:
        return None
    mount = YMap()
    mount.update({"mountPath": "/etc/nginx/template"})
    for inside, key in _mounted_files(mount, source, data):
        if inside.endswith("/nginx.tmpl") and isinstance(data.get(key), str):
            return data[key], _text_origin(data, key, near)
    return None


def _mounted_files(mount: YMap, source: YMap, data: YMap):
    """(path inside the container, ConfigMap key) for each file a ConfigMap mount shows."""
    mount_path = mount["mountPath"].rstrip("/")
    items = {item.get("key"): item.get("path") for item in _maps(source.get("items"))}
    sub_path = mount.get("subPath")
    keys = list(items) if items else list(data)
    for key in keys:
        relative = items.get(key) or key
        if isinstance(sub_path, str):
            if sub_path == relative:
                yield mount_path, key
        elif isinstance(relative, str):
            yield f"{mount_path}/{relative}", key


def _text_origin(data: YMap, key, path: str) -> Location:
    """Where line 1 of a ConfigMap value is: the line after `key: |` for block scalars."""
    mark = data.value_marks.get(key)
    source = data.source_of(key) or path
    if mark is None:
        return Location(source, data.line_of(key))
    return Location(source, mark.line + 1 if mark.style in ("|", ">") else mark.line)


def _configmap_data(obj: K8sObject | None) -> YMap | None:
    if obj is None:
        return None
    data = obj.body.get("data")
    return data if isinstance(data, YMap) else None


def _maps(value) -> list[YMap]:
    return [item for item in value if isinstance(item, YMap)] if isinstance(value, YSeq) else []


def _strings(value) -> list[str] | None:
    if not isinstance(value, YSeq):
        return None
    return [str(item) for item in value if item is not None and not isinstance(item, (YMap, YSeq))]
