"""File-name patterns a reader declares as data: which files it may claim or be fed by.

Discovery meets every file of a tree, and asking each reader's `claims` means importing
every reader module (and what they import) before the first file is read. A reader's
names are declared beside its module name instead (`nglint.sources.READER_NAMES`), and
only a reader whose patterns match a file is imported and asked; its own `claims`
(which may sniff the content) still decides. So the patterns must cover everything the
reader claims; `tests/test_reader_names.py` checks that on real trees.

A pattern is a file name with at most one `*` (`Dockerfile.*`, `*.tf.json`,
`compose*.yml`), optionally under the name of its directory (`start.d/*.ini`,
`config/puma.rb`). Matching ignores case (a reader may claim `Web.config` as well as
`web.config`; a wider match only means one more reader is asked) and is a few
`startswith`/`endswith`, no fnmatch or regex: this runs for every file of every tree.
"""

from __future__ import annotations

import os


class NamePatterns:
    """Compiled patterns: a set for exact names, a list for the rest."""

    __slots__ = ("exact", "wild")

    def __init__(self, patterns: tuple[str, ...]) -> None:
        self.exact: set[str] = set()
        self.wild: list[tuple[str, str, str, str | None]] = []  # (name, prefix, suffix, parent)
        for pattern in patterns:
            parent, _, name = pattern.lower().rpartition("/")
            if "*" not in name and not parent:
                self.exact.add(name)
                continue
            prefix, star, suffix = name.partition("*")
            if not star:
                prefix, suffix = name, ""
            elif "*" in suffix:
                raise ValueError(f"reader name pattern {pattern!r}: at most one '*'")
            self.wild.append((name if not star else "", prefix, suffix, parent or None))

    def may_end_with(self, extension: str) -> bool:
        """Could a name whose text after its last dot is `extension` ("" for no dot) fit?
        A cheap pre-filter: `match` decides."""
        for name in self.exact:
            if (name.rpartition(".")[2] if "." in name else "") == extension:
                return True
        for whole, prefix, suffix, _parent in self.wild:
            tail = whole or suffix
            if not tail or (not whole and "." not in suffix):
                return True  # `Dockerfile.*`, `*`: any extension may fit
            if (tail.rpartition(".")[2] if "." in tail else "") == extension:
                return True
        return False

    def match(self, path: str, name: str | None = None) -> bool:
        """True when `path` (its file name `name`, if already split off) fits a pattern."""
        name = (os.path.basename(path) if name is None else name).lower()
        if name in self.exact:
            return True
        for whole, prefix, suffix, parent in self.wild:
            if whole:
                if name != whole:
                    continue
            elif len(name) < len(prefix) + len(suffix) or not (name.startswith(prefix) and name.endswith(suffix)):
                continue
            if parent is None or os.path.basename(os.path.dirname(path)).lower() == parent:
                return True
        return False
