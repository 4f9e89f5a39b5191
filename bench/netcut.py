"""A tiny TCP forwarder the cluster drill can cut, to partition one host without iptables.

    netcut.py LISTEN:TARGET [LISTEN:TARGET ...]      (127.0.0.1 ports)

Forwards each LISTEN port to its TARGET port. ``SIGUSR1`` cuts: the listening sockets close and
every open connection is reset, so whoever reaches the host through it sees it gone (a firewall
that rejects). ``SIGUSR2`` heals: it listens again. ``SIGTERM`` ends it.
"""

from __future__ import annotations

import asyncio
import signal
import sys


async def serve(pairs: list[tuple[int, int]]) -> None:
    servers: list[asyncio.Server] = []
    open_writers: set[asyncio.StreamWriter] = set()

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, target: int) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            writer.transport.abort()
            return
        open_writers.update((writer, up_writer))
        try:
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        finally:
            open_writers.discard(writer)
            open_writers.discard(up_writer)

    async def listen() -> None:
        if servers:
            return
        for listen_port, target in pairs:
            servers.append(
                await asyncio.start_server(
                    lambda r, w, t=target: handle(r, w, t), "127.0.0.1", listen_port, reuse_address=True
                )
            )

    def cut() -> None:
        for server in servers:
            server.close()
        servers.clear()
        for writer in list(open_writers):
            writer.transport.abort()
        open_writers.clear()

    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, cut)
    loop.add_signal_handler(signal.SIGUSR2, lambda: asyncio.ensure_future(listen()))
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await listen()
    await stop.wait()


def main() -> None:
    pairs = [(int(a), int(b)) for a, b in (arg.split(":") for arg in sys.argv[1:])]
    asyncio.run(serve(pairs))


if __name__ == "__main__":
    main()
