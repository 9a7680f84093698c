"""Run one fuzz target under atheris (libFuzzer): `python fuzz/run.py nginx [libFuzzer flags]`.

    python fuzz/run.py nginx -max_total_time=600          # ten minutes locally
    python fuzz/run.py server_xml -max_total_time=30 /tmp/corpus-xml fuzz/regressions/server_xml

Sensible defaults are added unless given: a per-input timeout, an RSS limit, the token
dictionary for nginx, and artifacts (crashing inputs) written to ./fuzz-artifacts/.
"""

from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in ("nginx", "server_xml", "fastparse", "error_log", "tree"):
        sys.exit("usage: python fuzz/run.py {nginx|server_xml|fastparse|error_log|tree} [libFuzzer flags and corpus dirs]")
    target = sys.argv[1]
    flags = sys.argv[2:]
    import atheris  # only needed to fuzz; the targets themselves do not need it

    sys.path.insert(0, HERE)
    with atheris.instrument_imports(include=["nglint", "crossplane", "targets", "whole_tree"]):
        import targets

        targets.warm()
    defaults = {"-timeout=": "-timeout=30", "-rss_limit_mb=": "-rss_limit_mb=2048", "-artifact_prefix=": "-artifact_prefix=fuzz-artifacts/"}
    if target in ("nginx", "fastparse", "tree"):
        defaults["-dict="] = f"-dict={os.path.join(HERE, 'nginx.dict')}"
    for prefix, flag in defaults.items():
        if not any(f.startswith(prefix) for f in flags):
            flags.append(flag)
    artifact = next(f for f in flags if f.startswith("-artifact_prefix=")).split("=", 1)[1]
    if artifact.endswith("/"):
        os.makedirs(artifact, exist_ok=True)
    atheris.Setup([sys.argv[0], *flags], targets.TARGETS[target])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
