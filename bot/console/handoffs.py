"""What staff do with a handed-over conversation, across the CRM, the Rasa tracker and the platform.

Each step names its order on purpose: the tracker is written first (so the
transcript shows exactly what the buyer was sent), then the message is pushed,
then the CRM row moves. Resuming the bot always happens before the bot is
asked to speak, because a paused conversation runs no actions.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional

from bot.channels.outbox import Delivery, Outbox
from bot.complaints.service import ComplaintDesk
from bot.crm.models import HandoffStatus
from bot.handoff.rasa_client import RasaClient
from bot.handoff.service import UNPAUSED_REASONS, HandoffDesk, HandoffView
from bot.handoff.transcript import Entry, transcript, unanswered
from bot.staff.accounts import StaffIdentity

#: External events the domain answers (rules in data/rules.yml).
HANDED_BACK = "EXTERNAL_handed_back"
COMPLAINT_RESOLVED = "EXTERNAL_complaint_resolved"
MESSAGE_MAX = 2000


async def blocking(work: Callable, *args: Any) -> Any:
    """Run blocking CRM work in a worker thread, so one slow query does not stall the console."""
    return await asyncio.get_running_loop().run_in_executor(None, work, *args)


class BadRequest(ValueError):
    """The staff member's input is unusable; the message says why."""


@dataclass
class Conversation:
    handoff: HandoffView
    entries: List[Entry]

    @property
    def unanswered(self) -> int:
        return unanswered(self.entries)


class StaffDesk:
    """The staff API's operations; the HTTP layer only parses and formats."""

    def __init__(self, handoffs: HandoffDesk, complaints: ComplaintDesk, rasa: RasaClient, outbox: Outbox,
                 now: Callable):
        self.handoffs = handoffs
        self.complaints = complaints
        self.rasa = rasa
        self.outbox = outbox
        self.now = now

    async def conversation(self, handoff_id: int, reveal: bool = False) -> Conversation:
        """The case and its transcript; phone numbers in it masked unless ``reveal`` (an admin, or on purpose)."""
        handoff = await blocking(self.handoffs.get, handoff_id)
        tracker = await self.rasa.tracker(handoff.sender_id)
        return Conversation(handoff, transcript(tracker.get("events") or [], mask_phones=not reveal))

    async def take(self, handoff_id: int, staff: StaffIdentity) -> HandoffView:
        """Take the case: from now on a person talks to the buyer, so the bot steps aside.

        Until a case is taken the bot keeps answering the buyer (who may ask
        for the return address while waiting); the pause starts here.
        """
        view = await blocking(self.handoffs.take, handoff_id, staff, self.now())
        await self._pause(view)  # again on a retry: a pause that failed to reach Rasa is not lost
        return view

    async def _pause(self, handoff: HandoffView) -> None:
        """The bot steps aside for the person now talking (a fault case, which staff only check, never pauses it)."""
        if handoff.reason not in UNPAUSED_REASONS:
            # a form the bot had open is the person's now: handed back later, the bot must not resume
            # asking its old question ("您有几个相关的订单…") as if nothing had happened
            now = time.time()
            await self.rasa.append(handoff.sender_id, [
                {"event": "active_loop", "name": None, "timestamp": now},
                {"event": "slot", "name": "requested_slot", "value": None, "timestamp": now},
                {"event": "pause", "timestamp": now},
            ])

    async def answer(self, handoff_id: int, staff: StaffIdentity, text: str) -> Delivery:
        """Send ``text`` to the buyer as this member of staff."""
        text = (text or "").strip()
        if not text:
            raise BadRequest("消息内容不能为空")
        if len(text) > MESSAGE_MAX:
            raise BadRequest(f"消息不能超过 {MESSAGE_MAX} 字")
        handoff = await blocking(self.handoffs.check_can_answer, handoff_id, staff)
        if handoff.status == HandoffStatus.QUEUED.value:
            await self._pause(handoff)  # answering a queued case takes it
        metadata = {"agent": staff.username, "agent_name": staff.display_name, "handoff_id": handoff_id}
        await self.rasa.append(handoff.sender_id, [{"event": "bot", "text": text, "metadata": metadata, "timestamp": time.time()}])
        delivery = await self.outbox.send(
            handoff.sender_id, [{"text": text}], kind="agent", author=staff.username, handoff_id=handoff_id,
            agent_name=staff.display_name,
        )
        await blocking(self.handoffs.record_answer, handoff_id, staff, self.now())
        return delivery

    async def close(self, handoff_id: int, staff: StaffIdentity, resolved: bool, note: str) -> Dict[str, Any]:
        """Resolve (with a note) or hand back; either way the bot resumes and tells the buyer."""
        note = (note or "").strip()
        if resolved and not note:
            raise BadRequest("结束会话需要填写处理备注")
        handoff = await blocking(self.handoffs.close, handoff_id, staff, self.now(), resolved, note)
        # resume, then a listen: the buyer's messages while paused were never answered, and the bot's
        # policies only read an incoming message correctly after an action_listen
        now = time.time()
        await self.rasa.append(
            handoff.sender_id, [{"event": "resume", "timestamp": now}, {"event": "action", "name": "action_listen", "timestamp": now}]
        )
        deliveries = [await self._bot_says(handoff.sender_id, HANDED_BACK, {}, "handback", handoff_id)]
        followup = await self.ask_for_score(handoff.sender_id, handoff_id)
        if followup is not None:
            deliveries.append(followup)
        return {"handoff": handoff, "deliveries": [d for d in deliveries if d is not None]}

    async def resolve_complaint(
        self, complaint_no: str, staff: StaffIdentity, resolution: str, compensation: Optional[str]
    ) -> Dict[str, Any]:
        """Close a complaint; the buyer is asked for a 1–5 score now, or when their handoff ends."""
        resolution = (resolution or "").strip()
        if not resolution:
            raise BadRequest("请填写处理结果")
        record = await blocking(self.complaints.resolve, complaint_no, staff.id, resolution, compensation, self.now())
        delivery = None
        if record.sender_id and await blocking(self.handoffs.open_for, record.sender_id) is None:
            delivery = await self.ask_for_score(record.sender_id, None)
        return {"complaint": record, "followup": delivery}

    async def ask_for_score(self, sender_id: str, handoff_id: Optional[int]) -> Optional[Delivery]:
        complaint_no = await blocking(self.complaints.awaiting_question, sender_id)
        if complaint_no is None:
            return None
        return await self._bot_says(sender_id, COMPLAINT_RESOLVED, {"complaint_no": complaint_no}, "followup", handoff_id)

    async def _bot_says(
        self, sender_id: str, intent: str, entities: Dict[str, Any], kind: str, handoff_id: Optional[int]
    ) -> Optional[Delivery]:
        """Let the bot speak (responses from domain.yml) and push what it said."""
        messages = await self.rasa.trigger(sender_id, intent, entities)
        if not messages:
            return None
        return await self.outbox.send(sender_id, messages, kind=kind, author="bot", handoff_id=handoff_id)
