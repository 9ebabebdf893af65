"""Staff users and their API tokens.

Passwords are stored as scrypt hashes (stdlib, salted, memory-hard); API tokens
are random 32-byte strings shown once and stored as SHA-256, which is enough
for a high-entropy secret and lets a token be looked up by its hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.crm.db import UsesCrm
from bot.crm.models import StaffRole, StaffSession, StaffToken, StaffUser

SCRYPT = {"n": 2**14, "r": 8, "p": 1}
USERNAME_MAX = 32
PASSWORD_MIN = 8
TOKEN_TOUCH = timedelta(minutes=1)


class AccountError(ValueError):
    """A staff account could not be created or used; the message says why, in Chinese for the CLI."""


@dataclass(frozen=True)
class StaffIdentity:
    """Who is acting: what the API and the console need to know about a member of staff."""

    id: int
    username: str
    display_name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == StaffRole.ADMIN.value


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, **SCRYPT)
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(candidate.hex(), digest)


#: Checked against when a user name does not exist: the same scrypt work as a real check.
UNKNOWN_USER_HASH = hash_password(secrets.token_urlsafe(16))


def _end_access(session: Session, user_id: int, now: datetime, tokens: bool = True) -> int:
    """Revoke every open console session (and API token) of a member of staff; returns how many."""
    ended = session.execute(
        update(StaffSession).where(StaffSession.staff_user_id == user_id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False)
    ).rowcount
    if tokens:
        ended += session.execute(
            update(StaffToken).where(StaffToken.staff_user_id == user_id, StaffToken.revoked_at.is_(None))
            .values(revoked_at=now).execution_options(synchronize_session=False)
        ).rowcount
    return ended


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _identity(user: StaffUser) -> StaffIdentity:
    return StaffIdentity(user.id, user.username, user.display_name, user.role)


class StaffAccounts(UsesCrm):
    def __init__(self, sessions: Optional[sessionmaker] = None):
        super().__init__(sessions)

    def create_user(self, username: str, display_name: str, password: str, role: str, now: datetime) -> StaffIdentity:
        """A new member of staff; refuses a taken name, a weak password or an unknown role."""
        username = username.strip()
        if not username or len(username) > USERNAME_MAX or not username.replace("_", "").replace(".", "").isalnum():
            raise AccountError(f"用户名须为 1–{USERNAME_MAX} 位字母、数字、下划线或点")
        if len(password) < PASSWORD_MIN:
            raise AccountError(f"密码至少 {PASSWORD_MIN} 位")
        if role not in {r.value for r in StaffRole}:
            raise AccountError(f"角色只能是 {'、'.join(r.value for r in StaffRole)}")
        user = StaffUser(
            username=username,
            display_name=display_name.strip() or username,
            password_hash=hash_password(password),
            role=role,
            active=True,
            created_at=now,
        )
        try:
            with self.sessions.begin() as session:
                session.add(user)
                session.flush()
                return _identity(user)
        except IntegrityError as exc:
            raise AccountError(f"用户名 {username} 已存在") from exc

    def list_users(self) -> List[Dict[str, Any]]:
        with self.sessions() as session:
            users = session.execute(select(StaffUser).order_by(StaffUser.id)).scalars()
            return [
                {"username": u.username, "display_name": u.display_name, "role": u.role, "active": u.active,
                 "created_at": u.created_at}
                for u in users
            ]

    def check_password(self, username: str, password: str) -> Optional[StaffIdentity]:
        """The active member of staff with this name and password, or None.

        The password is hashed whether or not the name exists or is disabled, so the time an answer takes
        does not tell which user names are real.
        """
        with self.sessions() as session:
            user = session.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none()
            matches = verify_password(password, user.password_hash if user is not None else UNKNOWN_USER_HASH)
            if user is None or not user.active or not matches:
                return None
            return _identity(user)

    def set_active(self, username: str, active: bool, now: datetime) -> int:
        """Enable or disable an account. Disabling ends it at once: every console session and API token it holds
        stops working (a departing agent is locked out). Returns how many sessions and tokens were ended."""
        with self.sessions.begin() as session:
            user = self._user(session, username)
            user.active = active
            return 0 if active else _end_access(session, user.id, now)

    def reset_password(self, username: str, password: str, now: datetime) -> int:
        """A new password; the account's console sessions end (whoever knew the old one is signed out)."""
        if len(password) < PASSWORD_MIN:
            raise AccountError(f"密码至少 {PASSWORD_MIN} 位")
        with self.sessions.begin() as session:
            user = self._user(session, username)
            user.password_hash = hash_password(password)
            return _end_access(session, user.id, now, tokens=False)

    @staticmethod
    def _user(session: Session, username: str) -> StaffUser:
        user = session.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none()
        if user is None:
            raise AccountError(f"没有员工账号 {username}")
        return user

    def issue_token(self, username: str, label: str, now: datetime) -> str:
        """A new API token for ``username``; returned once, only its hash is kept."""
        token = "xe_" + secrets.token_urlsafe(32)
        with self.sessions.begin() as session:
            user = session.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none()
            if user is None or not user.active:
                raise AccountError(f"没有在职的员工账号 {username}")
            session.add(StaffToken(staff_user_id=user.id, token_hash=token_hash(token), label=label[:64], created_at=now))
        return token

    def revoke_tokens(self, username: str, now: datetime) -> int:
        with self.sessions.begin() as session:
            user = session.execute(select(StaffUser).where(StaffUser.username == username)).scalar_one_or_none()
            if user is None:
                raise AccountError(f"没有员工账号 {username}")
            tokens = session.execute(
                select(StaffToken).where(StaffToken.staff_user_id == user.id, StaffToken.revoked_at.is_(None))
            ).scalars()
            count = 0
            for token in tokens:
                token.revoked_at = now
                count += 1
            return count

    def by_token(self, token: str, now: datetime) -> Optional[StaffIdentity]:
        """The active member of staff holding ``token``, or None for an unknown, revoked or disabled one."""
        if not token:
            return None
        with self.sessions.begin() as session:
            row = session.execute(
                select(StaffToken, StaffUser)
                .join(StaffUser, StaffUser.id == StaffToken.staff_user_id)
                .where(StaffToken.token_hash == token_hash(token), StaffToken.revoked_at.is_(None))
            ).first()
            if row is None or not row.StaffUser.active:
                return None
            last = row.StaffToken.last_used_at
            if last is None or now - last > TOKEN_TOUCH:  # one write a minute, not one per request
                row.StaffToken.last_used_at = now
            return _identity(row.StaffUser)
