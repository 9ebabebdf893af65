"""The staff queue: conversations handed to a human, taken, answered, and given back to the bot.

A handoff is open while it is 排队中 or 处理中. While it waits in the queue the
bot keeps answering what it can (a buyer waiting for a person still gets the
return address or a parcel's trace); once a member of staff takes the case (or
answers it) the bot is paused in the conversation until it is closed. Closing (resolve with a note, or hand back) is a
guarded UPDATE, so two members of staff closing the same case at once
produce one closure and one clear refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Iterable, List, Optional

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.crm.db import UsesCrm
from bot.crm.models import OPEN_HANDOFF, Complaint, Customer, Handoff, HandoffStatus, StaffUser
from bot.staff.accounts import StaffIdentity

#: Why a conversation was handed over, as staff read it in the queue.
REASONS = {
    "buyer_request": "买家要求人工",
    "repeated_fallback": "连续没听懂",
    "complaint": "投诉",
    "beyond_policy": "超出售后政策",
    "complaint_reopened": "回访不满意",
    "low_satisfaction": "签收回访不满意",
    "technical_fault": "系统故障",
}


#: Reasons a case is queued without pausing the bot.
UNPAUSED_REASONS = ("technical_fault",)
#: Hand-overs the buyer may call off while they still wait ("那就算了 不用找人工"); a complaint stays with staff.
WITHDRAWABLE_REASONS = ("buyer_request", "beyond_policy", "repeated_fallback")
#: The note on a hand-over the buyer called off before anyone took it (status 已转回, nobody assigned).
WITHDRAWN_NOTE = "买家表示不需要人工了，机器人已撤回"


class HandoffError(Exception):
    """A staff action that cannot be done; ``status`` is the HTTP status the API answers with."""

    status = 409


class HandoffNotFound(HandoffError):
    status = 404


class HandoffClosed(HandoffError):
    """The case was already resolved or handed back."""


class HandoffTakenByOther(HandoffError):
    """Someone else is handling it; only an admin may take it over."""


@dataclass(frozen=True)
class HandoffView:
    id: int
    sender_id: str
    customer_id: Optional[int]
    customer_name: Optional[str]
    tier: Optional[str]
    reason: str
    priority: int
    status: str
    summary: Dict[str, Any]
    complaint_no: Optional[str]
    severity: Optional[str]
    assigned_to: Optional[str]
    note: Optional[str]
    created_at: datetime
    taken_at: Optional[datetime]
    first_answer_at: Optional[datetime]
    resolved_at: Optional[datetime]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_HANDOFF

    @property
    def reason_label(self) -> str:
        return REASONS.get(self.reason, self.reason)

    def waiting_minutes(self, now: datetime) -> int:
        """How long the buyer has waited for a first answer (or waited, if already answered)."""
        end = self.first_answer_at or self.resolved_at or now
        return max(0, int((end - self.created_at).total_seconds() // 60))


class HandoffDesk(UsesCrm):
    def __init__(self, sessions: Optional[sessionmaker] = None):
        super().__init__(sessions)

    # -- from the bot ------------------------------------------------------------

    def queue(
        self,
        sender_id: str,
        customer_id: Optional[int],
        reason: str,
        priority: int,
        summary: Dict[str, Any],
        now: datetime,
        complaint_id: Optional[int] = None,
    ) -> int:
        """Open a handoff for ``sender_id`` or add to the one already open; returns its id.

        A buyer who asks twice gets one place in the queue, not two; a more urgent
        reason raises the priority of the waiting case (1 = most urgent).
        """
        with self.sessions.begin() as session:
            existing = self._open(session, sender_id)
            if existing is not None:
                if existing.reason in UNPAUSED_REASONS and reason not in UNPAUSED_REASONS:
                    existing.reason = reason  # now staff hold the conversation, not only a fault to check
                existing.priority = min(existing.priority, priority)
                existing.complaint_id = existing.complaint_id or complaint_id
                merged = dict(existing.summary or {})
                merged["requests"] = [*merged.get("requests", []), {"reason": reason, "at": now.isoformat(), **summary}]
                existing.summary = merged
                return existing.id
            handoff = Handoff(
                sender_id=sender_id,
                customer_id=customer_id,
                reason=reason,
                priority=priority,
                summary=summary,
                status=HandoffStatus.QUEUED.value,
                complaint_id=complaint_id,
                created_at=now,
            )
            session.add(handoff)
            session.flush()
            return handoff.id

    def withdraw(self, sender_id: str, now: datetime) -> Optional[int]:
        """The buyer no longer wants a person: a queued hand-over nobody has taken is closed; returns its id.

        One taken by staff, or opened for a complaint, is left to staff (None).
        """
        with self.sessions.begin() as session:
            found = self._open(session, sender_id)
            if found is None or found.status != HandoffStatus.QUEUED.value or found.reason not in WITHDRAWABLE_REASONS:
                return None
            changed = session.execute(
                update(Handoff)
                .where(Handoff.id == found.id, Handoff.status == HandoffStatus.QUEUED.value)
                .values(status=HandoffStatus.HANDED_BACK.value, note=WITHDRAWN_NOTE, resolved_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            return found.id if changed == 1 else None

    def open_for(self, sender_id: str) -> Optional[int]:
        """The open handoff of this conversation, if any."""
        with self.sessions() as session:
            found = self._open(session, sender_id)
            return found.id if found else None

    def holds_conversation(self, sender_id: str) -> bool:
        """True while a member of staff has taken this conversation and the bot must stay paused.

        A queued case is not held yet: the buyer waiting for a person is still
        answered by the bot. A case opened because a turn failed (technical_fault)
        is staff's to check, but the bot is never paused for it.
        """
        with self.sessions() as session:
            found = self._open(session, sender_id)
            return (
                found is not None
                and found.reason not in UNPAUSED_REASONS
                and found.status == HandoffStatus.ASSIGNED.value
            )

    @staticmethod
    def _open(session: Session, sender_id: str) -> Optional[Handoff]:
        return (
            session.execute(select(Handoff).where(Handoff.sender_id == sender_id, Handoff.status.in_(OPEN_HANDOFF)))
            .scalars()
            .first()
        )

    # -- for staff ---------------------------------------------------------------

    def list_cases(self, statuses: Iterable[str] = OPEN_HANDOFF, limit: int = 200) -> List[HandoffView]:
        """The queue: most urgent first, then who has waited longest."""
        with self.sessions() as session:
            rows = session.execute(
                select(Handoff)
                .where(Handoff.status.in_(list(statuses)))
                .order_by(Handoff.priority, Handoff.created_at, Handoff.id)
                .limit(limit)
            ).scalars()
            return [self._view(session, row) for row in rows]

    def get(self, handoff_id: int) -> HandoffView:
        with self.sessions() as session:
            return self._view(session, self._load(session, handoff_id))

    def take(self, handoff_id: int, staff: StaffIdentity, now: datetime) -> HandoffView:
        """Assign the case to ``staff``; an admin may take over a case someone else holds."""
        with self.sessions.begin() as session:
            handoff = self._load(session, handoff_id, for_update=True)
            if handoff.status not in OPEN_HANDOFF:
                raise HandoffClosed(f"会话 #{handoff_id} 已{handoff.status}")
            if handoff.assigned_to not in (None, staff.id) and not staff.is_admin:
                raise HandoffTakenByOther(f"会话 #{handoff_id} 正由其他同事处理")
            handoff.assigned_to = staff.id
            handoff.status = HandoffStatus.ASSIGNED.value
            handoff.taken_at = handoff.taken_at or now
            session.flush()
            return self._view(session, handoff)

    def check_can_answer(self, handoff_id: int, staff: StaffIdentity) -> HandoffView:
        """Refuse before anything is sent: a closed case, or one another colleague is handling."""
        view = self.get(handoff_id)
        if not view.is_open:
            raise HandoffClosed(f"会话 #{handoff_id} 已{view.status}，不能再以人工身份发消息")
        if view.assigned_to not in (None, staff.username) and not staff.is_admin:
            raise HandoffTakenByOther(f"会话 #{handoff_id} 正由 {view.assigned_to} 处理")
        return view

    def record_answer(self, handoff_id: int, staff: StaffIdentity, now: datetime) -> None:
        """Answering a queued case takes it; the first answer's time is kept (time to first answer)."""
        with self.sessions.begin() as session:
            handoff = self._load(session, handoff_id, for_update=True)
            if handoff.status == HandoffStatus.QUEUED.value:
                handoff.status = HandoffStatus.ASSIGNED.value
                handoff.assigned_to = staff.id
                handoff.taken_at = now
            handoff.first_answer_at = handoff.first_answer_at or now

    def close(self, handoff_id: int, staff: StaffIdentity, now: datetime, resolved: bool, note: str) -> HandoffView:
        """Resolve with a note, or hand back to the bot; exactly one of two concurrent closes wins."""
        status = HandoffStatus.RESOLVED if resolved else HandoffStatus.HANDED_BACK
        with self.sessions.begin() as session:
            current = self._load(session, handoff_id)
            if current.assigned_to not in (None, staff.id) and not staff.is_admin:
                raise HandoffTakenByOther(f"会话 #{handoff_id} 正由其他同事处理")
            changed = session.execute(
                update(Handoff)
                .where(Handoff.id == handoff_id, Handoff.status.in_(OPEN_HANDOFF))
                .values(
                    status=status.value,
                    note=note or None,
                    resolved_at=now,
                    assigned_to=current.assigned_to or staff.id,
                )
                .execution_options(synchronize_session=False)
            ).rowcount
            if changed != 1:
                raise HandoffClosed(f"会话 #{handoff_id} 已经关闭")
        return self.get(handoff_id)

    # -- reading ------------------------------------------------------------------

    @staticmethod
    def _load(session: Session, handoff_id: int, for_update: bool = False) -> Handoff:
        query = select(Handoff).where(Handoff.id == handoff_id)
        if for_update:
            query = query.with_for_update()
        found = session.execute(query).scalar_one_or_none()
        if found is None:
            raise HandoffNotFound(f"没有编号为 {handoff_id} 的人工会话")
        return found

    @staticmethod
    def _view(session: Session, handoff: Handoff) -> HandoffView:
        customer = session.get(Customer, handoff.customer_id) if handoff.customer_id else None
        complaint = session.get(Complaint, handoff.complaint_id) if handoff.complaint_id else None
        staff = session.get(StaffUser, handoff.assigned_to) if handoff.assigned_to else None
        return HandoffView(
            id=handoff.id,
            sender_id=handoff.sender_id,
            customer_id=handoff.customer_id,
            customer_name=(customer.real_name or customer.nickname) if customer else None,
            tier=customer.tier if customer else None,
            reason=handoff.reason,
            priority=handoff.priority,
            status=handoff.status,
            summary=dict(handoff.summary or {}),
            complaint_no=complaint.complaint_no if complaint else None,
            severity=complaint.severity if complaint else None,
            assigned_to=staff.username if staff else None,
            note=handoff.note,
            created_at=handoff.created_at,
            taken_at=handoff.taken_at,
            first_answer_at=handoff.first_answer_at,
            resolved_at=handoff.resolved_at,
        )

