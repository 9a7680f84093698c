"""nglint: a cross-tier linter for nginx and the servers behind it.

Kept import-free on purpose: `nglint --version` and the pre-commit hook must start
fast, so heavy modules (crossplane, lxml, jinja2) are imported where they are used.
"""

__version__ = "0.2.0"
