"""Open a websocket, exchange one message, then stay silent and see whether it survives.

Shared by the websocket proofs: imported on loopback (test_websocket_idle.py), run as a
script inside a lab's namespace (`python wsidle.py URL IDLE_S`, one JSON line on stdout)
when a load balancer sits in front of nginx (test_e2e_haproxy.py).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time


def idle_websocket(url: str, idle_s: float) -> tuple[bool, float]:
    """(still open after `idle_s` of silence, seconds until the close when it closed)."""
    import websockets

    async def run():
        async with websockets.connect(url, ping_interval=None, open_timeout=5) as connection:
            await connection.send("hello")
            assert await asyncio.wait_for(connection.recv(), 5) == "hello"
            started = time.monotonic()
            try:
                await asyncio.wait_for(connection.recv(), idle_s)
            except asyncio.TimeoutError:
                await connection.send("still there?")
                return await asyncio.wait_for(connection.recv(), 5) == "still there?", 0.0
            except websockets.ConnectionClosed:
                return False, time.monotonic() - started
            raise AssertionError("the echo server sent something unasked")

    return asyncio.run(run())


if __name__ == "__main__":
    still_open, closed_after = idle_websocket(sys.argv[1], float(sys.argv[2]))
    print(json.dumps({"open": still_open, "closed_after": round(closed_after, 3)}))
