"""Queueing a conversation for staff with a summary, exactly once while it is open."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, Optional

from sqlalchemy import select

from bot.crm.db import session_factory
from bot.crm.models import Handoff, HandoffStatus


def queue_handoff(
    sender_id: str,
    customer_id: Optional[int],
    reason: str,
    priority: int,
    summary: Dict[str, Any],
    now: datetime,
    url: Optional[str] = None,
) -> int:
    """Open a handoff for ``sender_id`` or add to the one already waiting; returns its id.

    A buyer who asks twice gets one place in the queue, not two; a more urgent
    reason raises the priority of the waiting case (1 = most urgent).
    """
    with session_factory(url).begin() as session:
        existing = (
            session.execute(
                select(Handoff).where(
                    Handoff.sender_id == sender_id,
                    Handoff.status.in_([HandoffStatus.QUEUED.value, HandoffStatus.ASSIGNED.value]),
                )
            )
            .scalars()
            .first()
        )
        if existing is not None:
            existing.priority = min(existing.priority, priority)
            merged = dict(existing.summary or {})
            merged.setdefault("requests", []).append({"reason": reason, "at": now.isoformat(), **summary})
            existing.summary = merged
            return existing.id
        handoff = Handoff(
            sender_id=sender_id,
            customer_id=customer_id,
            reason=reason,
            priority=priority,
            summary=summary,
            status=HandoffStatus.QUEUED.value,
            created_at=now,
        )
        session.add(handoff)
        session.flush()
        return handoff.id
