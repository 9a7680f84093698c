"""The Dockerfile reader: an image's command as a process, when no compose file describes it.

Inside a compose project the compose reader reads each Dockerfile through `build:`
(with the service's build args, target and overrides), so this reader stays silent there;
a Dockerfile on its own (a Heroku or plain `docker run` deployment) is read as one process
named after its directory. Its backends link by port only, weak evidence, so they are
offered only when the Dockerfile sits in a marked project (a git work tree, an nglint
config) or at the top of the checked tree: in a folder of unmarked stacks side by side,
an image's default timeout must not link to a neighbour's nginx.
"""

from __future__ import annotations

import os

from nglint.sources import LINE_COMMENT
from nglint.sources.base import FileReader


class Dockerfile(FileReader):
    kind = "dockerfile"
    defaults_module = "nglint.sources.dockerfile.defaults"
    comment = LINE_COMMENT
    comment_prefix = "#"

    def claims(self, path: str) -> bool:
        name = os.path.basename(path)
        return name == "Dockerfile" or name.startswith("Dockerfile.") or name.endswith(".Dockerfile") or name == "Containerfile"

    def parse(self, path: str, tree_roots: list[str], max_file_size: int):
        from nglint.backends import BackendFile
        from nglint.findings import Location
        from nglint.sources.dockerfile.image import read_image
        from nglint.sources.process import Process, backends_for
        from nglint.tiers.units import UNIT_MARKERS, UnitIndex

        result = BackendFile(path)
        unit = UnitIndex(tree_roots).unit_dir(path)
        if any(os.path.isfile(os.path.join(unit, marker)) for marker in UNIT_MARKERS if "ompose" in marker):
            return result  # the compose project's services describe this image
        image = read_image(path, tree_roots, max_file_size)
        result.problems.extend(image.problems)
        if image.base is None:
            return result
        if unit in tree_roots_abs(tree_roots) and unit != os.path.dirname(os.path.abspath(path)):
            return result
        name = os.path.basename(os.path.dirname(os.path.abspath(path))) or "image"
        process = Process(name, Location(path, 1), image.base, image.argv, image.argv_location, image.env,
                          image.env_locations, image.files, image.ports, UnitIndex(tree_roots).unit_of(path),
                          image.nginx_version, image.nginx_unknown)
        result.processes.append(process)
        result.backends.extend(backends_for(process, tree_roots, max_file_size))
        return result


def tree_roots_abs(tree_roots: list[str]) -> set[str]:
    return {os.path.abspath(root) for root in tree_roots}
