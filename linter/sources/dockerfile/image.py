"""Read a Dockerfile into the image it builds: base image, command, environment, ports, files.

Only the stage that is run matters (the last, or the build `target`); a stage `FROM`
another inherits its environment, command and files. `ARG` defaults (and build args from
compose) are substituted where Docker substitutes them (FROM, ENV, EXPOSE, WORKDIR,
COPY); the shell form of CMD/ENTRYPOINT is split like a shell would, with ENV values the
image sets. A value that depends on an unknown variable keeps its `${VAR}` text, so the
server reader that meets it reports it unknown rather than guessing.
"""

from __future__ import annotations

import json
import os
import re

from nglint.diagnostics import BACKEND_PARSE_ERROR, REFUSED_FILE
from nglint.findings import Location
from nglint.problems import Problem
from nglint.records import field, record
from nglint.sources.argv import split_shell
from nglint.sources.files import expand_files, read_text

MAX_INSTRUCTIONS = 5000
_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


@record
class Instruction:
    name: str  # upper case
    text: str  # arguments, continuation lines joined
    line: int


@record
class Image:
    """What the run stage of a Dockerfile sets up."""

    path: str
    base: str | None = None
    argv: list[str] | None = None
    argv_location: Location | None = None
    entrypoint: list[str] | None = None  # exec-form ENTRYPOINT, which a compose `command:` keeps
    env: dict[str, str] = field(default_factory=dict)
    env_locations: dict[str, Location] = field(default_factory=dict)
    ports: list[int] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # the run stage's, then build stages' copies
    problems: list[Problem] = field(default_factory=list)
    # The nginx a RUN installs from the distribution's packages (nglint.sources.nginx.packages):
    # a NginxVersion located at its RUN line, or None with `nginx_unknown` saying why.
    nginx_version: object = None
    nginx_unknown: str = ""


def instructions(text: str, path: str, problems: list[Problem]) -> list[Instruction]:
    """Instructions with their first line; comments, blank lines and heredoc bodies skipped."""
    escape = "\\"
    lines = text.splitlines()
    head = lines[0] if lines else ""
    match = re.match(r"#\s*escape\s*=\s*(\S)", head)
    if match:
        escape = match.group(1)
    result: list[Instruction] = []
    index = 0
    while index < len(lines):
        raw = lines[index]
        start = index + 1
        index += 1
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        parts = [stripped]
        while parts[-1].endswith(escape) and index < len(lines):
            parts[-1] = parts[-1][:-1]
            following = lines[index].strip()
            index += 1
            if following.startswith("#"):
                parts.append(escape)  # comment lines inside a continuation are dropped
                continue
            parts.append(following)
        joined = " ".join(part for part in parts if part != escape)
        name, _, rest = joined.partition(" ")
        heredoc = re.search(r"<<-?\s*['\"]?([A-Za-z_]+)['\"]?", rest)
        if heredoc and name.upper() in ("RUN", "COPY"):
            marker = heredoc.group(1)
            while index < len(lines) and lines[index].strip() != marker:
                index += 1
            index += 1
        result.append(Instruction(name.upper(), rest.strip(), start))
        if len(result) > MAX_INSTRUCTIONS:
            problems.append(Problem(REFUSED_FILE, path, start, f"refused: more than {MAX_INSTRUCTIONS} instructions"))
            break
    return result


def substitute(text: str, values: dict[str, str]) -> str:
    """Docker's `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:+alt}`; unknown variables stay as written."""

    def one(match: re.Match) -> str:
        name = match.group(1) or match.group(4)
        operator, word = match.group(2), match.group(3)
        value = values.get(name)
        if operator in (":-", "-"):
            return value if value not in (None, "") or (operator == "-" and value is not None) else (word or "")
        if operator in (":+", "+"):
            return (word or "") if value else ""
        return value if value is not None else match.group(0)

    return _VAR.sub(one, text)


def _command(text: str, values: dict[str, str]) -> list[str] | None:
    """Exec form (a JSON array) as written; shell form as `/bin/sh -c TEXT` (what Docker
    runs), ENV values substituted."""
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, list) and all(isinstance(item, str) for item in parsed):
            return parsed
    return ["/bin/sh", "-c", substitute(text, values)]


def read_image(path: str, tree_roots: list[str], max_file_size: int, target: str | None = None,
               build_args: dict[str, str] | None = None, context: str | None = None) -> Image:
    """The run stage of the Dockerfile at `path`; never raises (problems in `Image.problems`)."""
    image = Image(path)
    text = read_text(path, tree_roots, max_file_size, image.problems)
    if text is None:
        return image
    context = context or os.path.dirname(os.path.abspath(path))
    steps = instructions(text, path, image.problems)
    global_args: dict[str, str] = {}
    stages: dict[str, _Stage] = {}
    current: _Stage | None = None
    final: _Stage | None = None
    for step in steps:
        if step.name == "FROM":
            words = substitute(step.text, {**global_args, **(build_args or {})}).split()
            words = [w for w in words if not w.startswith("--platform")]
            base = words[0] if words else ""
            name = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else None
            parent = stages.get(base.lower())
            current = parent.child(base) if parent is not None else _Stage(base)
            current.args = dict(global_args)
            if name:
                stages[name] = current
            stages[str(len(stages))] = current
            if target and name == target.lower():
                final = current
            continue
        if current is None:
            if step.name == "ARG":
                for key, value in _assignments(step.text, global_args):
                    global_args[key] = (build_args or {}).get(key, value)
            continue
        current.apply(step, path, build_args or {}, context, tree_roots)
    if current is None:
        image.problems.append(Problem(BACKEND_PARSE_ERROR, path, 1, "no FROM instruction: not a Dockerfile nglint can read"))
        return image
    chosen = final or current
    image.base = chosen.base_image(stages)
    image.argv, image.argv_location = chosen.argv(path)
    if chosen.entrypoint is not None and not chosen.shell_entrypoint:
        image.entrypoint = chosen.entrypoint[0]
    image.env, image.env_locations = dict(chosen.env), dict(chosen.env_locations)
    image.ports = list(chosen.ports)
    if chosen.nginx_install is not None:
        _nginx_version(image, chosen.nginx_install, path)
    # Files copied in build stages count too: configuration a builder packages into an
    # artifact (a Spring application.properties into the jar) still configures the server.
    built_from: dict[str, str] = {}
    for stage in {id(stage): stage for stage in stages.values()}.values():
        built_from.update(stage.files)
    image.files = {**built_from, **chosen.files}
    return image


def _nginx_version(image: Image, install, path: str) -> None:
    from nglint.records import replace
    from nglint.sources.nginx.packages import version_of_install

    version, reason = version_of_install(install, image.base)
    if version is not None:
        image.nginx_version = replace(version, location=Location(path, install.line))
    else:
        image.nginx_unknown = f"{reason} ({os.path.basename(path)}:{install.line})"


def _assignments(text: str, values: dict[str, str]) -> list[tuple[str, str | None]]:
    """`ARG A=1 B`, `ENV A=1 B="two words"` and the legacy `ENV A value with spaces`."""
    words = split_shell(text) or text.split()
    if words and "=" not in words[0]:
        if len(words) >= 2:
            return [(words[0], substitute(" ".join(words[1:]), values))]
        return [(words[0], None)]
    pairs = []
    for word in words:
        key, sep, value = word.partition("=")
        pairs.append((key, substitute(value, values) if sep else None))
    return pairs


class _Stage:
    """One build stage's state as its instructions are applied."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.parent: _Stage | None = None
        self.args: dict[str, str] = {}
        self.env: dict[str, str] = {}
        self.env_locations: dict[str, Location] = {}
        self.ports: list[int] = []
        self.files: dict[str, str] = {}
        self.workdir = "/"
        self.cmd: tuple[list[str], int] | None = None
        self.entrypoint: tuple[list[str], int] | None = None
        self.shell_entrypoint = False
        self.nginx_install = None

    def child(self, base: str) -> "_Stage":
        stage = _Stage(base)
        stage.parent = self
        stage.env, stage.env_locations = dict(self.env), dict(self.env_locations)
        stage.ports, stage.files, stage.workdir = list(self.ports), dict(self.files), self.workdir
        stage.cmd, stage.entrypoint, stage.shell_entrypoint = self.cmd, self.entrypoint, self.shell_entrypoint
        stage.nginx_install = self.nginx_install
        return stage

    def base_image(self, stages: dict) -> str:
        stage = self
        while stage.parent is not None:
            stage = stage.parent
        return stage.base

    def values(self) -> dict[str, str]:
        return {**self.args, **self.env}

    def apply(self, step: Instruction, path: str, build_args: dict[str, str], context: str, tree_roots: list[str]) -> None:
        name, text = step.name, step.text
        if name == "ARG":
            for key, value in _assignments(text, self.values()):
                self.args[key] = build_args.get(key, value if value is not None else self.args.get(key))
                if self.args[key] is None:
                    del self.args[key]
        elif name == "ENV":
            for key, value in _assignments(text, self.values()):
                if value is not None:
                    self.env[key] = value
                    self.env_locations[key] = Location(path, step.line)
        elif name == "EXPOSE":
            for word in substitute(text, self.values()).split():
                port = word.split("/", 1)[0]
                if port.isdigit() and int(port) not in self.ports:
                    self.ports.append(int(port))
        elif name == "WORKDIR":
            target = substitute(text, self.values()).strip("\"'")
            self.workdir = os.path.normpath(os.path.join(self.workdir, target)).replace(os.sep, "/")
        elif name in ("COPY", "ADD"):
            self._copy(substitute(text, self.values()), context, tree_roots)
        elif name == "RUN" and "nginx" in text:
            from nglint.sources.nginx.packages import install_in

            install = install_in(substitute(text, self.values()), step.line)
            if install is not None:
                self.nginx_install = install
        elif name == "CMD":
            self.cmd = (_command(text, self.values()), step.line)
        elif name == "ENTRYPOINT":
            self.entrypoint = (_command(text, self.values()), step.line)
            self.shell_entrypoint = not text.startswith("[")
            self.cmd = None  # ENTRYPOINT resets an inherited CMD

    def _copy(self, text: str, context: str, tree_roots: list[str]) -> None:
        if text.startswith("["):
            try:
                words = json.loads(text)
            except ValueError:
                return
        else:
            words = split_shell(text) or []
        if any(word.startswith("--from") for word in words if isinstance(word, str)):
            return  # built in another stage or image: not a file of the checked tree
        words = [w for w in words if isinstance(w, str) and not w.startswith("--")]
        if len(words) < 2 or "<<" in text:
            return
        *sources, dest = words
        if "$" in dest:
            return  # a destination from an unknown variable: where the files land is unknown
        into_dir = dest.endswith("/") or dest in (".", "./") or dest.endswith("/.") or len(sources) > 1
        if not dest.startswith("/"):
            dest = self.workdir.rstrip("/") + "/" + dest
        dest = os.path.normpath(dest).replace(os.sep, "/")
        for source in sources:
            if "://" in source or "*" in source or "?" in source:
                continue
            local = os.path.normpath(os.path.join(context, source))
            inside = dest.rstrip("/") + "/" + os.path.basename(local) if into_dir and os.path.isfile(local) else dest
            self.files.update(expand_files(local, inside, tree_roots))

    def argv(self, path: str) -> tuple[list[str] | None, Location | None]:
        if self.entrypoint is not None:
            argv, line = self.entrypoint
            if not self.shell_entrypoint and self.cmd is not None:
                argv = argv + self.cmd[0]
            return argv, Location(path, line)
        if self.cmd is not None:
            return self.cmd[0], Location(path, self.cmd[1])
        return None, None
