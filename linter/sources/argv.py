"""Finding the server program in a command line, however the files that start it wrap it.

A container's command is rarely just `gunicorn app:app`: it hides behind `sh -c "... &&
exec gunicorn ..."`, `python -m gunicorn`, `npx`, `bundle exec`, an entrypoint script that
passes its arguments on, or a full path. `program_args` finds the program and returns the
arguments that belong to it, so each server reader reads only its own flags.
"""

from __future__ import annotations

import os
import shlex

_SHELLS = {"sh", "bash", "ash", "dash", "zsh"}
_WRAPPERS = {"exec", "env", "nohup", "tini", "dumb-init", "--", "gosu", "su-exec", "bundle", "npx", "pnpm", "yarn",
             "poetry", "pipenv", "uv", "run", "time", "setuidgid", "chpst", "pm2-runtime", "nodemon", "ts-node-dev",
             # Heroku buildpacks' launchers start their daemon, then exec the app command they are given.
             "start-nginx", "start-nginx-debug", "start-pgbouncer", "start-pgbouncer-stunnel"}
_SEPARATORS = {"&&", "||", ";", "|", "&"}


def split_shell(text: str) -> list[str] | None:
    """shlex-split a shell command line, or None when its quoting is broken."""
    try:
        lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        return list(lexer)
    except ValueError:
        return None


def commands(argv: list[str] | None, depth: int = 0) -> list[list[str]]:
    """The simple commands an argv runs: `sh -c "a && exec b"` is [a], [b]."""
    if not argv or depth > 3:
        return []
    words = list(argv)
    while len(words) > 1:
        first = os.path.basename(words[0])
        if first.startswith("wait-for"):
            # wait-for-it.sh db:5432 -- cmd: waits, then runs what follows `--`
            words = words[words.index("--") + 1:] if "--" in words else []
        elif first == "dockerize":
            words = _after_dockerize(words)
        elif _is_entrypoint(words[0]) or first in ("tini", "dumb-init", "--", "exec"):
            # An entrypoint script that ends in `exec "$@"`, or an init wrapper, runs what follows.
            words = words[1:]
        else:
            break
    if not words:
        return []
    base = os.path.basename(words[0])
    if base in _SHELLS and len(words) >= 3 and words[1] in ("-c", "-ec", "-ce", "-lc", "-xc"):
        inner = split_shell(words[2])
        return commands(inner, depth + 1) if inner else []
    result, current = [], []
    for word in words:
        if word in _SEPARATORS:
            if current:
                result.append(current)
            current = []
        else:
            current.append(word)
    if current:
        result.append(current)
    return result


# dockerize (github.com/jwilder/dockerize) flags that take no value; every other flag does.
_DOCKERIZE_FLAGS = {"-poll", "-no-overwrite", "-version"}


def _after_dockerize(words: list[str]) -> list[str]:
    """The command `dockerize -wait tcp://db:3306 -timeout 20s cmd...` runs once it has waited."""
    index = 1
    while index < len(words) and words[index].startswith("-"):
        flag = words[index]
        index += 1 if flag in _DOCKERIZE_FLAGS or "=" in flag else 2
    return words[index:]


def _is_entrypoint(word: str) -> bool:
    base = os.path.basename(word)
    return base.endswith(".sh") or base.startswith(("docker-entrypoint", "entrypoint"))


def program_args(argv: list[str] | None, names: set[str], modules: set[str] = frozenset()) -> list[str] | None:
    """The arguments after the first program in `names` (or `python -m` one of `modules`)
    in any command `argv` runs, or None when none runs. Options of wrappers are skipped."""
    for command in commands(argv):
        for index, word in enumerate(command):
            base = os.path.basename(word)
            if base in names:
                return command[index + 1:]
            if base.startswith("python") and index + 2 < len(command) + 1 and "-m" in command[index + 1:index + 3]:
                at = command.index("-m", index + 1)
                if at + 1 < len(command) and command[at + 1] in modules:
                    return command[at + 2:]
            if base in _WRAPPERS or base.startswith("python") or word.startswith("-") or "=" in word:
                continue
            if index == 0 and (base.endswith(".sh") or base.startswith("docker-entrypoint")):
                continue  # an entrypoint script that runs "$@"
            break
    return None


def option(args: list[str], names: tuple[str, ...]) -> tuple[str | None, int | None]:
    """The last value of an option given as `--name value`, `--name=value` or `-n value`
    (last wins, as in argparse), with its index in `args`; (None, None) when absent."""
    value, where = None, None
    for index, word in enumerate(args):
        for name in names:
            if word == name and index + 1 < len(args):
                value, where = args[index + 1], index
            elif name.startswith("--") and word.startswith(name + "="):
                value, where = word.split("=", 1)[1], index
            elif not name.startswith("--") and word.startswith(name) and len(word) > len(name) and len(name) == 2:
                value, where = word[len(name):], index
    return value, where
