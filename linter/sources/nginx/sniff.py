"""Is this file an nginx configuration? One answer for discovery and for `--changed`.

`*.conf` is everybody's extension: php-fpm pools, supervisor, systemd drop-ins, HAProxy
and Apache all use it, and some of them even share directive names with nginx (`listen`,
`server`). Names only decide which files are worth a look; the content decides. nginx
writes statements that end in `;` and blocks that open with `{`; the others write INI
sections, `key = value` lines, `<Tags>` or brace-less sections.
"""

from __future__ import annotations

import os
import re
import stat
import sys

SNIFF_BYTES = 65536

# Names that are nginx by convention, whatever a sniff says.
_ALWAYS = ("nginx.conf",)
# Suffixes worth sniffing: the usual one, the vhost conventions, and the official image's
# envsubst templates (/etc/nginx/templates/*.conf.template).
_SUFFIXES = (".conf", ".nginx", ".vhost", ".conf.template", ".nginx.template")
# Directories whose extension-less files are nginx by convention (Debian's sites-*):
# the file's own directory, not any ancestor (a checkout under ~/nginx/ is not a hint).
_NGINX_DIRS = ("sites-available", "sites-enabled", "conf.d", "nginx", "snippets")
_NOT_CONFIG = ("dockerfile", "containerfile", "makefile", "license", "readme", "procfile", "jenkinsfile", "vagrantfile")

# Each pattern is applied to one line with re.match, so the cost stays linear in the
# sniffed bytes (no search retried from every offset, no nested quantifiers).
_STATEMENT = rb"[ \t]*[A-Za-z_][\w.-]*(?:[ \t][^\n]*)?;[ \t]*(?:#[^\n]*)?\r?$"
_BLOCK = rb"[ \t]*[A-Za-z_][\w-]*(?:[ \t][^\n{};#]*)?\{[ \t]*(?:#[^\n]*)?\r?$"
_ONE_LINE_BLOCK = rb"[ \t]*[A-Za-z_][\w-]*(?:[ \t][^\n{};#]*)?\{[^\n]*;[ \t]*\}[ \t]*(?:#[^\n]*)?\r?$"
_FOREIGN = (
    rb"[ \t]*\[[^\]\n]+\][ \t]*\r?$",  # INI section: php-fpm [www], supervisor, systemd [Unit]
    rb"[ \t]*[\w.:-]+[ \t]*=",  # key = value: php-fpm, systemd, supervisor
    rb"[ \t]*</?[A-Za-z][\w]*(?:[ \t>]|\r?$)",  # Apache <VirtualHost>, <Directory>
    rb"(?:global|defaults|(?:frontend|backend|listen|resolvers|userlist|peers)[ \t]+[^\s;{]+)[ \t]*\r?$",  # HAProxy
    rb"[ \t]*\};",  # C-like blocks: BIND named.conf, keepalived
)

# One match per line for each side: the alternatives above, tried in order.
_NGINX_LINE = re.compile(b"|".join((_STATEMENT, _BLOCK, _ONE_LINE_BLOCK)))
_FOREIGN_LINE = re.compile(b"|".join(_FOREIGN))


def worth_sniffing(path: str) -> bool:
    """True for a file whose name says it may be nginx (the content decides). A template
    (`nginx.conf.erb`, `site.conf.j2`) is judged by the name it renders to, or by naming nginx."""
    from nglint.sources.nginx.templating import rendered_name

    rendered = rendered_name(path)
    if rendered != path:
        return _worth_by_name(rendered) or "nginx" in os.path.basename(rendered).lower()
    return _worth_by_name(path)


def _worth_by_name(path: str) -> bool:
    name = os.path.basename(path)
    if name in _ALWAYS or name.endswith(_SUFFIXES):
        return True
    if "." in name or name.lower() in _NOT_CONFIG:
        return False
    return os.path.basename(os.path.dirname(path)) in _NGINX_DIRS


def is_nginx_file(path: str) -> bool:
    """True for a file nglint should read as nginx: an nginx name, or a likely name with
    nginx content. Never opens anything but a regular file (a FIFO would block)."""
    name = os.path.basename(path)
    if name in _ALWAYS:
        return True
    return worth_sniffing(path) and looks_like_nginx(path)  # templates sniff too: *.erb is not always nginx


def explicit_nginx(path: str) -> bool:
    """A file named on the command line: nginx when its name may be nginx and its content
    is not plainly something else (a php-fpm pool), or when its content is nginx."""
    name = os.path.basename(path)
    if name in _ALWAYS:
        return True
    head = _head(path)
    if head is None:
        return True  # unreadable: let the parser record why
    nginx, foreign = _score(head)
    if worth_sniffing(path):
        return not (foreign > nginx)
    return nginx > 0 and nginx > foreign


def _head(path: str) -> bytes | None:
    """The first bytes of a regular file (b"" for a FIFO or device, which would block or
    never end), through the one boundary read; None when it cannot be read."""
    from nglint import boundary

    info = boundary.stat_path(path)
    if isinstance(info, str):
        return None
    if not stat.S_ISREG(info.st_mode):
        return b""
    from nglint.sources.nginx.templating import mask

    try:
        return mask(path, boundary.open_limited(path, sys.maxsize, head=SNIFF_BYTES))
    except boundary.Refused:
        return None


def looks_like_nginx(path: str) -> bool:
    """Sniff the first 64 KiB: more nginx statements and blocks than foreign lines."""
    head = _head(path)
    if head is None:
        return True  # unreadable: let the parser record why
    return looks_like_nginx_text(head)


def looks_like_nginx_text(head: bytes) -> bool:
    nginx, foreign = _score(head, settle=True)
    return nginx > 0 and nginx > foreign


def _score(head: bytes, settle: bool = False) -> tuple[int, int]:
    """(nginx lines, foreign lines) among the sniffed bytes. A comment line (nginx's `#`,
    INI's `;`) or a blank one matches no nginx pattern, and is no foreign line either.

    With `settle`, counting stops once the lines still unread could not change which side
    has more: the counts returned then decide `nginx > foreign` as the full ones would."""
    lines = head.split(b"\n")
    unread = len(lines)
    nginx = foreign = 0
    is_nginx, is_foreign = _NGINX_LINE.match, _FOREIGN_LINE.match
    for line in lines:
        unread -= 1
        if is_nginx(line):
            nginx += 1
            if settle and nginx > foreign + unread:
                break
        elif is_foreign(line):
            stripped = line.lstrip()
            if stripped and not stripped.startswith((b"#", b";")):
                foreign += 1
                if settle and foreign >= nginx + unread:
                    break
    return nginx, foreign
