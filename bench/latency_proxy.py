#!/usr/bin/env python3
"""A TCP proxy that delays every byte by a fixed time in each direction: a long link on loopback.

Used by bench/smtp-latency.sh to put a relay 2 x DELAY milliseconds of round trip away, as a
real one is (loopback has about 0.1 ms; a provider's relay 10 to 100 ms). Bytes keep their
order and are never held back by the ones behind them: each chunk read is written DELAY
later, whatever else is in flight.
Usage: latency_proxy.py LISTEN_PORT TARGET_PORT DELAY_MS
"""
import asyncio
import sys


async def pipe(reader, writer, delay):
    loop = asyncio.get_running_loop()
    try:
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                break
            loop.call_later(delay, writer.write, chunk)
    finally:
        loop.call_later(delay, writer.close)


async def main():
    listen, target, delay = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]) / 1000

    async def accept(client_reader, client_writer):
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target)
        await asyncio.gather(pipe(client_reader, server_writer, delay), pipe(server_reader, client_writer, delay))

    server = await asyncio.start_server(accept, "127.0.0.1", listen)
    async with server:
        await server.serve_forever()


asyncio.run(main())
