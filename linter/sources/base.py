"""What most readers say about themselves, said once.

A reader claims its files by name (or a sniff of their first bytes), feeds no other
reader, depends on no other file for `--changed`, and keeps its defaults table in its
own `defaults` module. Readers that differ (compose is fed by `.env`, server.xml by
catalina.properties) override the method that differs; the rest only name their kind,
their comment syntax and `defaults_module`.
"""

from __future__ import annotations


class FileReader:
    """Base of the built-in readers: the answers that are the same for most of them."""

    defaults_module = ""  # e.g. "nglint.sources.apache.defaults"; its DEFAULTS is the table

    def feeds(self, path: str) -> bool:
        return False

    def affected_by(self, path: str, loaded: list[str], tree_roots: list[str]) -> list[str]:
        return []

    @property
    def defaults(self):
        import importlib

        return importlib.import_module(self.defaults_module).DEFAULTS
