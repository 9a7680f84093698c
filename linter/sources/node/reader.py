"""The Node.js reader: a process running node (directly, through npm/yarn scripts, nest,
next, ts-node, nodemon) and what its entry file sets.

The entry file is found among the files the process is given (a COPY or a bind mount);
a compiled `dist/main.js` that is not in the tree is read from its TypeScript source
(`src/main.ts`), as NestJS lays projects out. The Node.js version comes from the image tag
(`node:20-alpine`); when it is unknown, the smaller default (5s, Node.js up to 25) is
assumed and the message says so. JS/TS files are never claimed on their own: too many
files are JavaScript, few are servers.
"""

from __future__ import annotations

import os
import posixpath
import re

from nglint.sources import LINE_COMMENT
from nglint.sources.servers import ProcessOnlyReader

from nglint.sources.node import pm2

_NODE_PROGRAMS = {"node", "nodejs", "nodemon", "ts-node", "tsx", "ts-node-dev", "babel-node"}
_SCRIPT_RUNNERS = {"npm", "yarn", "pnpm"}
_SOURCE_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".tsx")


class NodeJs(ProcessOnlyReader):
    kind = "node"
    comment = LINE_COMMENT
    comment_prefix = "//"
    defaults_module = "nglint.sources.node.defaults"

    def from_process(self, process, tree_roots: list[str], max_file_size: int):
        entry = self._entry(process, process.argv, tree_roots, max_file_size, 0)
        if entry is None:
            return None
        return self._backends(process, entry, tree_roots, max_file_size)

    # -- what runs ---------------------------------------------------------------------
    def _entry(self, process, argv, tree_roots, max_file_size, depth):
        """("script", path inside) | ("next", args) | None when the process is not Node."""
        from nglint.sources.argv import program_args, split_shell

        if argv is None or depth > 2:
            return None
        args = program_args(argv, _NODE_PROGRAMS)
        if args is not None:
            script = next((a for a in args if not a.startswith("-")), None)
            return ("script", script) if script else None
        args = program_args(argv, {"next"})
        if args is not None and args[:1] in (["start"], ["dev"]):
            return ("next", args)
        args = program_args(argv, pm2.PROGRAMS)
        if args is not None:
            return self._pm2_entry(process, args, tree_roots, max_file_size, depth)
        args = program_args(argv, {"nest"})
        if args is not None and args[:1] == ["start"]:
            return ("script", "dist/main.js")
        args = program_args(argv, _SCRIPT_RUNNERS)
        if args is not None and args:
            name = args[1] if args[0] == "run" and len(args) > 1 else args[0]
            script = self._package_script(process, name, tree_roots, max_file_size)
            if script:
                return self._entry(process, split_shell(script), tree_roots, max_file_size, depth + 1)
            if name == "start":
                main = self._package_field(process, "main", tree_roots, max_file_size)
                return ("script", main or "server.js")
        return None

    def _pm2_entry(self, process, args, tree_roots, max_file_size, depth):
        """The script PM2 runs: named on its command line, or the one app of an ecosystem file."""
        from nglint.sources.files import read_text
        from nglint.sources.servers import given_file

        target = pm2.pm2_target(args)
        if target is None:
            return None
        if target in _SCRIPT_RUNNERS:  # pm2 start npm -- start
            rest = args[args.index("--") + 1:] if "--" in args else []
            return self._entry(process, [target, *rest], tree_roots, max_file_size, depth + 1) if rest else None
        if pm2.is_ecosystem(target):
            local = given_file(process, target)
            text = read_text(local, tree_roots, max_file_size, []) if local else None
            target = pm2.ecosystem_script(local, text) if text else None
            if target is None:
                return None
        if os.path.splitext(target)[1] not in ("", *_SOURCE_SUFFIXES):
            return None  # pm2 runs other interpreters too (a .py, a .sh)
        return ("script", target)

    def _package(self, process, tree_roots, max_file_size) -> dict:
        import json

        from nglint.sources.files import read_text

        candidates = sorted((inside for inside in process.files if posixpath.basename(inside) == "package.json"),
                            key=lambda inside: inside.count("/"))
        if not candidates:
            return {}
        text = read_text(process.files[candidates[0]], tree_roots, max_file_size, [])
        try:
            data = json.loads(text) if text else {}
        except (ValueError, RecursionError):
            return {}
        return data if isinstance(data, dict) else {}

    def _package_script(self, process, name, tree_roots, max_file_size) -> str | None:
        scripts = self._package(process, tree_roots, max_file_size).get("scripts")
        value = scripts.get(name) if isinstance(scripts, dict) else None
        return value if isinstance(value, str) else None

    def _package_field(self, process, name, tree_roots, max_file_size) -> str | None:
        value = self._package(process, tree_roots, max_file_size).get(name)
        return value if isinstance(value, str) else None

    def _source(self, process, script: str) -> str | None:
        """The local file for `script`, trying .js/.ts extensions and src/ for dist/."""
        from nglint.sources.servers import given_file

        stem = script[:-len(os.path.splitext(script)[1])] if script.endswith(_SOURCE_SUFFIXES) else script
        names = [script] + [stem + suffix for suffix in _SOURCE_SUFFIXES] + [stem + "/index.js", stem + "/index.ts"]
        for prefix in ("dist/", "build/", "./dist/", "./build/"):
            if stem.startswith(prefix):
                rest = stem[len(prefix):]
                names += [f"src/{rest}{suffix}" for suffix in (".ts", ".js", ".mts", ".mjs")]
        for name in names:
            found = given_file(process, name)
            if found is not None:
                return found
        return None

    # -- its idle policy -----------------------------------------------------------------
    def _backends(self, process, entry, tree_roots, max_file_size):
        from nglint.sources.argv import option
        from nglint.sources.servers import server_backend
        from nglint.tiers.model import Provenance

        version = node_version(process.image)
        timeout, provenance = self._default(version, process.image, "keepAliveTimeout")
        port = None
        where = process.argv_location or process.location
        label = f"Node.js in {process.name}"
        kind, detail = entry
        if kind == "next":
            label = f"Next.js in {process.name}" if detail[:1] == ["start"] else f"Next.js dev server in {process.name}"
            detail = detail[1:]
            value, _ = option(detail, ("--keepAliveTimeout",))
            if value is not None:
                timeout, provenance = _millis(value, where, "--keepAliveTimeout", f"next start --keepAliveTimeout {value}")
            value, _ = option(detail, ("-p", "--port"))
            port = int(value) if value and value.isdigit() else 3000
        else:
            local = self._source(process, detail)
            facts = self._facts(process, local, tree_roots, max_file_size) if local is not None else None
            if facts is not None:
                if facts.error:
                    timeout, provenance = None, Provenance.unknown(f"{os.path.basename(local)}: {facts.error[0]}")
                elif facts.fastify:
                    label = f"Fastify in {process.name}"
                    timeout, provenance = self._default(self._fastify_version(process, tree_roots, max_file_size),
                                                        process.image, "fastify.keepAliveTimeout", version)
                if facts.keepalive and not facts.error:
                    found, found_path = facts.keepalive[-1]  # the last assignment read runs last
                    if not found.known:
                        timeout, provenance = None, Provenance.unknown(
                            f"keepAliveTimeout is {found.reason} in {os.path.basename(found_path)}:{found.line}")
                    elif found.value == 0:
                        timeout = None
                        provenance = Provenance.from_file(found_path, found.line, "keepAliveTimeout", "keepAliveTimeout = 0 (never times out)")
                    else:
                        timeout = found.value + self._buffer(version)
                        extra = " plus Node's 1s keepAliveTimeoutBuffer" if self._buffer(version) else ""
                        provenance = Provenance.from_file(found_path, found.line, "keepAliveTimeout", f"keepAliveTimeout = {found.text}{extra}")
                if facts.port is not None:
                    port = facts.port.value
                if facts.port_env and str(process.env.get(facts.port_env, "")).isdigit():
                    port = int(process.env[facts.port_env])
            elif local is None and detail:
                provenance = Provenance(provenance.origin, f"{provenance.detail}; entry file {detail} is not in the checked tree",
                                        default=provenance.default)
        if port is None and str(process.env.get("PORT", "")).isdigit():
            port = int(process.env["PORT"])
        if port is None and len(process.ports) == 1:
            port = process.ports[0]
        location = provenance.location or where
        return [server_backend("node", label, port, timeout, provenance, location, process, anchor=provenance.key)]

    def _facts(self, process, local, tree_roots, max_file_size):
        """Facts of the entry file and the local modules it imports (breadth first, bounded):
        the server is often made in ./server or ./app, not in the entry file itself."""
        from nglint.sources.files import read_text
        from nglint.sources.node.jsparse import JsFacts, read_js

        inside_of = {v: k for k, v in process.files.items()}
        merged = JsFacts()
        queue, seen = [local], {local}
        while queue and len(seen) <= 25:
            path = queue.pop(0)
            text = read_text(path, tree_roots, max_file_size, [])
            if text is None:
                continue
            facts = read_js(path, text)
            if facts.error and path == local:
                merged.error = facts.error
            merged.keepalive.extend((value, path) for value in facts.keepalive)
            merged.fastify = merged.fastify or facts.fastify
            if merged.port is None and facts.port is not None:
                merged.port = facts.port
            merged.port_env = merged.port_env or facts.port_env
            inside = inside_of.get(path)
            for module in facts.imports if inside else []:
                target = self._module(process, posixpath.normpath(posixpath.join(posixpath.dirname(inside), module)))
                if target is not None and target not in seen:
                    seen.add(target)
                    queue.append(target)
        return merged

    def _module(self, process, inside: str) -> str | None:
        stem = inside[:-len(os.path.splitext(inside)[1])] if inside.endswith(_SOURCE_SUFFIXES) else inside
        for name in [inside] + [stem + suffix for suffix in _SOURCE_SUFFIXES] + [inside + "/index.js", inside + "/index.ts"]:
            if name in process.files:
                return process.files[name]
        return None

    def _fastify_version(self, process, tree_roots, max_file_size):
        package = self._package(process, tree_roots, max_file_size)
        for section in ("dependencies", "devDependencies"):
            deps = package.get(section)
            spec = deps.get("fastify") if isinstance(deps, dict) else None
            if isinstance(spec, str):
                match = re.search(r"(\d+)(?:\.(\d+))?", spec)
                if match:
                    return tuple(int(p) for p in match.groups() if p is not None)
        return None

    def _default(self, version, image, key, node_version_for_buffer=None):
        from nglint.tiers.model import Provenance

        table = self.defaults
        if key == "keepAliveTimeout":
            entry = table.get(key, version) if version else table.get(key, (25,))
            buffer = self._buffer(version)
        else:
            entry = table.get(key, version) if version else min(table.all(key), key=lambda e: e.value)
            buffer = self._buffer(node_version_for_buffer)
        value = entry.value + buffer
        shown = f"{entry.value // 1000}s" + (" + 1s keepAliveTimeoutBuffer" if buffer else "")
        if key == "keepAliveTimeout":
            if version:
                detail = f"Node.js {'.'.join(map(str, version))} default keepAliveTimeout {shown} (image {image})"
            else:
                detail = f"Node.js default keepAliveTimeout {shown}, the smaller default, as the Node.js version is unknown"
        elif version:
            detail = f"Fastify {'.'.join(map(str, version))} default keepAliveTimeout {shown} (package.json)"
        else:
            detail = f"Fastify default keepAliveTimeout {shown}, the smaller default, as the Fastify version is unknown"
        return value, Provenance.from_default(entry, detail)

    def _buffer(self, version) -> int:
        if not version:
            return 0
        if version >= (24, 6) or (22, 19) <= version < (23,) or (20, 20) <= version < (21,):
            return self.defaults.get("keepAliveTimeoutBuffer", version if version >= (24, 6) else (24, 6)).value
        return 0


def node_version(image: str | None) -> tuple[int, ...] | None:
    """`node:20-alpine` -> (20,), `node:22.19.0` -> (22, 19, 0); None for lts/latest/untagged/other images."""
    from nglint.sources.process import image_name

    name, tag = image_name(image)
    if name not in ("node", "circleci/node", "cimg/node", "bitnami/node") or not tag:
        return None
    match = re.match(r"^(\d+)(?:\.(\d+))?(?:\.(\d+))?", tag)
    if not match:
        return None
    return tuple(int(part) for part in match.groups() if part is not None)


def _millis(value: str, where, key: str, detail: str):
    from nglint.tiers.model import Provenance

    if not value.isdigit():
        return None, Provenance.unknown(f"{detail}: not a number nglint can read")
    return int(value), Provenance.from_file(where.path, where.line, key, detail)
