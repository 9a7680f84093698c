"""Send HTTP requests one at a time with a fixed idle gap, as the original bug reports did.

The reports that found the keep-alive race ran `curl -X POST ...; sleep N` with N equal to
the backend's keep-alive timeout: the gap is what lets the backend's idle timer expire
right when nginx reuses the pooled connection. This script does that and prints one
JSON object per run on stdout.

It runs inside the proxy's network namespace (`ip netns exec NS python3 loadgen.py ...`)
because that is the only place nginx listens. Standard library only.

    python3 loadgen.py --host 127.0.0.1 --port 8088 --path /pong.txt \
        --method POST --count 9 --gap 2.0
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import time


def one_request(host: str, port: int, method: str, path: str, body: bytes | None, timeout: float,
                conn: http.client.HTTPConnection | None = None) -> dict:
    """One request on a fresh client connection (the reuse under test is the proxy's, not
    ours), or on `conn`, the client's keep-alive connection, left open for the next one."""
    started = time.monotonic()
    keep = conn is not None
    conn = conn or http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        headers = {"Content-Type": "text/plain"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        return {
            "status": response.status,
            "bytes": len(payload),
            # the start of the answer: the uWSGI lab's app answers with nginx's source port
            "body": payload[:64].decode("utf-8", "replace"),
            "elapsed": round(time.monotonic() - started, 4),
            "error": None,
        }
    except (OSError, http.client.HTTPException) as exc:
        conn.close()  # http.client reconnects on the next request
        return {"status": None, "bytes": 0, "elapsed": round(time.monotonic() - started, 4), "error": repr(exc)}
    finally:
        if not keep:
            conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="sequential requests with an idle gap")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/")
    parser.add_argument("--method", default="POST", choices=["GET", "POST"])
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--gap", type=float, default=0.0, help="seconds between a response and the next request")
    parser.add_argument("--timeout", type=float, default=5.0, help="per request")
    parser.add_argument("--keep-alive", action="store_true",
                        help="send every request on one client connection, as a browser does (HAProxy's http-reuse safe "
                             "reuses idle server connections only for a client connection's later requests)")
    parser.add_argument("--give-up-after", type=int, default=2, help="consecutive client errors that end the run")
    args = parser.parse_args(argv)

    body = b"ping\n" if args.method == "POST" else None
    results = []
    failures = 0
    conn = http.client.HTTPConnection(args.host, args.port, timeout=args.timeout) if args.keep_alive else None
    for index in range(args.count):
        if index:
            time.sleep(args.gap)
        result = one_request(args.host, args.port, args.method, args.path, body, args.timeout, conn)
        results.append(result)
        failures = failures + 1 if result["error"] else 0
        if failures >= args.give_up_after:
            break  # the chain is down; keep the run bounded and let the caller report it
    json.dump({"method": args.method, "gap": args.gap, "requests": results}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
