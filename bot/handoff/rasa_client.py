"""The Rasa server's HTTP API, as the staff desk uses it: read a tracker, add events, trigger an intent.

Pausing, resuming and speaking as an agent are all tracker events, so the
transcript staff read is the conversation the bot itself sees.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any, Dict, List, Optional
from urllib.parse import quote

import aiohttp

from bot.runtime.keys import RASA_TOKEN, key_value

TIMEOUT = 30.0


class RasaUnavailable(RuntimeError):
    """The Rasa server did not answer or refused; the message says what happened."""


class RasaClient:
    def __init__(self, base_url: Optional[str] = None, token: Optional[str] = None):
        self.base_url = (base_url or os.environ.get("RASA_URL") or "http://127.0.0.1:5005").rstrip("/")
        self.token = token if token is not None else key_value(RASA_TOKEN)  # the API refuses every call without it

    def _url(self, sender_id: str, tail: str) -> str:
        return f"{self.base_url}/conversations/{quote(sender_id, safe='')}/{tail}"

    def _params(self, **extra: str) -> Dict[str, str]:
        params = dict(extra)
        if self.token:
            params["token"] = self.token
        return params

    async def _call(self, method: str, url: str, params: Dict[str, str], body: Any = None) -> Any:
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as http:
                async with http.request(method, url, params=params, json=body) as response:
                    if response.status >= 400:
                        raise RasaUnavailable(f"Rasa 返回 HTTP {response.status}: {(await response.text())[:200]}")
                    return await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise RasaUnavailable(f"连接 Rasa 服务器失败（{self.base_url}）: {type(exc).__name__}") from exc

    async def tracker(self, sender_id: str) -> Dict[str, Any]:
        """The conversation with every event (all sessions)."""
        return await self._call("GET", self._url(sender_id, "tracker"), self._params(include_events="ALL"))

    async def append(self, sender_id: str, events: List[Dict[str, Any]]) -> None:
        await self._call("POST", self._url(sender_id, "tracker/events"), self._params(include_events="NONE"), events)

    async def trigger(self, sender_id: str, intent: str, entities: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
        """Run an external event (EXTERNAL_…) in the conversation; the bot's messages it produced."""
        result = await self._call(
            "POST",
            self._url(sender_id, "trigger_intent"),
            self._params(include_events="NONE"),
            {"name": intent, "entities": entities or {}},
        )
        return list((result or {}).get("messages") or [])
