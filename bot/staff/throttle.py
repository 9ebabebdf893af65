"""The console's sign-in cannot be guessed at: back-off after each failure, lock-out after repeated ones.

Failed sign-ins are kept per user name (whether or not that name exists, so a lock-out tells nothing
about which names are real) and per client address. Each failure makes the next answer slower
(``backoff``); ``ACCOUNT`` failures of one name, or ``ADDRESS`` failures from one address, within
the window lock that name or address for the lock-out time, during which even the right password
is refused. Every lock-out is written to the audit log by the console.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import or_, select
from sqlalchemy.orm import sessionmaker

from bot.crm.db import UsesCrm
from bot.crm.models import LoginAttempt
from bot.security.lockout import LockoutRule, locked_until

ACCOUNT = LockoutRule(max_failures=5, window=timedelta(minutes=15), lockout=timedelta(minutes=15))
ADDRESS = LockoutRule(max_failures=20, window=timedelta(minutes=15), lockout=timedelta(minutes=15))
BACKOFF_START = 0.25  # seconds added to the answer after the first recent failure, doubling, at most BACKOFF_MAX
BACKOFF_MAX = 4.0


def backoff(recent_failures: int) -> float:
    """Seconds to hold the answer to a failed sign-in, growing with the failures before it."""
    if recent_failures <= 0:
        return 0.0
    return min(BACKOFF_START * 2 ** (recent_failures - 1), BACKOFF_MAX)


class LoginThrottle(UsesCrm):
    def __init__(self, sessions: Optional[sessionmaker] = None, account: LockoutRule = ACCOUNT,
                 address: LockoutRule = ADDRESS):
        super().__init__(sessions)
        self.account = account
        self.address = address

    def _failures(self, username: str, address: str, now: datetime) -> tuple:
        since = now - max(self.account.memory, self.address.memory)
        with self.sessions() as session:
            rows = session.execute(
                select(LoginAttempt.username, LoginAttempt.address, LoginAttempt.at).where(
                    LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since,
                    or_(LoginAttempt.username == username, LoginAttempt.address == address),
                )
            ).all()
        return [r.at for r in rows if r.username == username], [r.at for r in rows if r.address == address]

    def locked_until(self, username: str, address: str, now: datetime) -> Optional[datetime]:
        """When the lock-out on this name or this address ends, or None when neither is locked."""
        by_name, by_address = self._failures(username, address, now)
        ends = [end for end in (locked_until(by_name, self.account), locked_until(by_address, self.address))
                if end is not None and end > now]
        return max(ends) if ends else None

    def record(self, username: str, address: str, succeeded: bool, now: datetime) -> None:
        with self.sessions.begin() as session:
            session.add(LoginAttempt(username=username[:64], address=address[:64], succeeded=succeeded, at=now))

    def recent_failures(self, username: str, address: str, now: datetime) -> int:
        """Failures of this name or from this address within the account window: what the back-off grows with."""
        by_name, by_address = self._failures(username, address, now)
        return max(sum(at >= now - self.account.window for at in by_name),
                   sum(at >= now - self.address.window for at in by_address))
