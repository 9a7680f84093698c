"""A websocket echo server that never pings: `python wsserver.py PORT` (loopback only).

It answers each message and otherwise stays silent, like a raw `ws` backend whose
heartbeat (if any) is longer than the proxy's read timeout.
"""

import asyncio
import sys

import websockets


async def echo(connection):
    async for message in connection:
        await connection.send(message)


async def main(port: int) -> None:
    async with websockets.serve(echo, "127.0.0.1", port, ping_interval=None):
        print("ready", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
