"""Exactly once for platform messages: the first request for a message id processes it, every retry
gets the reply the first one produced.

The unique index on ``message_id`` decides who processes a message, across
any number of servers sharing the CRM database. A claim left ``processing`` by
a server that died is taken over after ``STALE_AFTER``, so no message is stuck.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, Optional

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.crm.db import UsesCrm
from bot.crm.models import WebhookMessage

PROCESSING = "processing"
ANSWERED = "answered"
STALE_AFTER = timedelta(seconds=90)  # longer than any turn (action timeouts included) can take
#: Platforms retry for minutes, not days, but the console's dashboard counts the buyers who wrote per week
#: from here (eight weeks shown); the tracker keeps the conversations themselves.
KEEP_FOR = timedelta(days=90)


class ClaimState(enum.Enum):
    NEW = "new"  # this request processes the message
    ANSWERED = "answered"  # processed before: send the stored reply again
    BUSY = "busy"  # another request is processing it right now
    FOREIGN = "foreign"  # the id was used by another sender: refuse


@dataclass(frozen=True)
class Claim:
    state: ClaimState
    reply: Optional[Dict[str, Any]] = None


class MessageLedger(UsesCrm):
    def __init__(self, sessions: Optional[sessionmaker] = None):
        super().__init__(sessions)

    def claim(self, message_id: str, sender_id: str, now: datetime, text: str = "") -> Claim:
        """Take on ``message_id`` (and keep the buyer's text), or learn why not."""
        try:
            with self.sessions.begin() as session:
                session.add(
                    WebhookMessage(
                        message_id=message_id,
                        sender_id=sender_id,
                        status=PROCESSING,
                        text=text,
                        received_at=now,
                        claimed_at=now,
                    )
                )
            return Claim(ClaimState.NEW)
        except IntegrityError:
            pass
        with self.sessions.begin() as session:
            row = session.execute(select(WebhookMessage).where(WebhookMessage.message_id == message_id)).scalar_one()
            if row.sender_id != sender_id:
                return Claim(ClaimState.FOREIGN)
            if row.status == ANSWERED:
                return Claim(ClaimState.ANSWERED, row.reply)
            if now - row.claimed_at < STALE_AFTER:
                return Claim(ClaimState.BUSY)
            taken = session.execute(
                update(WebhookMessage)
                .where(WebhookMessage.id == row.id, WebhookMessage.claimed_at == row.claimed_at)
                .values(claimed_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            return Claim(ClaimState.NEW if taken == 1 else ClaimState.BUSY)

    def prune(self, now: datetime, keep_for: timedelta = KEEP_FOR) -> int:
        """Forget answered messages older than ``keep_for``, so the ledger does not grow without bound."""
        with self.sessions.begin() as session:
            return session.execute(
                delete(WebhookMessage)
                .where(WebhookMessage.status == ANSWERED, WebhookMessage.answered_at < now - keep_for)
                .execution_options(synchronize_session=False)
            ).rowcount

    def answer(self, message_id: str, reply: Dict[str, Any], now: datetime) -> None:
        with self.sessions.begin() as session:
            session.execute(
                update(WebhookMessage)
                .where(WebhookMessage.message_id == message_id)
                .values(status=ANSWERED, reply=reply, answered_at=now)
                .execution_options(synchronize_session=False)
            )
