"""supervisord as a container's command: the programs its configuration runs.

Images that put nginx and an app server in one container start `supervisord -c
/etc/supervisor/conf.d/app.conf` (or plain `supervisord`, which finds its file at the
documented default paths). Each `[program:x]` / `[fcgi-program:x]` `command=` is a process
of that container: same image, files and environment, so every server reader sees it as if
the container ran it directly. The file is read as INI without interpolation
(supervisord's `%(ENV_X)s` expansions stay text, so a value built from them is unknown to
whatever reads it); `[include] files=` globs are not followed.
"""

from __future__ import annotations

import posixpath

# supervisord's search order without -c (https://supervisord.org/configuration.html), and
# the Debian package's file, which includes conf.d/*.conf.
DEFAULT_PATHS = ("/usr/etc/supervisord.conf", "/usr/supervisord.conf", "supervisord.conf", "etc/supervisord.conf",
                 "/etc/supervisord.conf", "/etc/supervisor/supervisord.conf")
PROGRAMS = {"supervisord"}
_MAX_PROGRAMS = 64


def config_inside(args: list[str], files: dict[str, str]) -> str | None:
    """The path inside the container of the configuration supervisord reads."""
    from nglint.sources.argv import option

    given, _ = option(args, ("-c", "--configuration"))
    if given:
        return given
    return next((path for path in DEFAULT_PATHS if path in files), None) or next(
        (inside for inside in files if inside.startswith("/etc/supervisor/conf.d/") and inside.endswith(".conf")), None)


def program_commands(text: str) -> list[tuple[str, str, int]]:
    """(program name, command line, line of `command=`) of each program section, in file order."""
    import configparser

    parser = configparser.RawConfigParser(strict=False, inline_comment_prefixes=(";", "#"))
    try:
        parser.read_string(text)
    except (configparser.Error, UnicodeError, RecursionError):
        return []
    lines = text.splitlines()
    found = []
    for section in parser.sections()[:_MAX_PROGRAMS]:
        kind, _, name = section.partition(":")
        if kind.strip() not in ("program", "fcgi-program") or not parser.has_option(section, "command"):
            continue
        command = " ".join(parser.get(section, "command").split())
        found.append((name.strip(), command, _line_of(lines, section)))
    return found


def _line_of(lines: list[str], section: str) -> int:
    """The `command=` line of the section (where a fix or a reader points), else its header."""
    header = f"[{section}]"
    start = next((number for number, line in enumerate(lines, 1) if line.strip() == header), 1)
    for number in range(start + 1, len(lines) + 1):
        stripped = lines[number - 1].strip()
        if stripped.startswith("["):
            break
        if stripped.split("=", 1)[0].strip() == "command":
            return number
    return start


def is_supervisord(argv: list[str] | None) -> list[str] | None:
    """supervisord's own arguments when `argv` runs it, else None."""
    from nglint.sources.argv import program_args

    return program_args(argv, PROGRAMS)


def local_config(inside: str, files: dict[str, str]) -> str | None:
    if inside.startswith("/"):
        return files.get(posixpath.normpath(inside))
    suffix = "/" + posixpath.normpath(inside).lstrip("./")
    matches = {local for path, local in files.items() if path.endswith(suffix)}
    return matches.pop() if len(matches) == 1 else None
