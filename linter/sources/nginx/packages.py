"""Which nginx a Dockerfile installs from its distribution's packages: data, dated.

`RUN apt-get install -y nginx=1.22.1-9` says the version outright (epoch and Debian
revision dropped: `1:1.18.0-6` is 1.18.0); `apk add nginx~=1.26` means that series'
newest; `dnf install nginx-1.20.1` likewise names it. An unpinned install takes the version
the base image's release ships: a release's nginx changes only by patch releases in
Debian stable and Ubuntu, and within one series in an Alpine branch, so the table keeps
the series and, where one version is frozen, that version. Moving tags (`debian:stable`,
`alpine:latest`, `python:3.12-slim` without a release name) and releases not in the table
stay unknown, with the reason: the version then is whatever the image held when built.
"""

from __future__ import annotations

import re

from nglint.records import record

AS_OF = "2026-12-01"
_SERIES_NEWEST = 999  # a whole series: its newest patch release

_DEBIAN = "https://packages.debian.org/search?keywords=nginx"
_UBUNTU = "https://packages.ubuntu.com/{}/nginx"
_ALPINE = "https://pkgs.alpinelinux.org/package/v{}/main/x86_64/nginx"

# (distribution, release) -> (version, url). Verified on the package sites on AS_OF.
RELEASES: dict[tuple[str, str], tuple[tuple[int, ...], str]] = {
    ("debian", "bullseye"): ((1, 18, 0), _DEBIAN),
    ("debian", "bookworm"): ((1, 22, 1), _DEBIAN),
    ("debian", "trixie"): ((1, 26, 3), _DEBIAN),
    ("ubuntu", "jammy"): ((1, 18, 0), _UBUNTU.format("jammy")),
    ("ubuntu", "noble"): ((1, 24, 0), _UBUNTU.format("noble")),
    ("ubuntu", "questing"): ((1, 28, 0), _UBUNTU.format("questing")),
    ("alpine", "3.14"): ((1, 20, _SERIES_NEWEST), _ALPINE.format("3.14")),
    ("alpine", "3.15"): ((1, 20, _SERIES_NEWEST), _ALPINE.format("3.15")),
    ("alpine", "3.16"): ((1, 22, _SERIES_NEWEST), _ALPINE.format("3.16")),
    ("alpine", "3.20"): ((1, 26, _SERIES_NEWEST), _ALPINE.format("3.20")),
    ("alpine", "3.21"): ((1, 26, _SERIES_NEWEST), _ALPINE.format("3.21")),
    ("alpine", "3.23"): ((1, 28, _SERIES_NEWEST), _ALPINE.format("3.23")),
    ("alpine", "3.24"): ((1, 30, _SERIES_NEWEST), _ALPINE.format("3.24")),
}
_DEBIAN_NUMBERS = {"11": "bullseye", "12": "bookworm", "13": "trixie"}
_UBUNTU_NUMBERS = {"22.04": "jammy", "24.04": "noble", "25.10": "questing"}
_CODENAMES = {**{name: "debian" for name in ("buster", "bullseye", "bookworm", "trixie", "forky", "sid")},
              **{name: "ubuntu" for name in ("focal", "jammy", "noble", "oracular", "plucky", "questing", "resolute")}}

_PACKAGES = r"nginx(?:-(?:full|light|extras|core|mainline))?"
# One package argument of an install command, with its pin if any.
_APT_ARG = re.compile(rf"^{_PACKAGES}(?:=(?P<pin>\S+))?$")
_APK_ARG = re.compile(rf"^{_PACKAGES}(?:(?P<op>~=|~|=|>=|<|>)(?P<pin>\S+))?$")
_RPM_ARG = re.compile(rf"^{_PACKAGES}(?:-(?P<pin>\d[\w.:~+-]*))?$")
_INSTALLERS = {"apt-get": "apt", "apt": "apt", "aptitude": "apt", "apk": "apk", "yum": "rpm", "dnf": "rpm",
               "microdnf": "rpm", "tdnf": "rpm", "zypper": "rpm"}


@record(frozen=True)
class PackageInstall:
    """An nginx package a RUN instruction installs: the installer family and the pin."""

    family: str  # apt, apk or rpm
    pin: str | None
    operator: str = "="
    line: int = 1


def install_in(command: str, line: int) -> PackageInstall | None:
    """The nginx package a RUN command installs, or None (the words are split like sh)."""
    from nglint.sources.argv import split_shell

    words = split_shell(command.replace("\\\n", " ")) or command.split()
    found = None
    installer = None
    for word in words:
        if word in ("&&", "||", ";", "|"):
            installer = None
            continue
        base = word.rsplit("/", 1)[-1]
        if base in _INSTALLERS:
            installer = _INSTALLERS[base]
            continue
        if installer is None or word.startswith("-") or word in ("install", "add", "update", "upgrade"):
            continue
        pattern = {"apt": _APT_ARG, "apk": _APK_ARG, "rpm": _RPM_ARG}[installer]
        match = pattern.match(word.strip("'\""))
        if match:
            groups = match.groupdict()
            found = PackageInstall(installer, groups.get("pin"), groups.get("op") or "=", line)
    return found


def version_of_install(install: PackageInstall, base: str | None):
    """(NginxVersion or None, reason when None) for an install on top of image `base`."""
    from nglint.sources.nginx.versions import NginxVersion

    if install.pin:
        version = _upstream_version(install.pin)
        if version is None:
            return None, f"nginx package pin {install.pin!r} is not a version nglint can read"
        if install.operator in (">=", ">", "<"):
            return None, f"nginx package constraint {install.operator}{install.pin} names no single version"
        series = install.operator in ("~=", "~") or install.pin.endswith("*") or len(version) == 2
        if series:
            version = (version[0], version[1], _SERIES_NEWEST)
            return NginxVersion(version, f"the newest nginx {version[0]}.{version[1]}.x, package pin {install.pin}"), ""
        return NginxVersion(version, f"nginx {'.'.join(map(str, version))}, package pin {install.pin}"), ""
    release, reason = distribution_release(base)
    if release is None:
        return None, reason
    version, url = RELEASES[release]
    shown = f"nginx {version[0]}.{version[1]}.x" if version[2] == _SERIES_NEWEST else f"nginx {'.'.join(map(str, version))}"
    return NginxVersion(version, f"{shown}, the {release[0]} {release[1]} package (base image {base}, as of {AS_OF})", url), ""


def _upstream_version(pin: str) -> tuple[int, ...] | None:
    """1.22.1 of `1.22.1-9`, `1:1.18.0-6ubuntu14`, `1.24.0-r7`, `1.26.*`, `1.20.1-14.el9`."""
    text = pin.split(":", 1)[1] if re.match(r"^\d+:", pin) else pin
    match = re.match(r"^(\d+)\.(\d+)(?:\.(\d+))?", text)
    if not match:
        return None
    major, minor, patch = match.groups()
    return (int(major), int(minor), int(patch)) if patch else (int(major), int(minor))


def distribution_release(base: str | None) -> tuple[tuple[str, str] | None, str]:
    """((distribution, release) in RELEASES, "") for a base image, or (None, reason)."""
    from nglint.sources.process import image_name

    if not base or "${" in base or base.startswith("$"):
        return None, f"base image {base or '(none)'} is not known before the build"
    name, tag = image_name(base)
    tag = (tag or "").lower()
    short = name.rsplit("/", 1)[-1]
    candidates: list[tuple[str, str]] = []
    if short == "debian":
        release = _DEBIAN_NUMBERS.get(tag.split("-", 1)[0].split(".", 1)[0], tag.split("-", 1)[0])
        candidates.append(("debian", release))
    elif short == "ubuntu":
        release = _UBUNTU_NUMBERS.get(tag, tag.split("-", 1)[0])
        candidates.append(("ubuntu", release))
    elif short == "alpine":
        candidates.append(("alpine", ".".join(tag.split(".")[:2])))
    else:
        # Language images name their base in the tag: python:3.12-slim-bookworm, node:20-alpine3.20.
        for part in re.split(r"[-_]", tag):
            if part in _CODENAMES:
                candidates.append((_CODENAMES[part], part))
            elif part.startswith("alpine") and re.fullmatch(r"alpine\d+\.\d+", part):
                candidates.append(("alpine", part[len("alpine"):]))
    for candidate in candidates:
        if candidate in RELEASES:
            return candidate, ""
    if candidates:
        return None, f"no nginx version on record for {candidates[0][0]} {candidates[0][1] or '(untagged)'} (base image {base})"
    return None, f"base image {base} does not name a distribution release nglint knows"
