"""Messages to a buyer that are not the reply to their message: staff answers, hand-backs, follow-ups.

Each is recorded in ``outbound_messages`` before it is sent, then pushed to the
messaging platform's send API (``PLATFORM_SEND_URL``) with retries and
backoff; what could not be delivered stays recorded as 发送失败 with the
reason, for staff to see and retry. The platform de-duplicates on
``message_id`` (``out-<row id>``), so a retry after a lost response does not
show the buyer the same message twice. When SHOP_WEBHOOK_SECRET is set, each
push is signed the way the platform signs its webhook calls.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional

import aiohttp
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot import clock
from bot.channels.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from bot.crm.db import UsesCrm
from bot.crm.models import DeliveryStatus, OutboundMessage

logger = logging.getLogger(__name__)

RETRY_DELAYS = (0.5, 1.0, 2.0)  # seconds before the 2nd, 3rd and 4th attempt
REQUEST_TIMEOUT = 10.0
NOT_CONFIGURED = "未配置平台发送接口（PLATFORM_SEND_URL），消息未能送达"


@dataclass(frozen=True)
class Delivery:
    id: int
    status: str
    attempts: int
    error: Optional[str]

    @property
    def delivered(self) -> bool:
        return self.status == DeliveryStatus.DELIVERED.value


def platform_messages(messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Rasa's bot messages reduced to what the platform shows: text, buttons, image."""
    shown = []
    for message in messages:
        item: Dict[str, Any] = {"type": "text", "text": message.get("text") or ""}
        if message.get("buttons"):
            item["buttons"] = [{"title": b.get("title"), "payload": b.get("payload")} for b in message["buttons"]]
        if message.get("image"):
            item["image"] = message["image"]
        if item["text"] or item.get("image"):
            shown.append(item)
    return shown


class Outbox(UsesCrm):
    def __init__(
        self,
        send_url: Optional[str] = None,
        sessions: Optional[sessionmaker] = None,
        retry_delays: tuple = RETRY_DELAYS,
        now: Callable[[], datetime] = clock.now,
        secret: Optional[str] = None,
    ):
        super().__init__(sessions)
        self.send_url = send_url if send_url is not None else os.environ.get("PLATFORM_SEND_URL", "")
        self.secret = secret if secret is not None else os.environ.get("SHOP_WEBHOOK_SECRET", "")
        self.retry_delays = retry_delays
        self.now = now

    async def send(
        self,
        sender_id: str,
        messages: List[Dict[str, Any]],
        kind: str,
        author: str,
        handoff_id: Optional[int] = None,
        agent_name: Optional[str] = None,
    ) -> Delivery:
        """Record, then push; returns how it went (never raises for a platform failure).

        ``agent_name`` marks a message written by staff, so the platform can show who answered.
        """
        payload = platform_messages(messages)
        if agent_name:
            payload = [{**item, "agent": agent_name} for item in payload]
        loop = asyncio.get_running_loop()
        row_id = await loop.run_in_executor(None, self._record, sender_id, payload, kind, author, handoff_id)
        return await self._push(row_id, sender_id, payload)

    async def retry(self, outbound_id: int) -> Delivery:
        """Push a message that failed before (staff pressed 重新发送)."""
        loop = asyncio.get_running_loop()
        sender_id, payload = await loop.run_in_executor(None, self._load, outbound_id)
        return await self._push(outbound_id, sender_id, payload)

    async def _push(self, row_id: int, sender_id: str, payload: List[Dict[str, Any]]) -> Delivery:
        loop = asyncio.get_running_loop()
        if not self.send_url:
            return await loop.run_in_executor(None, self._settle, row_id, False, 0, NOT_CONFIGURED)
        body = {"message_id": f"out-{row_id}", "recipient": sender_id, "messages": payload}
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
        attempts, error = 0, None
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)) as http:
            for delay in (0.0, *self.retry_delays):
                if delay:
                    await asyncio.sleep(delay)
                attempts += 1
                error, retryable = await _post_once(http, self.send_url, raw, self._headers(raw))
                if error is None or not retryable:
                    break
        if error:
            logger.warning("outbound message %s to %s not delivered: %s", row_id, sender_id, error)
        return await loop.run_in_executor(None, self._settle, row_id, error is None, attempts, error)

    def _headers(self, raw: bytes) -> Dict[str, str]:
        """Signed like the platform signs its webhook calls, so the platform can tell the shop's messages apart."""
        headers = {"Content-Type": "application/json"}
        if self.secret:
            stamp = str(int(time.time()))
            headers.update({TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: sign(self.secret, stamp, raw)})
        return headers

    def _record(self, sender_id: str, payload: list, kind: str, author: str, handoff_id: Optional[int]) -> int:
        with self.sessions.begin() as session:
            row = OutboundMessage(
                sender_id=sender_id,
                handoff_id=handoff_id,
                kind=kind,
                author=author,
                payload=payload,
                status=DeliveryStatus.PENDING.value,
                attempts=0,
                created_at=self.now(),
            )
            session.add(row)
            session.flush()
            return row.id

    def _load(self, outbound_id: int) -> tuple:
        with self.sessions() as session:
            row = session.get(OutboundMessage, outbound_id)
            if row is None:
                raise KeyError(outbound_id)
            return row.sender_id, list(row.payload)

    def _settle(self, row_id: int, delivered: bool, attempts: int, error: Optional[str]) -> Delivery:
        with self.sessions.begin() as session:
            row = session.get(OutboundMessage, row_id)
            row.attempts += attempts
            if delivered:
                row.status = DeliveryStatus.DELIVERED.value
                row.delivered_at = self.now()
                row.last_error = None
            elif row.status != DeliveryStatus.DELIVERED.value:
                row.status = DeliveryStatus.FAILED.value
                row.last_error = error
            return Delivery(row.id, row.status, row.attempts, row.last_error)

    def failed(self, sender_id: Optional[str] = None) -> List[OutboundMessage]:
        """What could not be delivered (all, or one conversation's), oldest first."""
        with self.sessions() as session:
            query = select(OutboundMessage).where(OutboundMessage.status == DeliveryStatus.FAILED.value)
            if sender_id:
                query = query.where(OutboundMessage.sender_id == sender_id)
            return list(session.execute(query.order_by(OutboundMessage.id)).scalars())


async def _post_once(http: aiohttp.ClientSession, url: str, raw: bytes, headers: Dict[str, str]) -> tuple:
    """(error or None, whether trying again may help)."""
    try:
        async with http.post(url, data=raw, headers=headers) as response:
            if 200 <= response.status < 300:
                return None, False
            text = (await response.text())[:200]
            retryable = response.status >= 500 or response.status == 429
            return f"平台返回 HTTP {response.status}: {text}", retryable
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        return f"连接平台失败: {type(exc).__name__} {exc}", True
