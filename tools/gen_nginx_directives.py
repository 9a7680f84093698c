"""Generate linter/sources/nginx/directive_table.py from nginx's own source.

Every nginx module declares its directives in an `ngx_command_t` array:

    { ngx_string("keepalive"),
      NGX_HTTP_UPS_CONF|NGX_CONF_TAKE12,
      ngx_http_upstream_keepalive,
      ...

The flags give, exactly, the contexts a directive is allowed in, whether it opens a
block, and how many arguments it takes (nginx checks them in ngx_conf_handler before
any module code runs). This script reads those arrays from every release tag of a
bare clone of github.com/nginx/nginx, so each form of a directive (its contexts, block
and argument rule) carries the first release that had it and, if it is gone, the first
release after the last one that had it. Values of `ngx_conf_enum_t` lists
(`proxy_http_version 1.0 | 1.1 | 2`) are versioned the same way.

Block handlers are read too: one that sets `cf->handler` (map, geo, types,
split_clients, charset_map) reads its body itself, so nothing inside is a directive;
one that sets `cf->cmd_type` names the context its body is checked in.

Usage:
    python tools/gen_nginx_directives.py /path/to/nginx.git [--out linter/sources/nginx/directive_table.py]

The script reads the git objects only (`git ls-tree`, `git cat-file`); nothing of nginx's
code is copied into nglint, only directive names, flags and versions.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

# nginx's context flags, by the name nglint uses for the context.
CONTEXT_FLAGS = {
    "NGX_MAIN_CONF": "main",
    "NGX_ANY_CONF": "any",
    "NGX_EVENT_CONF": "events",
    "NGX_HTTP_MAIN_CONF": "http",
    "NGX_HTTP_SRV_CONF": "server",
    "NGX_HTTP_LOC_CONF": "location",
    "NGX_HTTP_UPS_CONF": "upstream",
    "NGX_HTTP_SIF_CONF": "if_in_server",
    "NGX_HTTP_LIF_CONF": "if_in_location",
    "NGX_HTTP_LMT_CONF": "limit_except",
    "NGX_STREAM_MAIN_CONF": "stream",
    "NGX_STREAM_SRV_CONF": "stream_server",
    "NGX_STREAM_UPS_CONF": "stream_upstream",
    "NGX_MAIL_MAIN_CONF": "mail",
    "NGX_MAIL_SRV_CONF": "mail_server",
}

# Argument rules, most specific first: ngx_conf_handler tests ANY, FLAG, 1MORE, 2MORE,
# then the TAKEn bits.
TAKE_BITS = {f"NGX_CONF_TAKE{n}": n for n in range(1, 8)}
TAKE_MACROS = {
    "NGX_CONF_TAKE12": (1, 2),
    "NGX_CONF_TAKE13": (1, 3),
    "NGX_CONF_TAKE23": (2, 3),
    "NGX_CONF_TAKE123": (1, 2, 3),
    "NGX_CONF_TAKE1234": (1, 2, 3, 4),
}

COMMAND = re.compile(
    r"\{\s*ngx_string\(\"(?P<name>[a-z0-9_]+)\"\),\s*"
    r"(?P<flags>NGX_[A-Z0-9_|\s]+?),\s*"
    r"(?P<handler>\w+),\s*"
    r"(?P<conf>[\w\s]+?),\s*"
    r"(?P<offset>offsetof\([^)]*\)|[^,]+?),\s*"
    r"(?P<post>[^}]*?)\s*\}"
)
ENUM = re.compile(r"ngx_conf_enum_t\s+(\w+)\[\]\s*=\s*\{(.*?)\n\};", re.S)
ENUM_VALUE = re.compile(r"ngx_string\(\"([^\"]+)\"\)")
RELEASE = re.compile(r"^release-(\d+)\.(\d+)\.(\d+)$")


def git(repo: str, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", repo, *args], check=True, capture_output=True, text=True).stdout


def release_tags(repo: str, oldest: tuple[int, int, int]) -> list[tuple[tuple[int, int, int], str]]:
    tags = []
    for tag in git(repo, "tag").split():
        match = RELEASE.match(tag)
        if match:
            version = tuple(int(part) for part in match.groups())
            if version >= oldest:
                tags.append((version, tag))
    return sorted(tags)


class Blobs:
    """Reads blobs through one `git cat-file --batch` (the caller reads each distinct blob once)."""

    def __init__(self, repo: str) -> None:
        self.proc = subprocess.Popen(["git", "--git-dir", repo, "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def text(self, sha: str) -> str:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(sha.encode() + b"\n")
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().split()
        size = int(header[2])
        data = self.proc.stdout.read(size + 1)[:-1]
        return data.decode("latin-1")


def function_body(source: str, name: str) -> str:
    match = re.search(r"\n" + re.escape(name) + r"\(ngx_conf_t \*cf,[^)]*\)\s*\{(.*?)\n\}", source, re.S)
    return match.group(1) if match else ""


def read_commands(source: str) -> list[dict]:
    """Directive forms and enum value lists declared in one C file."""
    if "ngx_command_t" not in source:
        return []
    enums = {m.group(1): ENUM_VALUE.findall(m.group(2)) for m in ENUM.finditer(source)}
    forms = []
    for match in COMMAND.finditer(source):
        flags = {flag.strip() for flag in match.group("flags").split("|")}
        contexts = sorted({CONTEXT_FLAGS[f] for f in flags if f in CONTEXT_FLAGS})
        if not contexts:
            continue  # an ngx_string in some other table
        handler = match.group("handler")
        body = function_body(source, handler)
        child = None
        if "NGX_CONF_BLOCK" in flags:
            found = re.findall(r"cf->cmd_type\s*=\s*(NGX_\w+)", body)
            if re.search(r"cf->handler\s*=", body):
                child = "opaque"
            elif found:
                child = "if" if len(set(found)) > 1 else CONTEXT_FLAGS[found[0]]
        post = re.sub(r"\[0\]$", "", match.group("post").strip().lstrip("&"))
        forms.append(
            {
                "name": match.group("name"),
                "contexts": " ".join(contexts),
                "args": argument_rule(flags),
                "block": "NGX_CONF_BLOCK" in flags,
                "child": child,
                "flag_slot": handler == "ngx_conf_set_flag_slot",
                "enum": tuple(enums.get(post, ())) if handler == "ngx_conf_set_enum_slot" else (),
            }
        )
    return forms


def argument_rule(flags: set[str]) -> str:
    """One word for the rule ngx_conf_handler applies: ANY, FLAG, 1MORE, 2MORE or the
    allowed counts (`0`, `12`, `1234`...)."""
    for special in ("ANY", "FLAG", "1MORE", "2MORE"):
        if f"NGX_CONF_{special}" in flags:
            return special
    counts: set[int] = set()
    if "NGX_CONF_NOARGS" in flags:
        counts.add(0)
    for flag in flags:
        if flag in TAKE_BITS:
            counts.add(TAKE_BITS[flag])
        counts.update(TAKE_MACROS.get(flag, ()))
    return "".join(str(n) for n in sorted(counts)) or "0"


def version_text(version: tuple[int, int, int]) -> str:
    return ".".join(str(part) for part in version)


def collect(repo: str, oldest: tuple[int, int, int]) -> tuple[dict, dict, str]:
    tags = release_tags(repo, oldest)
    blobs = Blobs(repo)
    parsed: dict[str, list[dict]] = {}
    # form key -> versions it is present in; enum (name, value) -> versions
    present: dict[tuple, list[tuple[int, int, int]]] = {}
    enum_present: dict[tuple[str, str], list[tuple[int, int, int]]] = {}
    for version, tag in tags:
        listing = git(repo, "ls-tree", "-r", tag, "src")
        for line in listing.splitlines():
            meta, path = line.split("\t", 1)
            if not path.endswith(".c"):
                continue
            sha = meta.split()[2]
            if sha not in parsed:
                parsed[sha] = read_commands(blobs.text(sha))
            for form in parsed[sha]:
                key = (form["name"], form["contexts"], form["args"], form["block"], form["child"], form["flag_slot"])
                present.setdefault(key, []).append(version)
                for value in form["enum"]:
                    enum_present.setdefault((form["name"], value), []).append(version)
    return present, enum_present, f"{tags[-1][1]} ({git(repo, 'rev-parse', tags[-1][1] + '^{commit}').strip()})"


def spans(versions: list[tuple[int, int, int]], all_versions: list[tuple[int, int, int]]) -> list[tuple[str, str | None]]:
    """The runs of consecutive releases (in version order) that have a form:
    (first release of the run, first release after it or None)."""
    have = set(versions)
    runs: list[tuple[str, str | None]] = []
    start = None
    for version in all_versions:
        if version in have and start is None:
            start = version
        elif version not in have and start is not None:
            runs.append((version_text(start), version_text(version)))
            start = None
    if start is not None:
        runs.append((version_text(start), None))
    return runs


def render(present: dict, enum_present: dict, source: str, oldest: str, all_versions: list) -> str:
    directives: dict[str, list[tuple]] = {}
    for (name, contexts, args, block, child, flag_slot), versions in sorted(present.items()):
        for since, until in spans(versions, all_versions):
            directives.setdefault(name, []).append((contexts, args, block, child, flag_slot, since, until))
    enums: dict[str, dict[str, tuple]] = {}
    for (name, value), versions in sorted(enum_present.items()):
        enums.setdefault(name, {})[value] = tuple(spans(versions, all_versions))
    lines = [
        '"""nginx directives: contexts, block, argument rule and versions (generated data).',
        "",
        "Source: the ngx_command_t arrays in src/**/*.c of https://github.com/nginx/nginx, every",
        f"release tag from release-{oldest} to {source}.",
        "Regenerate with: python tools/gen_nginx_directives.py <bare nginx clone> (docs/nginx-syntax.md).",
        "Do not edit by hand.",
        "",
        "DIRECTIVES maps a name to its forms: (contexts, args, block, child, flag_slot, since, until).",
        "  contexts: space-separated context names (see nginx_directives.CONTEXTS)",
        "  args: ANY, FLAG, 1MORE, 2MORE, or the allowed argument counts as digits (\"12\")",
        "  block: opens a block; child: the context of its body (\"opaque\": the body is read",
        "    by the module itself, \"if\": server or location if), None for simple directives",
        "  flag_slot: the value must be on or off",
        f"  since: first release of a run of releases with the form ({oldest} means {oldest} or earlier); until: first",
        "    release after the run, None if the newest has it. A form may have several runs:",
        "    stable and mainline releases interleave in version order.",
        "ENUMS maps a name to {value: ((since, until), ...)} for directives that take one of a list.",
        '"""',
        "",
        "DIRECTIVES = {",
    ]
    for name, forms in directives.items():
        lines.append(f"    {name!r}: {forms!r},")
    lines.append("}")
    lines.append("")
    lines.append("ENUMS = {")
    for name, values in enums.items():
        lines.append(f"    {name!r}: {values!r},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repo", help="a (bare) git clone of github.com/nginx/nginx")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "linter" / "nginx_directive_table.py"))
    parser.add_argument("--oldest", default="1.0.0", help="oldest release to read (default 1.0.0)")
    args = parser.parse_args(argv)
    oldest = tuple(int(part) for part in args.oldest.split("."))
    present, enum_present, source = collect(args.repo, oldest)  # type: ignore[arg-type]
    all_versions = [version for version, _ in release_tags(args.repo, oldest)]  # type: ignore[arg-type]
    Path(args.out).write_text(render(present, enum_present, source, args.oldest, all_versions))
    print(f"wrote {args.out}: {len({k[0] for k in present})} directives from {source}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
