"""Console sessions and the audit log.

A session cookie carries 32 random bytes; the database keeps their SHA-256,
the staff member, a CSRF token for every form of the session and an expiry.
Signing out or expiry ends it. Every staff action the console carries out is
written to the audit log with who, what, on what and when.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional

from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from bot.crm.db import UsesCrm
from bot.crm.models import AuditEntry, StaffSession, StaffUser
from bot.staff.accounts import StaffIdentity, token_hash

SESSION_LIFETIME = timedelta(hours=12)  # one working day


@dataclass(frozen=True)
class ConsoleSession:
    staff: StaffIdentity
    csrf_token: str


class StaffSessions(UsesCrm):
    def __init__(self, sessions: Optional[sessionmaker] = None):
        super().__init__(sessions)

    def open(self, staff: StaffIdentity, now: datetime) -> tuple:
        """A new session for ``staff``: (cookie token, csrf token)."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self.sessions.begin() as session:
            session.add(
                StaffSession(
                    token_hash=token_hash(token),
                    staff_user_id=staff.id,
                    csrf_token=csrf,
                    created_at=now,
                    expires_at=now + SESSION_LIFETIME,
                )
            )
        return token, csrf

    def find(self, token: str, now: datetime) -> Optional[ConsoleSession]:
        if not token:
            return None
        with self.sessions() as session:
            row = session.execute(
                select(StaffSession, StaffUser)
                .join(StaffUser, StaffUser.id == StaffSession.staff_user_id)
                .where(
                    StaffSession.token_hash == token_hash(token),
                    StaffSession.revoked_at.is_(None),
                    StaffSession.expires_at > now,
                    StaffUser.active.is_(True),
                )
            ).first()
            if row is None:
                return None
            user = row.StaffUser
            return ConsoleSession(StaffIdentity(user.id, user.username, user.display_name, user.role), row.StaffSession.csrf_token)

    def close(self, token: str, now: datetime) -> None:
        with self.sessions.begin() as session:
            session.execute(
                update(StaffSession)
                .where(StaffSession.token_hash == token_hash(token), StaffSession.revoked_at.is_(None))
                .values(revoked_at=now)
                .execution_options(synchronize_session=False)
            )

    def audit(self, staff: Optional[StaffIdentity], action: str, target: str, now: datetime, **detail: Any) -> None:
        with self.sessions.begin() as session:
            session.add(
                AuditEntry(
                    staff_user_id=staff.id if staff else None,
                    username=staff.username if staff else detail.pop("username", "?"),
                    action=action,
                    target=str(target)[:64],
                    detail=detail,
                    at=now,
                )
            )

    def recent_audit(self, limit: int = 200) -> List[Dict[str, Any]]:
        with self.sessions() as session:
            rows = session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)).scalars()
            return [
                {"at": r.at, "username": r.username, "action": r.action, "target": r.target, "detail": r.detail}
                for r in rows
            ]
