"""Stream the lines of log files, rotated or gzipped, or of stdin, in bounded memory.

Logs are read in blocks and split into lines with `bytes.split` (C speed), never read
whole: an error.log of gigabytes is normal. A line longer than MAX_LINE (no newline in
sight: a binary file, a corrupt log) is cut off and reported as overlong instead of
growing the buffer without bound. gzip is recognised by its magic bytes, not by the
file name, so `error.log.2.gz` and a renamed `error.log-20250101` both work.
"""

from __future__ import annotations

import gzip
import os
import sys
from typing import BinaryIO, Callable, Iterator

BLOCK = 1 << 20
MAX_LINE = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"


class InputError(Exception):
    """A log that cannot be read at all (missing, a directory, unreadable): exit 2."""


class Source:
    """One input: a path or `-` (stdin), opened lazily, with its size when known."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.size: int | None = None
        self.overlong = 0

    @property
    def display(self) -> str:
        return "<stdin>" if self.name == "-" else self.name

    def check(self) -> None:
        """Fail early, before any output, on an input that cannot be read."""
        if self.name == "-":
            return
        try:
            with open(self.name, "rb") as handle:
                self.size = os.fstat(handle.fileno()).st_size
                if not _is_readable_kind(handle):
                    raise InputError(f"{self.name}: not a regular file or a pipe")
        except IsADirectoryError:
            raise InputError(f"{self.name}: is a directory") from None
        except OSError as exc:
            raise InputError(f"{self.name}: {exc.strerror or exc}") from None

    def is_gzip(self) -> bool:
        if self.name == "-":
            return False
        with open(self.name, "rb") as handle:
            return handle.read(2) == _GZIP_MAGIC

    def open(self) -> BinaryIO:
        handle = sys.stdin.buffer if self.name == "-" else open(self.name, "rb")
        try:
            magic = handle.peek(2)[:2] if hasattr(handle, "peek") else b""
        except OSError:
            magic = b""
        if magic == _GZIP_MAGIC:
            return gzip.GzipFile(fileobj=handle, mode="rb")  # type: ignore[return-value]
        return handle

    def blocks(self, progress: Callable[[int], None] | None = None) -> Iterator[list[bytes]]:
        """Lists of complete lines (without line breaks), block by block."""
        handle = self.open()
        raw = getattr(handle, "fileobj", None) or handle
        try:
            yield from self._split(handle, raw, progress)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise InputError(f"{self.display}: read failed: {exc}") from None
        finally:
            if raw is not sys.stdin.buffer:
                handle.close()
                if raw is not handle:
                    raw.close()

    def range_blocks(self, start: int, end: int) -> Iterator[list[bytes]]:
        """The lines of bytes [start, end) of a plain file; `start` is a line start (see
        nglint.explain.parallel, which cuts a large file into such ranges)."""
        with open(self.name, "rb") as handle:
            handle.seek(start)
            yield from self._split(_Limited(handle, end - start), handle, None)

    def _split(self, handle: BinaryIO, raw, progress) -> Iterator[list[bytes]]:
        carry = b""
        skipping = False  # inside an overlong line, dropping bytes up to its newline
        read = handle.read
        while True:
            block = read(BLOCK)
            if not block:
                break
            if progress is not None and raw is not sys.stdin.buffer:
                progress(raw.tell())
            if skipping:
                newline = block.find(b"\n")
                if newline < 0:
                    continue
                block = block[newline + 1:]
                skipping = False
            if carry:
                block = carry + block
            lines = block.split(b"\n")
            carry = lines.pop()
            if b"\r" in block:  # CRLF (nginx on Windows): fields must not end in a CR
                lines = strip_cr(lines)
            if len(carry) > MAX_LINE:
                self.overlong += 1
                carry = b""
                skipping = True
            yield lines
        if carry and not skipping:
            yield strip_cr([carry])


class _Limited:
    """A reader that stops after `remaining` bytes."""

    def __init__(self, handle: BinaryIO, remaining: int) -> None:
        self.handle = handle
        self.remaining = remaining

    def read(self, size: int) -> bytes:
        data = self.handle.read(min(size, self.remaining)) if self.remaining > 0 else b""
        self.remaining -= len(data)
        return data


def _is_readable_kind(handle) -> bool:
    """Regular files and pipes (`<(zcat ...)`); not devices, which may never end."""
    import stat

    mode = os.fstat(handle.fileno()).st_mode
    return stat.S_ISREG(mode) or stat.S_ISFIFO(mode)


def strip_cr(lines: list[bytes]) -> list[bytes]:
    """CRLF logs (nginx on Windows): drop the CR so fields do not end in one."""
    return [line[:-1] if line.endswith(b"\r") else line for line in lines]
