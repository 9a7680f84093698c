"""Render a rule's fix template (a `.j2` file beside the rule's module) into bare directive lines.

Templates hold only nginx text and the finding's values; indentation, line endings
and placement are the engine's business (layout.py), so one template serves a tabbed
CRLF file and a two-space LF file alike. jinja2 is imported only when a fix is built.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

from nglint.fixer.layout import NoFix

_BARE = re.compile(r"[^\s;{}\"'#\\]+")


def nginx_quote(value: object) -> str:
    """An nginx argument: bare when it can be, double-quoted otherwise (`""` for empty)."""
    text = str(value)
    if _BARE.fullmatch(text):
        return text
    return '"' + text.replace('"', '\\"') + '"'


def one_line(value: object) -> str:
    """Text safe inside a trailing `# comment`: a single line."""
    return " ".join(str(value).split())


LEGACY_FOLDER = "templates"


@lru_cache(maxsize=1)
def environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(template_source),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,
    )
    env.filters["nginx_quote"] = nginx_quote
    env.filters["one_line"] = one_line
    return env


def render_lines(template: str, **context) -> list[str]:
    """Non-empty rendered lines, trailing blanks removed.

    Thousands of findings often ask for the same text (the same header repeated in each
    location): renders are memoized on the template and its (hashable) values."""
    key = memo_key(template, context)
    if key is None:  # a list value (headers to copy): render afresh
        return list(_render(template, context))
    return list(_render_cached(key))


def memo_key(template: str, values: dict) -> tuple | None:
    """(template, sorted values) when every value is hashable, else None: what answers
    about a template and its values (its lines, whether it renders any) are memoized on."""
    key = (template, tuple(sorted(values.items())))
    try:
        hash(key)
    except TypeError:
        return None
    return key


@lru_cache(maxsize=4096)
def _render_cached(key: tuple) -> tuple[str, ...]:
    template, items = key
    return _render(template, dict(items))


def _render(template: str, context: dict) -> tuple[str, ...]:
    text = environment().get_template(template).render(**context)
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    lines = [line for line in lines if line.strip()]
    if not lines:
        raise NoFix(f"template {template} rendered nothing")
    if any("\ufffd" in line for line in lines):
        raise NoFix("a value to insert holds bytes that are not UTF-8; not rewriting the file")
    return tuple(lines)


def template_names() -> list[str]:
    """Every shipped template (used by the packaging test)."""
    return sorted(name for folder in _builtin_folders() for name in _listing(folder) if name.endswith(".j2"))


_found: dict[str, str] = {}


def template_source(name: str) -> str | None:
    """The text of template `name`, looked up by bare name in each rule's folder.

    A rule keeps its template beside its module, so fix code names a template
    (`ka001.j2`) without knowing which family package holds it; names are unique across
    families (tests/test_fix_engine.py). Built-in folders come first so a plugin cannot
    shadow a built-in template, then each plugin check's own package. Found texts are
    kept, as Jinja keeps each compiled template; a name not found is looked up again (a
    plugin registered later may ship it)."""
    text = _found.get(name)
    if text is not None:
        return text
    for folder in _folders():
        text = _read_template(folder, name)
        if text is not None:
            _found[name] = text
            return text
    return None


def _folders() -> tuple:
    """The built-in folders, then each plugin check's package. The plugin list is the
    registry's (cached there), and a template's text is cached by name."""
    from nglint.registry import BUILTIN_CHECKS, all_checks

    builtin = {name.rpartition(".")[0] for name in BUILTIN_CHECKS} | {"nglint.checks"}
    plugin_packages = []
    for check in all_checks():
        package = getattr(getattr(check, "__spec__", None), "parent", "") or ""
        if package and package not in builtin and package not in plugin_packages:
            plugin_packages.append(package)
    return _builtin_folders() + tuple(folder for package in plugin_packages for folder in _package_folders(package))


@lru_cache(maxsize=1)
def _builtin_folders() -> tuple:
    """The packages of the built-in rules, then `nglint.checks/templates`, where templates
    lived before rules had family packages (kept for checks that install theirs there)."""
    from nglint.registry import BUILTIN_CHECKS

    packages = list(dict.fromkeys(name.rpartition(".")[0] for name in BUILTIN_CHECKS))
    folders = [folder for package in packages if package != "nglint.checks" for folder in _package_folders(package)]
    for folder in _package_folders("nglint.checks"):
        legacy = _subfolder(folder, LEGACY_FOLDER)
        if legacy is not None:
            folders.append(legacy)
    return tuple(folders)


def _package_folders(package: str) -> list:
    """A package's folders: plain directories for a package on disk (read with os, which
    costs no import), importlib.resources' view for one inside a zip or other loader."""
    import importlib

    module = importlib.import_module(package)
    locations = [path for path in getattr(module, "__path__", ()) if os.path.isdir(path)]
    if locations:
        return locations
    from importlib.resources import files

    return [files(package)]


def _subfolder(folder, name: str):
    if isinstance(folder, str):
        path = os.path.join(folder, name)
        return path if os.path.isdir(path) else None
    candidate = folder.joinpath(name)
    return candidate if candidate.is_dir() else None


def _listing(folder) -> list[str]:
    if isinstance(folder, str):
        return os.listdir(folder)
    return [entry.name for entry in folder.iterdir()]


def _read_template(folder, name: str) -> str | None:
    """A template shipped inside a package: nglint's own files, never the checked tree."""
    if isinstance(folder, str):
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            return None
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    candidate = folder.joinpath(name)
    return candidate.read_text(encoding="utf-8") if candidate.is_file() else None
