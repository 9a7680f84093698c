"""The reader of Tomcat's conf/server.xml (the format itself is read by nglint.sources.tomcat.server_xml)."""

from __future__ import annotations

import os

from nglint.sources import XML_COMMENT


class TomcatServerXml:
    """server.xml: each Connector is a server-side endpoint; catalina.properties feeds it."""

    kind = "tomcat"
    comment = XML_COMMENT
    comment_prefix = ""

    def claims(self, path: str) -> bool:
        return os.path.basename(path) == "server.xml"

    def parse(self, path: str, tree_roots: list[str], max_file_size: int):
        from nglint.sources.tomcat.server_xml import read_server_xml

        return read_server_xml(path, tree_roots, max_file_size)

    def feeds(self, path: str) -> bool:
        return os.path.basename(path) == "catalina.properties"

    def affected_by(self, path: str, loaded: list[str], tree_roots: list[str]) -> list[str]:
        """The loaded server.xml files that resolve placeholders from the catalina.properties at `path`."""
        if not self.feeds(path):
            return []
        from nglint.sources.tomcat.server_xml import find_catalina_properties

        origin = os.path.abspath(path)
        return [
            candidate
            for candidate in loaded
            if self.claims(candidate) and os.path.abspath(find_catalina_properties(candidate, tree_roots) or "") == origin
        ]

    def from_process(self, process, tree_roots: list[str], max_file_size: int):
        """A Tomcat container: its server.xml when the tree provides one, else the shipped one's 20s."""
        from nglint.backends import Backend
        from nglint.sources.process import image_name
        from nglint.tiers.model import Provenance

        provided = next((local for inside, local in process.files.items() if inside.endswith("/conf/server.xml")), None)
        if provided is not None:
            return self.parse(provided, tree_roots, max_file_size).backends
        # Orchestration readers may hold the file's text instead (a mounted ConfigMap).
        held = getattr(process, "file_texts", {})
        text = next((value for inside, value in held.items() if inside.endswith("/conf/server.xml")), None)
        if text is not None:
            from nglint.sources.tomcat.server_xml import read_server_xml_text

            return read_server_xml_text(*text).backends
        name, tag = image_name(process.image)
        if name not in ("tomcat", "bitnami/tomcat"):
            return None
        default = self.defaults.get("image.connectionTimeout")
        provenance = Provenance.from_default(default, f"connectionTimeout 20000 in the server.xml of image {process.image}")
        return [
            Backend(
                kind="tomcat",
                label=f"Tomcat in {process.name} ({process.image})",
                port=port,
                idle_timeout_ms=default.value,
                idle_timeout_source=provenance.describe(),
                location=process.location,
                provenance=provenance,
                host=process.name,
                unit=process.unit,
            )
            for port in (process.ports or [8080])
        ]

    @property
    def defaults(self):
        from nglint.sources.tomcat.defaults import DEFAULTS

        return DEFAULTS
