"""How often nglint's P001 agrees with real `nginx -t` on other projects' configs.

Runs over every standalone main configuration file (one with a top-level `events`
block), and every `.conf` fragment with top-level `server` or `upstream` blocks (copied
next to a main file that includes it inside http{}, as conf.d files are), under the
shared corpus (../shared/corpus/nginx and stacks/, which hold real
repositories' configs and the test suites of crossplane and gixy), and for each compares:

- nginx -t passes: nglint must report no P001 in the files nginx read;
- nginx -t stops with an error nglint claims to find (the tokenizer's and ngx_conf_handler's
  messages, flag and enum values): nglint must report a P001 at that file and line;
- nginx -t stops for anything else (an unknown third-party directive, a host it cannot
  resolve, a missing certificate or include, a duplicate, a bad `listen` parameter):
  nglint must report no P001 before that point, since what follows was never checked.

nginx runs as `nginx -t -q -p <dir> -c <file>` inside a private mount namespace with
tmpfs over /var/log and /run, so the log and pid files configs name are never created on
this machine, with a few common users (`user nginx;`) added to its /etc/passwd, and
with every upstream host name nginx cannot resolve added to its /etc/hosts. nglint runs with `nginx-version` set to the binary's version.

    python bench/nginx_t_agreement.py [CORPUS] [--show-disagreements]

Needs root (unshare -m) and nginx; prints one line per disagreement and a summary.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.join(HERE, "..", "..", "shared", "corpus")

# The errors P001 claims: nginx's tokenizer, ngx_conf_parse and ngx_conf_handler, and the
# flag and enum slots.
CLAIMED = re.compile(
    r'^(unexpected |directive "[^"]+" (is not terminated|has no opening)|invalid number of arguments|'
    r'"[^"]+" directive is not allowed here|too long parameter|invalid value "[^"]*"( in "[^"]+" directive, it must be "on" or "off")?$)'
)
EMERG = re.compile(r"\[emerg\] (?:\d+#\d+: )?(.*?) in (/\S+):(\d+)\s*$", re.M)
EVENTS = re.compile(rb"(?m)^\s*events\s*\{")


# Users configs name in `user` that a Debian machine lacks; nginx -t stops on a missing one
# (getpwnam failed) before it reads the rest. Added inside the namespace only.
USERS = ("nginx", "www", "npm", "ec2-user", "http")


def namespace_files(workdir: str) -> tuple[str, str]:
    """Copies of /etc/passwd and /etc/group with USERS added, for the namespace."""
    paths = []
    for name, line in (("passwd", "{0}:x:{1}:{1}::/nonexistent:/usr/sbin/nologin\n"), ("group", "{0}:x:{1}:\n")):
        with open(f"/etc/{name}") as handle:
            text = handle.read()
        path = os.path.join(workdir, name)
        with open(path, "w") as handle:
            handle.write(text + "".join(line.format(user, 60000 + n) for n, user in enumerate(USERS)))
        paths.append(path)
    return paths[0], paths[1]


HOST_NOT_FOUND = re.compile(r'host not found in upstream "\[?([^":\]/]+)')


def nginx_t(nginx: str, path: str, accounts: tuple[str, str], workdir: str) -> tuple[str, str | None, int]:
    """('ok' | 'claimed' | 'other', file, line) for nginx -t on `path`.

    Upstream host names are the other project's (docker compose services): each one nginx
    cannot resolve is added to the namespace's /etc/hosts as 127.0.0.1 and nginx runs
    again, so it gets past them to the rest of the file."""
    directory = os.path.dirname(path)
    hosts_file = os.path.join(workdir, "hosts")
    hosts: list[str] = []
    for _ in range(30):
        with open(hosts_file, "w") as handle:
            handle.write("127.0.0.1 localhost\n::1 localhost\n" + "".join(f"127.0.0.1 {host}\n" for host in hosts))
        script = (
            "mount -t tmpfs tmpfs /var/log && mkdir /var/log/nginx && mount -t tmpfs tmpfs /run && "
            f"mount --bind {accounts[0]} /etc/passwd && mount --bind {accounts[1]} /etc/group && "
            f'mount --bind {hosts_file} /etc/hosts && exec "$@"'
        )
        command = ["unshare", "-m", "sh", "-c", script, "sh", "timeout", "20", nginx, "-t", "-q", "-p", directory + "/", "-c", path]
        proc = subprocess.run(command, capture_output=True, text=True, errors="replace")
        unresolved = HOST_NOT_FOUND.search(proc.stderr)
        if not unresolved or unresolved.group(1) in hosts:
            break
        hosts.append(unresolved.group(1))
    if proc.returncode == 0:
        return "ok", None, 0
    match = EMERG.search(proc.stderr)
    if not match:
        return "other", None, 0
    kind = "claimed" if CLAIMED.match(match.group(1)) else "other"
    return kind, os.path.realpath(match.group(2)), int(match.group(3))


def http_fragments(corpus: str, mains: set[str]) -> list[str]:
    """Files nginx reads inside http{} (top-level server or upstream blocks, no events)."""
    from nglint.sources.nginx.syntax import scan

    found = []
    for top in ("nginx", "stacks"):
        for root, _, names in os.walk(os.path.join(corpus, top)):
            for name in sorted(names):
                path = os.path.realpath(os.path.join(root, name))
                if path in mains or not name.endswith(".conf") or os.path.islink(os.path.join(root, name)):
                    continue
                if os.path.getsize(path) > 1 << 20:
                    continue
                with open(path, "rb") as handle:
                    tops = {stmt["directive"] for stmt in scan(handle.read()).statements}
                if tops & {"server", "upstream"} and not tops & {"http", "events", "stream", "mail"}:
                    found.append(path)
    return found


def wrap(path: str, workdir: str, number: int) -> str:
    """A main file including a copy of the fragment inside http{}, as conf.d files are."""
    directory = os.path.join(workdir, str(number))
    os.makedirs(directory)
    shutil.copyfile(path, os.path.join(directory, "fragment.conf"))
    with open(os.path.join(directory, "nginx.conf"), "w") as handle:
        handle.write("events {}\nhttp {\n    include fragment.conf;\n}\n")
    return os.path.join(directory, "nginx.conf")


def p001(path: str, version: tuple[int, ...] | None) -> list[tuple[str, int, str]]:
    from nglint.config import Settings
    from nglint.runner import run

    settings = Settings(nginx_version=version, nginx_roots=[os.path.abspath(path)])
    report = run([path], settings, cwd=os.path.dirname(path))
    return [(os.path.realpath(f.path), f.line, f.message) for f in report.findings if f.rule == "P001"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default=DEFAULT_CORPUS)
    parser.add_argument("--nginx", default="/usr/sbin/nginx")
    parser.add_argument("--show-disagreements", action="store_true")
    parser.add_argument("--no-version", action="store_true", help="run nglint without nginx-version (unknown)")
    args = parser.parse_args(argv)
    version_text = re.search(r"nginx/([\d.]+)", subprocess.run([args.nginx, "-v"], capture_output=True, text=True).stderr).group(1)
    version = tuple(int(part) for part in version_text.split("."))

    files = []
    for top in ("nginx", "stacks"):
        for root, _, names in os.walk(os.path.join(args.corpus, top)):
            for name in sorted(names):
                path = os.path.join(root, name)
                if os.path.islink(path) or not os.path.isfile(path) or os.path.getsize(path) > 1 << 20:
                    continue
                with open(path, "rb") as handle:
                    if EVENTS.search(handle.read()):
                        files.append(os.path.realpath(path))
    fragments = http_fragments(args.corpus, set(files))
    workdir = tempfile.mkdtemp(prefix="nglint-nginx-t-")
    accounts = namespace_files(workdir)
    checks = [(path, path) for path in sorted(files)] + [(path, wrap(path, workdir, n)) for n, path in enumerate(fragments)]
    counts = {"ok": [0, 0], "claimed": [0, 0], "other": [0, 0]}
    for path, entry in checks:
        kind, where, line = nginx_t(args.nginx, entry, accounts, workdir)
        found = p001(entry, None if args.no_version else version)
        if kind == "ok":
            agree = not found
        elif kind == "claimed":
            agree = bool(found) and (found[0][0], found[0][1]) == (where, line)
        else:
            # nginx stopped here for a reason P001 does not claim; what follows is unchecked,
            # so only a P001 earlier in the same file is a disagreement.
            agree = not [f for f in found if f[0] == where and f[1] < line]
        counts[kind][0] += agree
        counts[kind][1] += 1
        if not agree and args.show_disagreements:
            print(f"{os.path.relpath(path, args.corpus)}: nginx {kind} {where and os.path.relpath(where, args.corpus)}:{line}; nglint {found[:2]}")
    total = sum(n for n, _ in counts.values()), sum(d for _, d in counts.values())
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"nginx {version_text}, {len(files)} main configs and {len(fragments)} http fragments under {os.path.realpath(args.corpus)}")
    for kind, (agree, seen) in counts.items():
        print(f"  nginx -t {kind:8} {agree:4}/{seen:<4} agree")
    print(f"  agreement {total[0]}/{total[1]} = {100 * total[0] / max(total[1], 1):.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
