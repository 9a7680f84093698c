"""Files nginx packages install next to nginx.conf, which repositories rarely commit.

A repository that copies only its `nginx.conf` over a packaged or official-image install
still writes `include mime.types;`: the file is there at run time, just not in the tree.
Such an include is never an error, whether written relatively or absolutely, found or not.

Each entry names where the file comes from, so the list can be checked against its source.
"""

from __future__ import annotations

import os

# The files of nginx's own source tree, conf/: `make install`, the official Docker image
# (nginx.org packages) and distribution packages all install them into the prefix.
_NGINX_SOURCE = "nginx source tree conf/ (https://github.com/nginx/nginx/tree/master/conf)"
# Debian's nginx-common adds these (`dpkg -L nginx-common`, Debian 12, nginx 1.22.1).
_DEBIAN = "Debian nginx-common (https://packages.debian.org/bookworm/all/nginx-common/filelist)"

STOCK_INCLUDES: dict[str, str] = {
    "mime.types": _NGINX_SOURCE,
    "fastcgi_params": _NGINX_SOURCE,
    "fastcgi.conf": _NGINX_SOURCE,
    "scgi_params": _NGINX_SOURCE,
    "uwsgi_params": _NGINX_SOURCE,
    "koi-utf": _NGINX_SOURCE,
    "koi-win": _NGINX_SOURCE,
    "win-utf": _NGINX_SOURCE,
    "proxy_params": _DEBIAN,
    "snippets/fastcgi-php.conf": _DEBIAN,
    "snippets/snakeoil.conf": _DEBIAN,
}

# Absolute spellings are these names under an install prefix (/etc/nginx/mime.types).
_PREFIXES = ("/etc/nginx", "/usr/local/nginx/conf", "/usr/local/etc/nginx", "/opt/homebrew/etc/nginx", "/usr/local/openresty/nginx/conf")


# Directories whose globbed includes a packaged nginx.conf writes: an absolute glob there
# that matches nothing in the repository includes nothing in nginx either (a glob never
# fails), so it is not worth a finding. Fedora/RHEL load dynamic modules from the last.
_GLOB_DIRS = _PREFIXES + ("/usr/share/nginx/modules",)


def stock_glob(pattern: str) -> bool:
    """True for an absolute glob under a packaged nginx's directories (`/etc/nginx/conf.d/*.conf`)."""
    from nglint.boundary import has_magic

    normalized = os.path.normpath(pattern)  # `/etc/nginx/../../x/*` is not under /etc/nginx
    return has_magic(pattern) and any(normalized.startswith(prefix + "/") for prefix in _GLOB_DIRS)


def stock_name(pattern: str) -> str | None:
    """The stock file an include names (`mime.types`, `/etc/nginx/mime.types`,
    `snippets/fastcgi-php.conf`), or None. Relative and absolute spellings give one answer."""
    text = pattern.replace("\\", "/")
    if text.startswith("/"):
        normalized = os.path.normpath(text)
        for prefix in _PREFIXES:
            if normalized.startswith(prefix + "/"):
                text = normalized[len(prefix) + 1 :]
                break
        else:
            return None
    while text.startswith("./"):
        text = text[2:]
    if text in STOCK_INCLUDES:
        return text
    return None


def stock_message(pattern: str) -> str:
    """One sentence: nothing is wrong, and how to have the file checked anyway."""
    return f"include {pattern!r} is a stock nginx file not in the repository, not read (map it with nginx-prefix to check it)"
