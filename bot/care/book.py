"""The CRM side of customer care: which events were already messaged, what is known about each buyer,
opt-outs, delivery check-in scores and staff follow-up tasks.

Claiming an event inserts its row under a unique key before anything is sent, so two runs at once (cron
overlapping a manual run, two servers) cannot both message the buyer for the same event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, Iterable, List, Optional

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.care.events import CareEvent, StaffTaskSpec
from bot.care.policy import BuyerFacts
from bot.care.rules import CareRules
from bot.complaints.service import OPEN_COMPLAINT
from bot.crm.db import UsesCrm
from bot.crm.models import OPEN_HANDOFF, CareMessage, Complaint, Customer, Handoff, Order, StaffTask
from bot.crm.repository import CrmRepository

SENDING, SENT, FAILED = "发送中", "已发送", "发送失败"
TASK_OPEN, TASK_DONE = "待处理", "已完成"
CHECKIN_VALID = timedelta(days=3)  # a check-in answer still counts this long after the question
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class CheckinResult:
    order_no: str
    score: int
    outcome: str  # content (4–5) / so_so (3) / unhappy (1–2)


def checkin_outcome(score: int) -> str:
    return "content" if score >= 4 else "so_so" if score == 3 else "unhappy"


@dataclass(frozen=True)
class TaskView:
    id: int
    kind: str
    title: str
    customer_id: Optional[int]
    detail: Dict[str, str]
    status: str
    created_at: datetime
    due_at: datetime
    done_by: Optional[str]
    note: Optional[str]

    def overdue(self, now: datetime) -> bool:
        return self.status == TASK_OPEN and now > self.due_at


@dataclass(frozen=True)
class SentView:
    kind: str
    response: str
    status: str
    created_at: datetime
    order_id: Optional[int]


class CareBook(UsesCrm):
    def __init__(self, sessions: Optional[sessionmaker] = None):
        super().__init__(sessions)

    # --- the job ------------------------------------------------------------------------------------

    def already_sent(self, keys: Iterable[str]) -> set:
        keys = list(keys)
        found: set = set()
        with self.sessions() as session:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                found.update(session.execute(select(CareMessage.event_key).where(CareMessage.event_key.in_(chunk))).scalars())
        return found

    def facts(self, customer_ids: Iterable[int], now: datetime, rules: CareRules) -> Dict[int, BuyerFacts]:
        ids = list(set(customer_ids))
        with self.sessions() as session:
            opted = set(session.execute(select(Customer.id).where(Customer.id.in_(ids), Customer.care_opted_out_at.is_not(None))).scalars())
            complaining = set(
                session.execute(select(Complaint.customer_id).where(Complaint.customer_id.in_(ids), Complaint.status.in_(OPEN_COMPLAINT))).scalars()
            )
            with_staff = set(
                session.execute(select(Handoff.customer_id).where(Handoff.customer_id.in_(ids), Handoff.status.in_(OPEN_HANDOFF))).scalars()
            )
            counted = dict(
                session.execute(
                    select(CareMessage.customer_id, func.count())
                    .where(
                        CareMessage.customer_id.in_(ids),
                        CareMessage.created_at > now - WEEK,
                        CareMessage.kind.not_in(sorted(rules.cap_exempt)),
                    )
                    .group_by(CareMessage.customer_id)
                ).all()
            )
            asked = set(
                session.execute(
                    select(CareMessage.customer_id)
                    .join(Order, Order.id == CareMessage.order_id)
                    .where(
                        CareMessage.customer_id.in_(ids),
                        CareMessage.kind == "checkin",
                        CareMessage.status == SENT,
                        CareMessage.created_at >= now - CHECKIN_VALID,
                        Order.satisfaction.is_(None),
                    )
                ).scalars()
            )
        return {
            cid: BuyerFacts(cid in opted, cid in complaining, cid in with_staff, int(counted.get(cid, 0)), cid in asked)
            for cid in ids
        }

    def claim(self, event: CareEvent, now: datetime) -> Optional[int]:
        """The event's row, or None when another run claimed it first."""
        return self._insert_once(
            CareMessage(
                event_key=event.key,
                kind=event.kind,
                customer_id=event.customer_id,
                order_id=event.order_id,
                sender_id=event.sender_id,
                response=event.response,
                placeholders=event.placeholders,
                status=SENDING,
                created_at=now,
            )
        )

    def _insert_once(self, row: Any) -> Optional[int]:
        """The new row's id, or None when a row with its unique event key is already there."""
        try:
            with self.sessions.begin() as session:
                session.add(row)
                session.flush()
                return row.id
        except IntegrityError:
            return None

    def release(self, message_id: int) -> None:
        """Nothing reached the buyer (the bot could not speak): the next run tries again."""
        with self.sessions.begin() as session:
            row = session.get(CareMessage, message_id)
            if row is not None:
                session.delete(row)

    def settle(self, message_id: int, delivered: bool, outbound_id: Optional[int]) -> None:
        with self.sessions.begin() as session:
            row = session.get(CareMessage, message_id)
            row.status = SENT if delivered else FAILED
            row.outbound_id = outbound_id

    def open_task(self, event: CareEvent, spec: StaffTaskSpec, now: datetime) -> bool:
        """A follow-up task for staff, once per event; True when it is new."""
        task = StaffTask(
            event_key=event.key,
            kind=event.kind,
            customer_id=event.customer_id,
            order_id=event.order_id,
            title=spec.title,
            detail=spec.detail,
            status=TASK_OPEN,
            created_at=now,
            due_at=spec.due_at,
        )
        return self._insert_once(task) is not None

    # --- the bot's side --------------------------------------------------------------------------------

    def message(self, event_key: str, sender_id: str) -> Optional[CareMessage]:
        """What the bot is to say for this event in this chat (read by action_care_message); None for another
        buyer's event: its placeholders hold their name, order and tracking number."""
        with self.sessions() as session:
            row = session.execute(
                select(CareMessage).where(CareMessage.event_key == event_key, CareMessage.sender_id == sender_id)
            ).scalar_one_or_none()
            if row is not None:
                session.expunge(row)
            return row

    def opt_out(self, sender_id: str, text: str, now: datetime) -> bool:
        """退订, honoured at once: no proactive message from now on. False for a chat not bound to a buyer."""
        with self.sessions.begin() as session:
            customer = CrmRepository(session).customer_for_sender(sender_id)
            if customer is None:
                return False
            if customer.care_opted_out_at is None:
                customer.care_opted_out_at = now
            customer.care_opt_out_text = text[:200]
            return True

    def opt_in(self, customer_id: int) -> None:
        """Staff, at the buyer's request, let proactive messages through again."""
        with self.sessions.begin() as session:
            customer = session.get(Customer, customer_id)
            if customer is not None:
                customer.care_opted_out_at = None
                customer.care_opt_out_text = None

    def awaiting_checkin(self, sender_id: str, now: datetime) -> Optional[str]:
        """The order whose check-in score this chat still owes (asked within 3 days, unanswered)."""
        with self.sessions() as session:
            return session.execute(
                select(Order.order_no)
                .join(CareMessage, CareMessage.order_id == Order.id)
                .where(
                    CareMessage.sender_id == sender_id,
                    CareMessage.kind == "checkin",
                    CareMessage.status == SENT,
                    CareMessage.created_at >= now - CHECKIN_VALID,
                    Order.satisfaction.is_(None),
                )
                .order_by(CareMessage.created_at.desc())
                .limit(1)
            ).scalar_one_or_none()

    def record_checkin(self, order_no: str, score: int, now: datetime) -> CheckinResult:
        """4–5 content; 3 so-so and 1–2 unhappy both mark the buyer at risk (the archive shows it)."""
        if not 1 <= score <= 5:
            raise ValueError(f"satisfaction must be 1–5, got {score}")
        with self.sessions.begin() as session:
            order = CrmRepository(session).order_by_no(order_no)
            if order is None:
                raise KeyError(order_no)
            order.satisfaction = score
            order.rated_at = now
            outcome = checkin_outcome(score)
            if outcome != "content" and order.customer.at_risk_since is None:
                order.customer.at_risk_since = now
            return CheckinResult(order_no, score, outcome)

    # --- the console ------------------------------------------------------------------------------

    def tasks(self, include_done: bool = False, limit: int = 200) -> List[TaskView]:
        with self.sessions() as session:
            query = select(StaffTask)
            if not include_done:
                query = query.where(StaffTask.status == TASK_OPEN)
            rows = session.execute(query.order_by(StaffTask.status.desc(), StaffTask.due_at).limit(limit)).scalars()
            return [_task_view(t) for t in rows]

    def complete_task(self, task_id: int, username: str, note: str, now: datetime) -> TaskView:
        with self.sessions.begin() as session:
            task = session.get(StaffTask, task_id)
            if task is None:
                raise KeyError(task_id)
            if task.status != TASK_DONE:
                task.status, task.done_at, task.done_by, task.note = TASK_DONE, now, username, note or None
            return _task_view(task)

    def week_counts(self, now: datetime) -> Dict[str, Dict[str, int]]:
        """Proactive messages of the last 7 days by kind and status, and how many buyers opted out."""
        counts: Dict[str, Dict[str, int]] = {}
        with self.sessions() as session:
            for kind, status, n in session.execute(
                select(CareMessage.kind, CareMessage.status, func.count())
                .where(CareMessage.created_at > now - WEEK)
                .group_by(CareMessage.kind, CareMessage.status)
            ):
                counts.setdefault(kind, {})[status] = n
            opted = session.execute(select(func.count()).select_from(Customer).where(Customer.care_opted_out_at.is_not(None))).scalar_one()
        counts["_opted_out"] = {"buyers": int(opted)}
        return counts

    def sent_to(self, customer_id: int, limit: int = 20) -> List[SentView]:
        with self.sessions() as session:
            rows = session.execute(
                select(CareMessage).where(CareMessage.customer_id == customer_id).order_by(CareMessage.created_at.desc()).limit(limit)
            ).scalars()
            return [SentView(r.kind, r.response, r.status, r.created_at, r.order_id) for r in rows]


def _task_view(task: StaffTask) -> TaskView:
    return TaskView(
        task.id, task.kind, task.title, task.customer_id, dict(task.detail or {}), task.status, task.created_at,
        task.due_at, task.done_by, task.note,
    )
