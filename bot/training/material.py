"""Conversations marked as training material in the console, for the retraining step to read."""

from __future__ import annotations

from datetime import datetime
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.crm.db import UsesCrm
from bot.crm.models import TrainingMaterial


class TrainingMaterialStore(UsesCrm):
    def __init__(self, sessions: Optional[sessionmaker] = None):
        super().__init__(sessions)

    def mark(self, sender_id: str, handoff_id: int, staff_username: str, note: str, now: datetime) -> bool:
        """Mark a handed-over conversation; False when it was marked already (once per case)."""
        try:
            with self.sessions.begin() as session:
                session.add(
                    TrainingMaterial(
                        sender_id=sender_id, handoff_id=handoff_id, marked_by=staff_username, note=note[:500], marked_at=now
                    )
                )
            return True
        except IntegrityError:
            return False

    def is_marked(self, handoff_id: int) -> bool:
        with self.sessions() as session:
            return session.execute(
                select(TrainingMaterial.id).where(TrainingMaterial.handoff_id == handoff_id)
            ).first() is not None

    def unused(self) -> List[TrainingMaterial]:
        """What no training run has taken in yet, oldest first."""
        with self.sessions() as session:
            return list(
                session.execute(
                    select(TrainingMaterial).where(TrainingMaterial.used_at.is_(None)).order_by(TrainingMaterial.id)
                ).scalars()
            )
