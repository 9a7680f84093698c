"""The reader of Tomcat's conf/server.xml (the format itself is read by nglint.tomcat)."""

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
        from nglint.tomcat import read_server_xml

        return read_server_xml(path, tree_roots, max_file_size)

    def feeds(self, path: str) -> bool:
        return os.path.basename(path) == "catalina.properties"

    def affected_by(self, path: str, loaded: list[str], tree_roots: list[str]) -> list[str]:
        """The loaded server.xml files that resolve placeholders from the catalina.properties at `path`."""
        if not self.feeds(path):
            return []
        from nglint.tomcat import find_catalina_properties

        origin = os.path.abspath(path)
        return [
            candidate
            for candidate in loaded
            if self.claims(candidate) and os.path.abspath(find_catalina_properties(candidate, tree_roots) or "") == origin
        ]

    @property
    def defaults(self):
        from nglint.sources.tomcat.defaults import DEFAULTS

        return DEFAULTS
