"""Identity checks that cannot be brute-forced.

A chat the shop does not know proves who it is with the phone number and an order number of the
same buyer. Counting failures in a slot was not enough: a new session or a new sender id started
the count again. Failures are therefore kept in the CRM and counted per phone number, per order
number, per chat and per source address (when the platform sends one): ``max_failures`` of them
within ``window_minutes`` on any of these locks it for ``lockout_minutes`` (``verification`` in
shop_policy.yml). While locked nothing is checked — not even a right pair — the buyer is told
until when, and may ask for a person. Staff see every lock-out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Dict, List, Optional

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.crm.db import UsesCrm
from bot.crm.models import VerificationFailure
from bot.policy.model import Policy
from bot.security.lockout import LockoutRule, locked_until


@dataclass(frozen=True)
class Attempt:
    """Who is trying: the chat, and whatever of phone, order number and address this attempt names."""

    sender_id: str
    phone: Optional[str] = None
    order_no: Optional[str] = None
    source: Optional[str] = None

    def keys(self) -> Dict[str, str]:
        found = {"sender_id": self.sender_id, "phone": self.phone, "order_no": self.order_no, "source": self.source}
        return {name: value for name, value in found.items() if value}


def mask(value: str) -> str:
    """A key as staff see it in the lock-out list: enough to recognise, not enough to reuse."""
    return value if len(value) <= 6 else f"{value[:3]}****{value[-4:]}"


class VerificationGuard(UsesCrm):
    def __init__(self, rule: LockoutRule, sessions: Optional[sessionmaker] = None):
        super().__init__(sessions)
        self.rule = rule

    @classmethod
    def from_policy(cls, policy: Policy, sessions: Optional[sessionmaker] = None) -> "VerificationGuard":
        """The guard with the ``verification`` section of shop_policy.yml."""
        rule = LockoutRule(policy.verify_max_failures, timedelta(minutes=policy.verify_window_minutes),
                           timedelta(minutes=policy.verify_lockout_minutes))
        return cls(rule, sessions)

    def locked_until(self, attempt: Attempt, now: datetime) -> Optional[datetime]:
        """When the longest lock-out on any of the attempt's keys ends, or None when none is locked now."""
        keys = attempt.keys()
        with self.sessions() as session:
            rows = session.execute(
                select(VerificationFailure).where(
                    VerificationFailure.at >= now - self.rule.memory,
                    or_(*(getattr(VerificationFailure, name) == value for name, value in keys.items())),
                )
            ).scalars().all()
        ends = [
            end for name, value in keys.items()
            if (end := locked_until([r.at for r in rows if getattr(r, name) == value], self.rule)) is not None and end > now
        ]
        return max(ends) if ends else None

    def record_failure(self, attempt: Attempt, now: datetime, message_id: Optional[str] = None) -> Optional[datetime]:
        """Count a failed check on every key, once per buyer message; returns the lock-out it starts, if any."""
        try:
            with self.sessions.begin() as session:
                session.add(VerificationFailure(sender_id=attempt.sender_id, phone=attempt.phone, order_no=attempt.order_no,
                                                source=attempt.source, message_id=message_id, at=now))
        except IntegrityError:  # this message's failure is already counted (a replayed or re-run turn)
            pass
        return self.locked_until(attempt, now)

    def active_lockouts(self, now: datetime) -> List[Dict[str, object]]:
        """Every key locked now, for staff: what (masked), how many failures, until when; the longest first."""
        with self.sessions() as session:
            rows = session.execute(
                select(VerificationFailure).where(VerificationFailure.at >= now - self.rule.memory)
            ).scalars().all()
        found = []
        labels = {"sender_id": "聊天", "phone": "手机号", "order_no": "订单号", "source": "来源地址"}
        for name, label in labels.items():
            for value in sorted({getattr(r, name) for r in rows if getattr(r, name)}):
                times = [r.at for r in rows if getattr(r, name) == value]
                end = locked_until(times, self.rule)
                if end is not None and end > now:
                    shown = value if name == "sender_id" else mask(value)
                    found.append({"kind": label, "key": shown, "failures": len(times), "until": end})
        return sorted(found, key=lambda item: item["until"], reverse=True)  # type: ignore[arg-type, return-value]
