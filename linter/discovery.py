"""Find what to lint under the given paths: nginx candidates and backend files.

Directories are searched for `nginx.conf`, files whose name may be nginx and whose content
is (see nglint.sniff: supervisord.conf, php-fpm pools... are not ours), and files a
backend parser claims (server.xml). A file named on the command line is taken as nginx
unless a backend parser claims it or its content is plainly not nginx (sniff.explicit_nginx).
"""

from __future__ import annotations

import fnmatch
import os

from nglint.backends import BackendParser
from nglint.records import field, record
from nglint.sniff import explicit_nginx, is_nginx_file, looks_like_nginx, worth_sniffing  # noqa: F401 (looks_like_nginx: API)

_SKIP_DIRS = {"node_modules", "__pycache__", "venv", "site-packages"}


class UsageError(Exception):
    """The invocation cannot be carried out (exit code 2)."""


@record
class Inputs:
    nginx_candidates: list[str] = field(default_factory=list)
    backend_files: list[tuple[str, BackendParser]] = field(default_factory=list)
    tree_roots: list[str] = field(default_factory=list)
    explicit_files: set[str] = field(default_factory=set)


def discover(paths: list[str], parsers: list[BackendParser], exclude: list[str], base: str, max_files: int) -> Inputs:
    """Collect inputs; nonexistent paths are a usage error."""
    inputs = Inputs()
    seen: set[str] = set()
    for raw in paths:
        path = os.path.abspath(raw)
        if not os.path.lexists(path):
            raise UsageError(f"{raw}: no such file or directory")
        if os.path.isdir(path):
            inputs.tree_roots.append(path)
            real_root = os.path.realpath(path)
            for file_path in _walk(path, exclude, base):
                # Only files nglint would check count: a repository's other files do not.
                if len(inputs.nginx_candidates) + len(inputs.backend_files) >= max_files:
                    raise UsageError(f"{raw}: more than max-files={max_files} files to check; raise the limit or exclude some")
                if _escapes(file_path, real_root):
                    # A symlink out of the tree is never opened, not even to sniff it; the
                    # loader reports a .conf one (P002), a server.xml one is refused (P003).
                    if file_path not in seen:
                        seen.add(file_path)
                        if worth_sniffing(file_path):
                            inputs.nginx_candidates.append(file_path)
                        elif any(parser.claims(file_path) for parser in parsers):
                            inputs.backend_files.append((file_path, next(p for p in parsers if p.claims(file_path))))
                    continue
                _classify(file_path, parsers, inputs, seen, explicit=False)
        else:
            inputs.tree_roots.append(os.path.dirname(path))
            if not _excluded(path, exclude, base):
                _classify(path, parsers, inputs, seen, explicit=True)
    inputs.nginx_candidates.sort(key=_entry_order)
    return inputs


def _escapes(path: str, real_root: str) -> bool:
    """True for a symlink whose target lies outside the walked directory."""
    if not os.path.islink(path):
        return False
    real = os.path.realpath(path)
    return not (real == real_root or real.startswith(real_root + os.sep))


def _entry_order(path: str) -> tuple:
    """nginx.conf first (it includes the rest), shallow before deep, then by name."""
    return (os.path.basename(path) != "nginx.conf", path.count(os.sep), path)


def _walk(root: str, exclude: list[str], base: str):
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and d not in _SKIP_DIRS and not _excluded(os.path.join(dirpath, d), exclude, base)
        )
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            if not _excluded(full, exclude, base):
                yield full


def _excluded(path: str, patterns: list[str], base: str) -> bool:
    if not patterns:
        return False
    rel = os.path.relpath(path, base).replace(os.sep, "/")
    name = os.path.basename(path)
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(name, p) or fnmatch.fnmatch(rel, p.rstrip("/") + "/*") for p in patterns)


def _classify(path: str, parsers: list[BackendParser], inputs: Inputs, seen: set[str], explicit: bool) -> None:
    if path in seen:
        return
    seen.add(path)
    for parser in parsers:
        if parser.claims(path):
            inputs.backend_files.append((path, parser))
            return
    name = os.path.basename(path)
    if explicit:
        if name != "catalina.properties" and explicit_nginx(path):
            inputs.nginx_candidates.append(path)
            inputs.explicit_files.add(path)
        return
    if os.path.islink(path) and not os.path.exists(path):
        return  # dangling or looping link found by walking: nothing to lint
    if is_nginx_file(path):
        inputs.nginx_candidates.append(path)
