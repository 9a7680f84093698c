"""Which orchestration process serves which nginx config file: an nginx container (an
nginx image, or files placed under /etc/nginx) and the local files it is given."""

from __future__ import annotations

import os

from nglint.sources.process import image_name

_NGINX_IMAGES = ("nginx", "nginxinc/nginx-unprivileged", "openresty/openresty", "bitnami/nginx", "nginxproxy/nginx-proxy")


def is_nginx_process(process) -> bool:
    name, _tag = image_name(process.image)
    if name in _NGINX_IMAGES or name.endswith("/nginx") or getattr(process, "nginx_version", None) is not None:
        return True
    return any(inside.startswith(("/etc/nginx/", "/usr/local/openresty/nginx/conf/")) for inside in process.files)


def nginx_services(project) -> dict[str, list]:
    """{local nginx config file: the processes (compose ServiceProcess or Process) serving it}."""
    served: dict[str, list] = {}
    for parsed in project.backend_files:
        for entry in parsed.processes:
            process = getattr(entry, "process", entry)
            if not is_nginx_process(process):
                continue
            for local in process.files.values():
                served.setdefault(os.path.abspath(local), []).append(entry)
    return served
