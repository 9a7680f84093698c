"""Where a report goes: stdout in any locale, or `--output FILE` written atomically.

CI uploads whatever file the step left behind, so a report file is either complete or
absent: it is written to a temporary file in the same directory, flushed to disk, and
renamed over the target; a full disk or an interrupt leaves the previous file (or none)
and no temporary file. stdout may be a strict ASCII or Latin-1 stream (LC_ALL=C on an
old Python, PYTHONIOENCODING=ascii): characters it cannot encode are written as
backslash escapes rather than ending the run in UnicodeEncodeError.
"""

from __future__ import annotations

import contextlib
import os
import sys

from nglint import interrupts

TEMP_PREFIX = ".nglint-"


def tolerant_streams() -> None:
    """Let stdout and stderr write any text, escaping what their encoding lacks."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.reconfigure(errors="backslashreplace")


def write_atomic(path: str, data: bytes) -> None:
    """Replace `path` with `data` all at once; OSError (and nothing written) on failure."""
    import tempfile  # only for --output: it pulls in shutil, random and hashlib

    directory = os.path.dirname(os.path.abspath(path))
    with interrupts.held():
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(tmp, 0o666 & ~umask)  # what open(path, "w") would have created
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
