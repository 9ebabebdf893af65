"""A local stand-in for the messaging platform's send API: it records what the shop sends buyers.

Tests and benchmarks point ``PLATFORM_SEND_URL`` at it; ``fail_next`` makes it
answer 503 a number of times, to exercise the outbox's retries.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Dict, List, Optional

from aiohttp import web

from bot.channels.webhook import WebhookError, verify
from bot.runtime.background import BackgroundLoop
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
        self._runner: Optional[web.AppRunner] = None
        self._background = BackgroundLoop()

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
        self._background.start(self._serve())
        return self

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_post("/send", self._send)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    def stop(self) -> None:
        if self._runner is not None:
            self._background.stop(self._runner.cleanup())

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
