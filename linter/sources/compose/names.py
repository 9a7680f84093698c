"""Which file names are compose files: asked for every directory when deployment units
are found, so it stays free of the compose reader's imports."""

from __future__ import annotations

import re

_COMPOSE_NAME = re.compile(r"^(docker-)?compose(\.[\w.-]+)?\.ya?ml$")


def is_compose_name(name: str) -> bool:
    return bool(_COMPOSE_NAME.match(name))
