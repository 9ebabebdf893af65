"""A local stand-in for the messaging platform's send API: it records what the shop sends buyers.

Tests and benchmarks point ``PLATFORM_SEND_URL`` at it; ``fail_next`` makes it
answer 503 a number of times, to exercise the outbox's retries.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any, Dict, List, Optional

from aiohttp import web

from bot.channels.webhook import WebhookError, verify
from bot.runtime.launch import free_port


class PlatformStandIn:
    """An aiohttp server in a background thread; ``received`` holds every accepted POST body."""

    def __init__(self, port: Optional[int] = None, secret: str = ""):
        self.port = port or free_port()
        self.secret = secret  # when set, unsigned or badly signed pushes are refused, as the platform would
        self.received: List[Dict[str, Any]] = []
        self.fail_next = 0
        self._seen: set = set()
        self._lock = threading.Lock()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._runner: Optional[web.AppRunner] = None
        self._thread: Optional[threading.Thread] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/send"

    async def _send(self, request: web.Request) -> web.Response:
        with self._lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return web.json_response({"error": "temporarily unavailable"}, status=503)
        raw = await request.read()
        if self.secret:
            try:
                verify(self.secret, request.headers, raw, time.time())
            except WebhookError as refused:
                return web.json_response(refused.body(), status=refused.status)
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            return web.json_response({"error": "bad json"}, status=400)
        with self._lock:
            if body.get("message_id") not in self._seen:  # the real platform de-duplicates too
                self._seen.add(body.get("message_id"))
                self.received.append(body)
        return web.json_response({"ok": True})

    def start(self) -> "PlatformStandIn":
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            app = web.Application()
            app.router.add_post("/send", self._send)
            self._runner = web.AppRunner(app)
            self._loop.run_until_complete(self._runner.setup())
            self._loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is None or self._runner is None:
            return
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)

    def texts_for(self, recipient: str) -> List[str]:
        with self._lock:
            return [m.get("text", "") for body in self.received if body.get("recipient") == recipient for m in body["messages"]]

    def wait_for(self, recipient: str, count: int, timeout: float = 30) -> List[str]:
        """The texts sent to ``recipient`` once there are at least ``count`` of them."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            texts = self.texts_for(recipient)
            if len(texts) >= count:
                return texts
            time.sleep(0.1)
        raise AssertionError(f"the platform stand-in got {self.texts_for(recipient)} for {recipient}, expected {count}")
