"""A TCP proxy that can be cut, slowed or restored: how tests and benchmarks really take a part away.

Put it between a server and what it depends on (PostgreSQL, the action
server): ``cut()`` closes every connection and refuses new ones, as a crashed
or unreachable part would; ``delay`` holds each response back, as a slow part
would; ``restore()`` brings it back.
"""

from __future__ import annotations

import asyncio
from typing import Optional, Set

from bot.runtime.background import BackgroundLoop
from bot.runtime.launch import free_port


class TcpProxy:
    def __init__(self, target_port: int = 0, target_host: str = "127.0.0.1", port: Optional[int] = None):
        self.target_host = target_host
        self.target_port = target_port
        self.port = port or free_port()
        self.delay = 0.0  # seconds added before each chunk going back to the client
        self._server: Optional[asyncio.AbstractServer] = None
        self._writers: Set[asyncio.StreamWriter] = set()
        self._background = BackgroundLoop()

    # -- control (from any thread) ---------------------------------------------------------

    def start(self) -> "TcpProxy":
        self._background.start(self._listen())
        return self

    def cut(self) -> None:
        """Drop every connection and stop listening: the part is gone."""
        self._background.call(self._stop_listening())

    def restore(self) -> None:
        self._background.call(self._listen())

    def close(self) -> None:
        self._background.stop(self._stop_listening())

    # -- inside the proxy's loop ---------------------------------------------------------

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def _stop_listening(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            client_writer.close()
            return
        self._writers.update({client_writer, upstream_writer})
        await asyncio.gather(
            self._pipe(client_reader, upstream_writer, slow=False),
            self._pipe(upstream_reader, client_writer, slow=True),
            return_exceptions=True,
        )
        self._writers.difference_update({client_writer, upstream_writer})

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, slow: bool) -> None:
        try:
            while True:
                chunk = await reader.read(65536)
                if not chunk:
                    break
                if slow and self.delay:
                    await asyncio.sleep(self.delay)
                writer.write(chunk)
                await writer.drain()
        finally:
            writer.close()
