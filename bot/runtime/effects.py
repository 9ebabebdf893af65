"""Side effects once per buyer message.

Rasa can run an action again for a message it already handled: the platform replays a message whose
first answer was lost, a turn is retried after a failure, a fallback rewinds. An action that writes
(a complaint, a hand-over, a cancellation, a new address, an after-sales case, a score) must not write
twice for it. Writing actions therefore remember, per chat, message id and action, what they said and
which events they returned; a second run for the same message repeats exactly that — the buyer gets
the same answer, the tracker the same events — and writes nothing.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from bot.crm.db import UsesCrm
from bot.crm.models import ActionEffect

logger = logging.getLogger(__name__)

KEEP_FOR = timedelta(days=7)  # a replay or a rewind comes within minutes; a week is ample


@dataclass(frozen=True)
class Done:
    """What the first run for a message said and returned."""

    events: List[Dict[str, Any]]
    messages: List[Dict[str, Any]]


class EffectLedger(UsesCrm):
    def __init__(self, sessions: Optional[sessionmaker] = None):
        super().__init__(sessions)

    def recall(self, sender_id: str, message_id: str, action: str) -> Optional[Done]:
        with self.sessions() as session:
            row = session.execute(
                select(ActionEffect).where(
                    ActionEffect.sender_id == sender_id, ActionEffect.message_id == message_id, ActionEffect.action == action
                )
            ).scalar_one_or_none()
            return Done(list(row.events or []), list(row.messages or [])) if row else None

    def remember(self, sender_id: str, message_id: str, action: str, done: Done, now: datetime) -> None:
        """Keep what the run did; a concurrent run that got here first keeps its own (the unique key decides).

        The write itself is done and answered by now: failing to remember it is logged, never the buyer's problem.
        """
        stored = json.loads(json.dumps({"events": done.events, "messages": done.messages}, default=str))
        try:
            with self.sessions.begin() as session:
                session.add(ActionEffect(sender_id=sender_id, message_id=message_id[:64], action=action[:64],
                                         events=stored["events"], messages=stored["messages"], created_at=now))
        except IntegrityError:
            pass
        except SQLAlchemyError:
            logger.exception("could not remember %s for message %s of %s", action, message_id, sender_id)

    def prune(self, now: datetime, keep_for: timedelta = KEEP_FOR) -> int:
        with self.sessions.begin() as session:
            return session.execute(
                delete(ActionEffect).where(ActionEffect.created_at < now - keep_for).execution_options(synchronize_session=False)
            ).rowcount
