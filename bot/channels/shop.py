"""The shop's messaging webhook: a Rasa input channel at ``POST /webhooks/shop/webhook``.

Each request is checked (signature, age, shape: ``bot.channels.webhook``),
claimed in the message ledger so a retried message id is processed once and
answered with the same reply, then handed to Rasa. The bot's replies go back
in the HTTP response. Nothing a request carries produces a 500: a refused
request gets a 4xx JSON error and is not recorded, and a turn that fails
inside (action server down, database down, an action too slow) is answered
with an apology from domain.yml and queued for staff.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import clock
from bot.channels.ledger import Claim, ClaimState, MessageLedger
from bot.channels.outbox import platform_messages
from bot.channels.webhook import INTENT_PREFIX, InboundMessage, WebhookError, as_buyer_words, parse, verify
from bot.runtime.patches import TURN_FAILURES

logger = logging.getLogger(__name__)

SECRET_ENV = "SHOP_WEBHOOK_SECRET"
BUSY_WAIT_SECONDS = 30.0  # how long a retry waits for the first request of the same message to finish
BUSY_POLL_SECONDS = 0.2
PRUNE_EVERY_SECONDS = 3600.0
APOLOGY_RESPONSE = "utter_technical_difficulty"
FALLBACK_APOLOGY = "抱歉，系统刚才开了点小差，您的消息已经转给人工客服，稍后会在这里回复您。"


class ShopInput(InputChannel):
    """The platform's webhook; ``secret`` comes from credentials.yml or SHOP_WEBHOOK_SECRET."""

    @classmethod
    def name(cls) -> Text:
        return "shop"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "ShopInput":
        secret = (credentials or {}).get("secret") or os.environ.get(SECRET_ENV, "")
        if not secret:
            raise ValueError(f"the shop webhook needs a shared secret: set {SECRET_ENV} (or `secret` in credentials.yml)")
        return cls(secret)

    def __init__(self, secret: str, ledger: Optional[MessageLedger] = None):
        self.secret = secret
        self.ledger = ledger or MessageLedger()
        self._pruned_at = 0.0

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("shop_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                verify(self.secret, request.headers, request.body or b"", time.time())
                message = parse(request.body or b"")
            except WebhookError as refused:
                return response.json(refused.body(), status=refused.status)
            claim = await self._claim(message)
            if claim.state == ClaimState.ANSWERED:
                return response.json(claim.reply, headers={"X-Shop-Duplicate": "1"})
            if claim.state == ClaimState.FOREIGN:
                return response.json({"error": "message_id_reused", "message": "这个 message_id 已被另一位买家使用"}, status=409)
            if claim.state == ClaimState.BUSY:
                return response.json({"error": "in_progress", "message": "这条消息正在处理中，请稍后重试"}, status=409)
            # shielded: if the platform hangs up mid-turn, the turn still finishes and its reply is
            # stored, so the platform's retry gets it instead of waiting for a stale claim
            work = asyncio.ensure_future(self._process(message, on_new_message, request.app.ctx.agent))
            return response.json(await asyncio.shield(work))

        return webhook

    async def _process(self, message: InboundMessage, on_new_message: Callable, agent: Any) -> Dict[str, Any]:
        reply = await self._answer(message, on_new_message, agent)
        await self._record_answer(message, reply)
        return reply

    # -- exactly once ------------------------------------------------------------------

    async def _claim(self, message: InboundMessage) -> Claim:
        """NEW for the first request of a message id; a retry waits for it and gets its reply."""
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + BUSY_WAIT_SECONDS
        while True:
            try:
                claim = await loop.run_in_executor(
                    None, self.ledger.claim, message.message_id, message.sender, clock.now(), message.text
                )
            except Exception:  # the CRM is down: answer anyway, without the duplicate check
                logger.exception("message ledger unavailable; processing %s without de-duplication", message.message_id)
                return Claim(ClaimState.NEW)
            if claim.state != ClaimState.BUSY or time.monotonic() > deadline:
                return claim
            await asyncio.sleep(BUSY_POLL_SECONDS)

    async def _record_answer(self, message: InboundMessage, reply: Dict[str, Any]) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, self.ledger.answer, message.message_id, reply, clock.now())
            if time.monotonic() - self._pruned_at > PRUNE_EVERY_SECONDS:
                self._pruned_at = time.monotonic()
                await loop.run_in_executor(None, self.ledger.prune, clock.now())
        except Exception:
            logger.exception("could not record the reply to %s; a retry will be processed again", message.message_id)

    # -- one turn ------------------------------------------------------------------------

    async def _answer(self, message: InboundMessage, on_new_message: Callable, agent: Any) -> Dict[str, Any]:
        collector = CollectingOutputChannel()
        text = message.text
        if text.startswith(INTENT_PREFIX):  # a button press, or a buyer typing an intent: only offered buttons pass
            text = as_buyer_words(text, await _offered_payloads(agent, message.sender))
        metadata = {"platform": {"message_id": message.message_id, "type": message.type, "url": message.media_url,
                                 "client_ip": message.client_ip}}
        failures: List[str] = []
        marker = TURN_FAILURES.set(failures)
        try:
            await on_new_message(
                UserMessage(
                    text,
                    collector,
                    message.sender,
                    input_channel=self.name(),
                    message_id=message.message_id,
                    metadata=metadata,
                )
            )
        except Exception as exc:
            logger.exception("turn failed for %s", message.sender)
            failures.append(f"turn: {type(exc).__name__}")
        finally:
            TURN_FAILURES.reset(marker)
        messages: List[Dict[str, Any]] = list(collector.messages)
        silent = not messages and not await _is_paused(agent, message.sender)
        if failures or silent:
            # an action failed (action server or database down, too slow), or the bot said nothing
            # although it always answers unless staff hold the conversation: whatever it may have
            # said around the failure is not an answer, so apologise and let staff take it
            logger.error("turn for %s failed (%s); apologising", message.sender, "; ".join(failures) or "no reply")
            messages = [{"text": _apology(agent)}]
            await _queue_for_staff(message)
        return {"message_id": message.message_id, "replies": platform_messages(messages)}


async def _offered_payloads(agent: Any, sender: str) -> List[str]:
    """The button payloads of the bot's messages since the buyer last spoke (none when unknown)."""
    try:
        tracker = await agent.tracker_store.retrieve(sender)
    except Exception:
        logger.exception("tracker store unavailable for %s", sender)
        return []
    return offered_payloads(tracker.events if tracker else [])


def offered_payloads(events: Iterable[Any]) -> List[str]:
    """Payloads of the buttons in the bot's last messages, i.e. those after the last buyer message."""
    payloads: List[str] = []
    for event in reversed(list(events)):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            payloads += [str(b.get("payload")) for b in (event.data or {}).get("buttons") or [] if b.get("payload")]
    return payloads


async def _is_paused(agent: Any, sender: str) -> bool:
    try:
        tracker = await agent.tracker_store.retrieve(sender)
    except Exception:
        logger.exception("tracker store unavailable for %s", sender)
        return False
    return bool(tracker and tracker.is_paused())


def _apology(agent: Any) -> str:
    try:
        variations = agent.domain.responses[APOLOGY_RESPONSE]
        return random.choice(variations)["text"]
    except (AttributeError, KeyError, IndexError, TypeError):
        return FALLBACK_APOLOGY


async def _queue_for_staff(message: InboundMessage) -> None:
    """Staff see the buyer who got an apology instead of an answer; if the CRM is down too, the log has it."""
    from bot.handoff.service import HandoffDesk
    from bot.handoff.summary import handoff_summary

    def queue() -> None:
        summary = handoff_summary("technical_fault", [message.text], None)
        HandoffDesk().queue(message.sender, None, "technical_fault", 2, summary, clock.now())

    try:
        await asyncio.get_running_loop().run_in_executor(None, queue)
    except Exception:
        logger.exception("could not queue %s for staff after a failed turn (message %s)", message.sender, message.message_id)
