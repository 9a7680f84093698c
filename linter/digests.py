"""The sha256 of a file's bytes as they were read for linting.

Every run digests each nginx file it parses (so `--fix` can refuse a file that changed
since it was checked), yet only `--fix` ever compares the digests. `hashlib` loads
OpenSSL's bindings on import, about 2 ms: a twentieth of a one-file run. CPython's own
sha256 module is built in and loads at once but hashes several times slower, so it
digests the first bytes of a run, and hashlib takes over once a run has hashed enough
for its speed to pay for its import. Same algorithm, same hex digest either way.
"""

from __future__ import annotations

import sys

# Bytes hashed by the built-in sha256 before hashlib is loaded. At about 300 MB/s
# against OpenSSL's 1.5 GB/s the built-in one loses 2.7 ms per MB, and loading hashlib
# costs about 3 ms: they break even near 1 MB.
BUILTIN_LIMIT = 1024 * 1024

_hashed = 0


def sha256_hex(data: bytes) -> str:
    global _hashed
    _hashed += len(data)
    if _hashed <= BUILTIN_LIMIT and "hashlib" not in sys.modules:
        builtin = _builtin_sha256()
        if builtin is not None:
            return builtin(data).hexdigest()
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _builtin_sha256():
    """CPython's built-in sha256 constructor (the one hashlib falls back to), or None."""
    try:
        if sys.version_info >= (3, 12):
            from _sha2 import sha256
        else:
            from _sha256 import sha256
    except ImportError:  # another interpreter, or a build without it
        return None
    return sha256
