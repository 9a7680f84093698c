"""The one place that decides what nglint may read: the checked tree and its edges.

Files under review come from pull requests, so every path nglint touches goes through
here: is it inside the tree (decided on the include *pattern* before anything is listed,
and on the real path once symlinks are resolved), what does the file system say about it
(every OSError, ELOOP, EACCES, ENAMETOOLONG, a NUL byte, becomes a reason string for a
finding, never an exception), and may its bytes be read (a regular file within the size
limit, read once). Readers, the reporters' source cache, the fixer and discovery all ask
this module, so the security check is written once.
"""

from __future__ import annotations

import os
import re
import stat
import sys

from nglint.records import record


# The documented default of `max-file-size` (nglint.config.Settings), for the few reads
# that happen outside a run's settings (a fix editor, a fingerprint without a cache).
DEFAULT_MAX_SIZE = 10 * 1024 * 1024


class Refused(Exception):
    """A file that may not or cannot be read; `reason` is the text of the finding."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def os_reason(exc: BaseException) -> str:
    """A short, path-free reason for an OS failure (the finding names the path already)."""
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    if isinstance(exc, RecursionError):
        return "Too many levels of symbolic links"
    if isinstance(exc, ValueError):
        return "invalid file name"
    return type(exc).__name__


_FS_ERRORS = (OSError, ValueError, RecursionError)


def real_path(path: str) -> str | None:
    """The path with every symlink resolved, or None when it cannot be resolved at all
    (a link the process may not read, such as /proc/1/cwd, a NUL byte, a very long chain)."""
    try:
        return os.path.realpath(path)
    except _FS_ERRORS:
        return None


def lstat(path: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except _FS_ERRORS:
        return None


def stat_path(path: str) -> os.stat_result | str:
    """`os.stat` (symlinks followed), or the reason it failed."""
    try:
        return os.stat(path)
    except _FS_ERRORS as exc:
        return os_reason(exc)


def is_dir(path: str) -> bool:
    info = stat_path(path)
    return not isinstance(info, str) and stat.S_ISDIR(info.st_mode)


def is_file(path: str) -> bool:
    info = stat_path(path)
    return not isinstance(info, str) and stat.S_ISREG(info.st_mode)


def exists(path: str) -> bool:
    """Whether the name exists (a dangling symlink counts), never raising."""
    return lstat(path) is not None


def within(path: str, root: str) -> bool:
    """Lexical containment of two normalised absolute paths."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _regular_file(path: str, max_size: int) -> os.stat_result:
    """The stat of a regular file within `max_size`, else Refused with the reason.

    Directories, FIFOs and devices are never opened: a FIFO would block forever and
    /dev/zero never ends."""
    info = stat_path(path)
    if isinstance(info, str):
        raise Refused(f"cannot read file: {info}")
    if stat.S_ISDIR(info.st_mode):
        raise Refused("is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise Refused("not a regular file")
    if info.st_size > max_size:
        raise Refused(f"file is {info.st_size} bytes, over the max-file-size limit of {max_size}")
    return info


class remembered_reads:
    """Within the `with` block, a file read to its end is not read again while its
    identity (device, inode, size, modification and change times) is unchanged.

    Loading reads a file up to three times: a sniff of its first bytes to decide it is
    nginx, a look for an `nginx -T` header, the parse. For the small files real trees are
    made of the sniff already holds every byte, and the later reads cost a stat instead
    of an open, a read and a close. What may be kept is bounded by `budget` bytes."""

    def __init__(self, budget: int = 32 * 1024 * 1024) -> None:
        self.files: dict[str, tuple[tuple, bytes]] = {}
        self.budget = budget
        self._previous: remembered_reads | None = None

    def __enter__(self) -> "remembered_reads":
        global _remembered
        self._previous, _remembered = _remembered, self
        return self

    def __exit__(self, *exc_info) -> None:
        global _remembered
        _remembered = self._previous


_remembered: remembered_reads | None = None


def open_limited(path: str, max_size: int, head: int | None = None) -> bytes:
    """The bytes of a regular file of at most `max_size` bytes, read once; Refused otherwise.
    With `head`, only that many first bytes (a sniff), the size limit still applied.
    A buffer given on stdin for this path (nglint.overlay) is read instead of the disk,
    so every reader sees the editor's unsaved text."""
    from nglint import overlay

    buffered = overlay.content(path)
    if buffered is not None:
        if len(buffered) > max_size:
            raise Refused(f"file is over the max-file-size limit of {max_size} bytes")
        return buffered if head is None else buffered[:head]
    info = _regular_file(path, max_size)
    size = info.st_size
    memo = _remembered
    if memo is not None:
        identity = (info.st_dev, info.st_ino, size, info.st_mtime_ns, info.st_ctime_ns)
        known = memo.files.get(path)
        if known is not None and known[0] == identity:
            return known[1] if head is None else known[1][:head]
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except _FS_ERRORS as exc:
        raise Refused(f"cannot read file: {os_reason(exc)}") from None
    try:
        # Swapped for a FIFO between the stat and the open: O_NONBLOCK kept the open from
        # blocking, and this refuses it before any read.
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise Refused("not a regular file")
        limit = max_size + 1 if head is None else min(head, max_size + 1)
        data = _read_up_to(fd, limit, size + 1)
    except OSError as exc:
        raise Refused(f"cannot read file: {os_reason(exc)}") from None
    finally:
        os.close(fd)
    if len(data) > max_size:
        raise Refused(f"file is over the max-file-size limit of {max_size} bytes")
    if memo is not None and len(data) < limit and len(data) <= memo.budget:  # read to its end
        memo.budget -= len(data)
        memo.files[path] = (identity, data)
    return data


def _read_up_to(fd: int, limit: int, expected: int) -> bytes:
    """At most `limit` bytes from `fd`, until the end of the file (os.read on the
    descriptor: no buffered file object for a read that happens once). `expected` is
    the size stat gave plus one, so a file is read whole into one buffer of its own
    size; the next call only confirms the end (or reads on, if the file grew)."""
    chunks: list[bytes] = []
    remaining = limit
    want = expected
    while remaining > 0:
        chunk = os.read(fd, min(remaining, want))
        want = _CHUNK  # the end, or a file that grew: small reads, no large buffer each
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


_CHUNK = 1 << 16


class RealPaths:
    """os.path.realpath for one run, memoized and composed one component at a time.

    realpath lstats every component of every path it is given, and a tree's paths share
    most of their components: the files of one directory, the directories of one
    repository. Here each distinct path costs one lstat, of its last component, on top
    of its parent's memoized answer; wherever a component is a symlink, or the path is
    not absolute and normalised, os.path.realpath itself answers. It resolves component
    by component too, so the answer is the same (tests/test_boundary_paths.py holds it
    to realpath over links, loops, `..` and missing names). The tree is assumed not to
    change while it is linted, as everywhere else in a run."""

    def __init__(self) -> None:
        self._known: dict[str, str | None] = {}

    def real(self, path: str) -> str | None:
        known = self._known.get(path, _UNSET)
        if known is not _UNSET:
            return known
        if not path.startswith(os.sep) or path.startswith("//") or "\0" in path or os.path.normpath(path) != path:
            found = self._known[path] = real_path(path)
            return found
        return self._compose(path)

    def _compose(self, path: str) -> str | None:
        """Walk up to the nearest known ancestor (the root at worst), then down again:
        a loop, not recursion, so a tree a thousand directories deep is no problem."""
        below: list[tuple[str, str]] = []
        current = path
        while True:
            known = self._known.get(current, _UNSET)
            if known is not _UNSET:
                real = known
                break
            parent, _, name = current.rpartition(os.sep)
            if not name:  # the root
                real = self._known[current] = real_path(current)
                break
            below.append((current, name))
            current = parent or os.sep
        for current, name in reversed(below):
            if real is not None:
                try:
                    is_link = stat.S_ISLNK(os.lstat(current).st_mode)
                except OSError:
                    is_link = False  # missing or unreadable: realpath keeps the name as it is
                real = real_path(current) if is_link else os.path.join(real, name)
            self._known[current] = real
        return real


@record
class GlobResult:
    """What an include pattern names inside the tree.

    `outside` is set when the pattern, or a symlink on the way, leads out of the tree;
    it is decided on the pattern and on links inside the tree, never on whether a file
    exists outside, so the finding reveals nothing about the machine."""

    matches: list[str]
    outside: bool = False


_MAGIC = re.compile(r"[*?[]")
_UNSET = object()


class Boundary:
    """The checked tree: directories whose files may be read, and single files allowed
    besides (a `--config` file, a path given with `--allow-outside`)."""

    def __init__(self, roots: list[str], extra_files: list[str] | None = None) -> None:
        self.lexical_roots = sorted({os.path.normpath(os.path.abspath(r)) for r in roots})
        self.roots = sorted({r for r in (real_path(root) for root in self.lexical_roots) if r})
        self.extra_files = {r for r in (real_path(f) for f in extra_files or ()) if r}
        self.paths = RealPaths()

    def real(self, path: str) -> str | None:
        """The path with every symlink resolved (see RealPaths), None when it cannot be."""
        return self.paths.real(path)

    def contains(self, path: str) -> bool:
        """True when `path`, symlinks resolved, is inside a root (or an allowed file).
        A path that cannot be resolved is outside: nothing is read through it."""
        real = self.real(path)
        if real is None:
            return False
        return real in self.extra_files or any(within(real, root) for root in self.roots)

    def contains_lexically(self, path: str) -> bool:
        """The pattern test: `..` resolved by name only, before anything is listed."""
        norm = os.path.normpath(os.path.abspath(path))
        return any(within(norm, root) for root in self.lexical_roots + self.roots)

    def glob(self, pattern: str) -> GlobResult:
        """Expand an absolute include pattern the way nginx's glob(3) does, without ever
        listing or statting a directory outside the tree.

        The pattern is normalised and held to the tree by name first; then it is walked
        one component at a time, and a directory or file reached through a symlink that
        leaves the tree stops the walk there (`outside`), whether or not anything lies
        behind it."""
        norm = os.path.normpath(os.path.abspath(pattern))
        if not self.contains_lexically(norm):
            return GlobResult([], outside=True)
        if not _MAGIC.search(norm):
            # Containment before existence: through a symlink out of the tree, whether
            # the file exists is a fact about the machine, not about the tree.
            if not self.contains(norm):
                return GlobResult([], outside=True)
            return GlobResult([norm] if exists(norm) else [])
        parts = norm.split(os.sep)
        # The literal directory above the first magic component: held to the tree once.
        first = next(i for i, part in enumerate(parts) if _MAGIC.search(part))
        start = os.sep.join(parts[:first]) or os.sep
        if not self.contains(start):
            return GlobResult([], outside=True)
        current = [start]
        outside = False
        for index in range(first, len(parts)):
            part = parts[index]
            last = index == len(parts) - 1
            found: list[str] = []
            for directory in current:
                if _MAGIC.search(part):
                    import fnmatch

                    hidden = part.startswith(".")
                    names = sorted(n for n in _list_dir(directory) if (hidden or not n.startswith(".")) and fnmatch.fnmatchcase(n, part))
                else:
                    names = [part]
                for name in names:
                    candidate = os.path.join(directory, name)
                    if not self.contains(candidate):
                        outside = True
                    elif last and exists(candidate) or not last and is_dir(candidate):
                        found.append(candidate)
            current = found
            if not current:
                break
        return GlobResult(sorted(current), outside=outside)


def _list_dir(directory: str) -> list[str]:
    try:
        with os.scandir(directory) as entries:
            return [entry.name for entry in entries]
    except _FS_ERRORS:
        return []


def has_magic(pattern: str) -> bool:
    return _MAGIC.search(pattern) is not None  # glob.has_magic's test, without importing glob


def read_text(path: str, max_size: int) -> str:
    """`open_limited` decoded as UTF-8 with replacement (readers that parse text)."""
    return open_limited(path, max_size).decode("utf-8", errors="replace")


def sniff(path: str, size: int) -> bytes | None:
    """The first `size` bytes of a regular file, for a reader's `claims`; None for a
    FIFO, device, link or unreadable file (never opened, never blocks)."""
    if os.path.islink(path):
        return None  # claims() cannot tell whether a link leaves the tree: never sniff one
    try:
        return open_limited(path, sys.maxsize, head=size)
    except Refused:
        return None
