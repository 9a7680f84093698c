"""Which nginx version an image runs, from its tag: data, with the date it holds for.

A version tag (`nginx:1.27-alpine`, `nginxinc/nginx-unprivileged:1.29.8`) says it outright;
a series tag (`1.29`) means that series' newest patch release. Moving tags (`stable`,
`mainline`, `latest`, no tag) mean what they pointed to on AS_OF: an image pulled earlier
may be older, so messages name the tag and the date. OpenResty's version starts with the
nginx core it bundles (1.27.1.2 bundles nginx 1.27.1); its moving tags stay unknown.
"""

from __future__ import annotations

import re

from nglint.records import record

AS_OF = "2026-12-01"
# Verified against the nginx GitHub releases: release-1.30.3 (stable, 2026-06-17, "nginx-1.30.3
# stable version has been released") and mainline 1.31.1 (2026-06); nginx.org/en/download.html
# lists the current stable and mainline lines.
MOVING_TAGS = {
    "stable": ((1, 30, 3), "https://github.com/nginx/nginx/releases/tag/release-1.30.3"),
    "mainline": ((1, 31, 1), "https://nginx.org/en/download.html"),
    "latest": ((1, 31, 1), "https://nginx.org/en/download.html"),
}
NGINX_IMAGES = ("nginx", "nginxinc/nginx-unprivileged", "bitnami/nginx", "nginxinc/nginx-plus")
OPENRESTY_IMAGES = ("openresty/openresty",)
_SERIES_NEWEST = 999  # a series tag (1.29) runs that series' newest patch


@record(frozen=True)
class NginxVersion:
    """A version and the words that say where it came from."""

    version: tuple[int, ...]
    source: str
    url: str = ""
    location: object = None  # where the image is named (a compose service), when known


def version_of_image(image: str | None) -> NginxVersion | None:
    """The nginx version an image reference runs, or None when the tag does not say."""
    from nglint.sources.process import image_name

    if not image or "${" in image:
        return None
    name, tag = image_name(image)
    tag = tag or "latest"
    if name in OPENRESTY_IMAGES:
        match = re.match(r"^(\d+)\.(\d+)\.(\d+)", tag)
        if match:
            version = tuple(int(part) for part in match.groups())
            return NginxVersion(version, f"nginx {'.'.join(map(str, version))} bundled in image {image}",
                                "https://openresty.org/en/changelog-1027001.html")
        return None
    if name not in NGINX_IMAGES and not name.endswith("/nginx"):
        return None
    match = re.match(r"^(\d+)\.(\d+)(?:\.(\d+))?", tag)
    if match:
        major, minor, patch = match.groups()
        version = (int(major), int(minor), int(patch) if patch else _SERIES_NEWEST)
        shown = f"nginx {major}.{minor}.{patch}" if patch else f"the newest nginx {major}.{minor}.x"
        return NginxVersion(version, f"{shown} from image {image}")
    moving = re.match(r"^(stable|mainline|latest)\b", tag) or (re.match(r"^(alpine|perl|otel|bookworm|trixie)", tag) and "latest")
    if moving:
        key = moving if isinstance(moving, str) else moving.group(1)
        version, url = MOVING_TAGS[key]
        return NginxVersion(version, f"nginx {'.'.join(map(str, version))}, what image {image} ran on {AS_OF}", url)
    return None
