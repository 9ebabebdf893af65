"""Recording a complaint in the 抱怨数据库: classified, due by severity, compensation within limits, once.

A retried chat message carries the same message id, and the unique index on
it turns the second insert into "return the first record".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, List, Optional

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.complaints.classifier import SEVERITIES, classify
from bot.complaints.followup import outcome_of
from bot.crm.db import UsesCrm, next_daily_number
from bot.crm.models import Complaint, ComplaintStatus, Customer, Order
from bot.handoff.hours import add_service_hours
from bot.policy.model import Policy

RECENT = timedelta(days=30)
#: A second "我要投诉" from the same chat within this time adds to the open complaint instead of opening another.
SAME_CONVERSATION = timedelta(hours=2)
NO_COMPENSATION = "无"


@dataclass(frozen=True)
class ComplaintView:
    id: int
    complaint_no: str
    category: str
    severity: str
    order_no: Optional[str]
    due_at: Optional[datetime]
    compensation: Optional[str]
    created: bool  # False when this message had already been recorded


class ComplaintService(UsesCrm):
    def __init__(self, policy: Policy, sessions: Optional[sessionmaker] = None):
        super().__init__(sessions)
        self.policy = policy

    def record(
        self,
        customer_id: int,
        text: str,
        now: datetime,
        sender_id: Optional[str] = None,
        order_no: Optional[str] = None,
        message_id: Optional[str] = None,
    ) -> ComplaintView:
        """Classify and store the buyer's own words; the same message id is recorded once."""
        for _ in range(20):  # only complaint-number races retry, and each lost race is progress
            try:
                return self._record_once(customer_id, text, now, sender_id, order_no, message_id)
            except IntegrityError:
                found = self._by_message(message_id)
                if found is not None:
                    return found
        raise RuntimeError("could not allocate a complaint number")  # pragma: no cover

    def _record_once(
        self,
        customer_id: int,
        text: str,
        now: datetime,
        sender_id: Optional[str],
        order_no: Optional[str],
        message_id: Optional[str],
    ) -> ComplaintView:
        existing = self._by_message(message_id)
        if existing is not None:
            return existing
        with self.sessions.begin() as session:
            open_one = _open_in_conversation(session, sender_id, now)
            if open_one is not None:  # "我要投诉 你给我记上" after it was recorded: one complaint, told more
                return _add_to(session, open_one, text, self.policy, now)
            earlier = session.execute(
                select(func.count(Complaint.id)).where(Complaint.customer_id == customer_id, Complaint.created_at >= now - RECENT)
            ).scalar_one()
            label = classify(text, earlier_complaints=earlier)
            order_id = None
            if order_no:
                order_id = session.execute(
                    select(Order.id).where(Order.order_no == order_no, Order.customer_id == customer_id)
                ).scalar_one_or_none()
            hours = self.policy.complaint_due_hours[label.severity]
            offer = self.policy.complaint_compensation[label.severity]
            record = Complaint(
                complaint_no=_next_number(session, now),
                customer_id=customer_id,
                order_id=order_id,
                sender_id=sender_id,
                message_id=message_id,
                category=label.category,
                severity=label.severity,
                text=text[:2000],
                status=ComplaintStatus.NEW.value,
                due_at=add_service_hours(now, timedelta(hours=hours), self.policy.service_hours),
                compensation=None if offer == NO_COMPENSATION else offer,
                created_at=now,
            )
            session.add(record)
            session.flush()
            return _view(record, order_no if order_id else None, created=True)

    def open_in_conversation(self, sender_id: str, now: datetime) -> Optional[ComplaintView]:
        """The complaint this chat lodged and nobody has answered yet ("多久能有人回复我" asks after it)."""
        with self.sessions() as session:
            found = _open_in_conversation(session, sender_id, now)
            if found is None:
                return None
            order_no = session.execute(select(Order.order_no).where(Order.id == found.order_id)).scalar_one_or_none()
            return _view(found, order_no, created=False)

    def _by_message(self, message_id: Optional[str]) -> Optional[ComplaintView]:
        if not message_id:
            return None
        with self.sessions() as session:
            found = session.execute(select(Complaint).where(Complaint.message_id == message_id)).scalar_one_or_none()
            if found is None:
                return None
            order_no = session.execute(select(Order.order_no).where(Order.id == found.order_id)).scalar_one_or_none()
            return _view(found, order_no, created=False)


def _open_in_conversation(session: Any, sender_id: Optional[str], now: datetime) -> Optional[Complaint]:
    if not sender_id:
        return None
    return session.execute(
        select(Complaint)
        .where(Complaint.sender_id == sender_id, Complaint.created_at >= now - SAME_CONVERSATION,
               Complaint.status == ComplaintStatus.NEW.value)
        .order_by(Complaint.created_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def _add_to(session: Any, record: Complaint, text: str, policy: Policy, now: datetime) -> ComplaintView:
    """The buyer's further words go on the open complaint; a graver one raises its severity and brings its due time forward."""
    record.text = f"{record.text}\n追加（{now:%H:%M}）：{text}"[:2000]
    label = classify(text)
    if SEVERITIES.index(label.severity) > SEVERITIES.index(record.severity):
        record.severity = label.severity
        due = add_service_hours(now, timedelta(hours=policy.complaint_due_hours[label.severity]), policy.service_hours)
        record.due_at = min(record.due_at, due) if record.due_at else due
    order_no = session.execute(select(Order.order_no).where(Order.id == record.order_id)).scalar_one_or_none()
    return _view(record, order_no, created=False)


def _next_number(session, now: datetime) -> str:  # type: ignore[no-untyped-def]
    """TS + yymmdd + a four-digit sequence of the day (投诉单号)."""
    return next_daily_number(session, Complaint.complaint_no, "TS", now)


def _view(record: Complaint, order_no: Optional[str], created: bool) -> ComplaintView:
    return ComplaintView(
        id=record.id,
        complaint_no=record.complaint_no,
        category=record.category,
        severity=record.severity,
        order_no=order_no,
        due_at=record.due_at,
        compensation=record.compensation,
        created=created,
    )


class ComplaintError(Exception):
    """A staff action on a complaint that cannot be done; ``status`` is the HTTP status for the API."""

    status = 409


class ComplaintNotFound(ComplaintError):
    status = 404


#: How long after the question a late answer still counts as the score.
FOLLOWUP_VALID = timedelta(days=3)
OPEN_COMPLAINT = (ComplaintStatus.NEW.value, ComplaintStatus.IN_PROGRESS.value, ComplaintStatus.COMPENSATED.value)


@dataclass(frozen=True)
class FollowupResult:
    complaint_no: str
    score: int
    outcome: str  # content / at_risk / reopen; already: the complaint was not waiting for a score (nothing changed)
    due_at: Optional[datetime]  # when a reopened complaint is due
    complaint_id: int


class ComplaintDesk(UsesCrm):
    """Staff's side of the 抱怨数据库 and the buyer's score at follow-up."""

    def __init__(self, policy: Policy, sessions: Optional[sessionmaker] = None):
        super().__init__(sessions)
        self.policy = policy

    def list_complaints(
        self,
        now: datetime,
        status: Optional[str] = None,
        severity: Optional[str] = None,
        overdue: bool = False,
        category: Optional[str] = None,
    ) -> List[Complaint]:
        with self.sessions() as session:
            query = select(Complaint)
            if category:
                query = query.where(Complaint.category == category)
            if status:
                query = query.where(Complaint.status == status)
            if severity:
                query = query.where(Complaint.severity == severity)
            if overdue:
                query = query.where(Complaint.status.in_(OPEN_COMPLAINT), Complaint.due_at < now)
            return list(session.execute(query.order_by(Complaint.due_at, Complaint.id)).scalars())

    def resolve(self, complaint_no: str, staff_id: int, resolution: str, compensation: Optional[str], now: datetime) -> Complaint:
        """Close the complaint with what was done; the buyer is asked for a score next."""
        with self.sessions.begin() as session:
            record = self._load(session, complaint_no)
            if record.status not in OPEN_COMPLAINT:
                raise ComplaintError(f"投诉 {complaint_no} 已{record.status}")
            record.status = ComplaintStatus.RESOLVED.value
            record.resolution = resolution[:2000]
            if compensation:
                record.compensation = compensation[:64]
            record.owner_id = record.owner_id or staff_id
            record.resolved_at = now
            record.followup_asked_at = None
            return record

    def update(
        self, complaint_no: str, staff_id: int, status: str, compensation: Optional[str], resolution: Optional[str]
    ) -> Complaint:
        """Staff work on an open complaint: 处理中 or 已补偿, what was offered, what was done (已解决 is ``resolve``)."""
        if status not in (ComplaintStatus.IN_PROGRESS.value, ComplaintStatus.COMPENSATED.value):
            raise ComplaintError(f"投诉状态只能改为 处理中 或 已补偿（已解决请用“解决”），不能是 {status}")
        with self.sessions.begin() as session:
            record = self._load(session, complaint_no)
            if record.status not in OPEN_COMPLAINT:
                raise ComplaintError(f"投诉 {complaint_no} 已{record.status}")
            record.status = status
            record.owner_id = record.owner_id or staff_id
            if compensation:
                record.compensation = compensation[:64]
            if resolution:
                record.resolution = resolution[:2000]
            return record

    def awaiting_question(self, sender_id: str) -> Optional[str]:
        """A resolved complaint from this chat whose buyer has not been asked for a score yet."""
        return self._latest_resolved(sender_id, Complaint.resolved_at, Complaint.followup_asked_at.is_(None))

    def _latest_resolved(self, sender_id: str, newest_by: Any, *conditions: Any) -> Optional[str]:
        with self.sessions() as session:
            return session.execute(
                select(Complaint.complaint_no)
                .where(Complaint.sender_id == sender_id, Complaint.status == ComplaintStatus.RESOLVED.value, *conditions)
                .order_by(newest_by.desc())
                .limit(1)
            ).scalar_one_or_none()

    def mark_asked(self, complaint_no: str, now: datetime, sender_id: str) -> Optional[Complaint]:
        """The question went out; None when the complaint is not waiting for one (e.g. reopened since) or is not
        this chat's: a complaint number names one buyer's complaint, and only their chat may be asked about it."""
        with self.sessions.begin() as session:
            record = session.execute(select(Complaint).where(Complaint.complaint_no == complaint_no)).scalar_one_or_none()
            if record is None or record.sender_id != sender_id or record.status != ComplaintStatus.RESOLVED.value:
                return None
            record.followup_asked_at = now
            return record

    def buyer_name(self, complaint_no: str) -> str:
        """How the follow-up addresses the buyer: their name, else their nickname."""
        with self.sessions() as session:
            customer = session.get(Customer, self._load(session, complaint_no).customer_id)
            return (customer.real_name or customer.nickname) if customer else "亲"

    def awaiting_score(self, sender_id: str, now: datetime) -> Optional[str]:
        """The complaint whose score this chat still owes (asked in the last few days, no answer yet)."""
        return self._latest_resolved(
            sender_id,
            Complaint.followup_asked_at,
            Complaint.followup_asked_at >= now - FOLLOWUP_VALID,
            Complaint.satisfaction.is_(None),
        )

    def record_score(self, complaint_no: str, score: int, now: datetime) -> FollowupResult:
        """5: 已回访. 3–4: 已回访 and the buyer is marked at risk. 1–2: the complaint is reopened, due again.

        Only a complaint waiting for its score takes one: the same answer read again (a rewound turn that left
        the question open in the chat) changes nothing, so a complaint is never reopened twice by one answer.
        """
        if not 1 <= score <= 5:
            raise ValueError(f"satisfaction must be 1–5, got {score}")
        outcome = outcome_of(score)
        with self.sessions.begin() as session:
            record = self._load(session, complaint_no)
            if record.status != ComplaintStatus.RESOLVED.value or record.satisfaction is not None:
                return FollowupResult(record.complaint_no, score, "already", None, record.id)
            record.satisfaction = score
            record.followed_up_at = now
            due = None
            if outcome == "reopen":
                record.status = ComplaintStatus.IN_PROGRESS.value
                record.reopened_count += 1
                record.resolved_at = None
                hours = self.policy.complaint_due_hours[record.severity]
                due = record.due_at = add_service_hours(now, timedelta(hours=hours), self.policy.service_hours)
            else:
                record.status = ComplaintStatus.FOLLOWED_UP.value
            customer = session.get(Customer, record.customer_id)
            if outcome == "at_risk" and customer.at_risk_since is None:
                customer.at_risk_since = now
            if outcome == "content":
                customer.at_risk_since = None
            return FollowupResult(record.complaint_no, score, outcome, due, record.id)

    @staticmethod
    def _load(session, complaint_no: str) -> Complaint:  # type: ignore[no-untyped-def]
        record = session.execute(
            select(Complaint).where(Complaint.complaint_no == complaint_no).with_for_update()
        ).scalar_one_or_none()
        if record is None:
            raise ComplaintNotFound(f"没有编号为 {complaint_no} 的投诉")
        return record
