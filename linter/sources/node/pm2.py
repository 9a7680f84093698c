"""PM2, Node's process manager: `pm2 start app.js`, `pm2-runtime start ecosystem.config.js`.

PM2 runs the `script` of each app of an ecosystem file (JavaScript, JSON or YAML) with
node; in cluster mode every instance shares one listening socket, so the server's idle
timeout is that script's. What the file says is read as data (tree-sitter for JavaScript,
the YAML loader's limits for YAML); an ecosystem with several apps names several servers
and nglint does not choose among them.
"""

from __future__ import annotations

import posixpath

PROGRAMS = {"pm2", "pm2-runtime", "pm2-docker", "pm2-dev"}
_ECOSYSTEM_SUFFIXES = (".json", ".yml", ".yaml", ".config.js", ".config.cjs", ".config.mjs")
_MAX_NODES = 20_000


def pm2_target(args: list[str]) -> str | None:
    """What a pm2 command line starts: `pm2 start X` or `pm2-runtime [start] X`."""
    if args[:1] == ["start"]:
        args = args[1:]
    elif args and args[0] in ("restart", "reload", "stop", "delete", "logs", "list", "ls", "status", "kill"):
        return None
    return next((word for word in args if not word.startswith("-")), None)


def is_ecosystem(target: str) -> bool:
    base = posixpath.basename(target).lower()
    return base.startswith(("ecosystem", "pm2", "process")) and base.endswith(_ECOSYSTEM_SUFFIXES)


def ecosystem_script(path: str, text: str) -> str | None:
    """The `script` of the one app an ecosystem file declares, or None."""
    lower = path.lower()
    if lower.endswith(".json"):
        import json

        try:
            scripts = _scripts_of(json.loads(text))
        except (ValueError, RecursionError):
            return None
    elif lower.endswith((".yml", ".yaml")):
        from nglint.sources.yamlnodes import YamlError, load_documents

        try:
            documents = load_documents(text)
        except YamlError:
            return None
        scripts = _scripts_of(documents[0]) if documents else []
    else:
        scripts = _js_scripts(text)
    unique = list(dict.fromkeys(scripts))
    return unique[0] if len(unique) == 1 else None


def _scripts_of(data) -> list[str]:
    apps = data.get("apps") if isinstance(data, dict) else data
    if isinstance(apps, dict):
        apps = [apps]
    if not isinstance(apps, list):
        return []
    return [app["script"] for app in apps if isinstance(app, dict) and isinstance(app.get("script"), str)]


def _js_scripts(text: str) -> list[str]:
    """String values of `script:` properties in a JavaScript ecosystem file."""
    import tree_sitter_javascript as grammar
    from tree_sitter import Language, Parser

    tree = Parser(Language(grammar.language())).parse(text.encode("utf-8", errors="replace"))
    found: list[str] = []
    stack, seen = [tree.root_node], 0
    while stack and seen < _MAX_NODES:
        node = stack.pop()
        seen += 1
        if node.type == "pair":
            key, value = node.child_by_field_name("key"), node.child_by_field_name("value")
            name = key.text.decode(errors="replace").strip("'\"") if key is not None else ""
            if name == "script":
                if value is None or value.type != "string":
                    return []  # computed: not read
                found.append(value.text.decode(errors="replace")[1:-1])
                continue
        stack.extend(node.named_children)
    return found
