"""Recording a complaint in the 抱怨数据库: classified, due by severity, compensation within limits, once.

A retried chat message carries the same message id, and the unique index on
it turns the second insert into "return the first record".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.complaints.classifier import classify
from bot.crm.db import UsesCrm, next_daily_number
from bot.crm.models import Complaint, ComplaintStatus, Order
from bot.handoff.hours import add_service_hours
from bot.policy.model import Policy

RECENT = timedelta(days=30)
NO_COMPENSATION = "无"


@dataclass(frozen=True)
class ComplaintView:
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

    def _by_message(self, message_id: Optional[str]) -> Optional[ComplaintView]:
        if not message_id:
            return None
        with self.sessions() as session:
            found = session.execute(select(Complaint).where(Complaint.message_id == message_id)).scalar_one_or_none()
            if found is None:
                return None
            order_no = session.execute(select(Order.order_no).where(Order.id == found.order_id)).scalar_one_or_none()
            return _view(found, order_no, created=False)


def _next_number(session, now: datetime) -> str:  # type: ignore[no-untyped-def]
    """TS + yymmdd + a four-digit sequence of the day (投诉单号)."""
    return next_daily_number(session, Complaint.complaint_no, "TS", now)


def _view(record: Complaint, order_no: Optional[str], created: bool) -> ComplaintView:
    return ComplaintView(
        complaint_no=record.complaint_no,
        category=record.category,
        severity=record.severity,
        order_no=order_no,
        due_at=record.due_at,
        compensation=record.compensation,
        created=created,
    )
