"""The shop's reply standard for buyers waiting on staff: answered the same (service) day, never after 3 days.

A buyer is waiting from the moment the case was queued until staff first answer, and again from their
first message after staff's last answer. The buyer's messages come from the webhook's ledger and staff's
answers from the outbox, so this needs the CRM only, not a tracker read per conversation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Dict, List, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from bot.care.rules import CareRules
from bot.crm.db import UsesCrm
from bot.crm.models import OPEN_HANDOFF, Handoff, OutboundMessage, WebhookMessage
from bot.handoff import hours
from bot.handoff.hours import ServiceHours

ON_TIME, DUE_SOON, LATE, BREACHED = "按时", "今天到期", "已超时", "严重超时"


@dataclass(frozen=True)
class ReplyDue:
    handoff_id: int
    waiting_since: datetime
    due_at: datetime  # the standard: by the end of that service day
    latest_at: datetime  # the limit: never more than max_days
    state: str

    @property
    def overdue(self) -> bool:
        return self.state in (LATE, BREACHED)

    def label(self, now: datetime) -> str:
        if self.state == BREACHED:
            return f"严重超时：已等 {(now - self.waiting_since).days} 天"
        if self.state == LATE:
            return f"已超时：应在 {self.due_at:%m-%d %H:%M} 前回复"
        return f"请在 {self.due_at:%m-%d %H:%M} 前回复"


def reply_due(since: datetime, now: datetime, service: ServiceHours, rules: CareRules) -> ReplyDue:
    """When a message that arrived at ``since`` must be answered, and how that stands at ``now``.

    "The same day" is the service day: a message after closing (or on a day off) is due by the close of
    the next day staff are in.
    """
    latest = since + timedelta(days=rules.reply_max_days)
    due = latest
    if rules.reply_same_day:
        opening = hours.opening_on(since.date(), service)
        if opening is None or since >= opening[1]:
            next_open = hours.next_opening(since, service)
            opening = hours.opening_on(next_open.date(), service)
        if opening is not None:
            due = min(opening[1], latest)
    if now > latest:
        state = BREACHED
    elif now > due:
        state = LATE
    elif due.date() == now.date():
        state = DUE_SOON
    else:
        state = ON_TIME
    return ReplyDue(0, since, due, latest, state)


class ReplyWatch(UsesCrm):
    def __init__(self, service: ServiceHours, rules: CareRules, sessions: Optional[sessionmaker] = None):
        super().__init__(sessions)
        self.service = service
        self.rules = rules

    def waiting(self, now: datetime) -> Dict[int, ReplyDue]:
        """Open cases whose buyer is waiting for staff, by handoff id."""
        with self.sessions() as session:
            cases = session.execute(select(Handoff.id, Handoff.sender_id, Handoff.created_at).where(Handoff.status.in_(OPEN_HANDOFF))).all()
            answered = dict(
                session.execute(
                    select(OutboundMessage.handoff_id, func.max(OutboundMessage.created_at))
                    .where(OutboundMessage.kind == "agent", OutboundMessage.handoff_id.in_([c.id for c in cases]))
                    .group_by(OutboundMessage.handoff_id)
                ).all()
            )
            found: Dict[int, ReplyDue] = {}
            for case_id, sender_id, queued_at in cases:
                last_answer = answered.get(case_id)
                since = queued_at if last_answer is None else self._first_message_after(session, sender_id, last_answer)
                if since is None:
                    continue  # staff answered and the buyer has not written since
                due = reply_due(since, now, self.service, self.rules)
                found[case_id] = ReplyDue(case_id, due.waiting_since, due.due_at, due.latest_at, due.state)
            return found

    @staticmethod
    def _first_message_after(session, sender_id: str, moment: datetime) -> Optional[datetime]:  # type: ignore[no-untyped-def]
        return session.execute(
            select(func.min(WebhookMessage.received_at)).where(WebhookMessage.sender_id == sender_id, WebhookMessage.received_at > moment)
        ).scalar_one_or_none()

    def overdue(self, now: datetime) -> List[ReplyDue]:
        return sorted((d for d in self.waiting(now).values() if d.overdue), key=lambda d: d.waiting_since)
