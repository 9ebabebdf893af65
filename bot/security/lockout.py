"""Lock-out after repeated failures, as a pure rule: the identity check (bot.orders.verification) and the console's
sign-in (bot.staff.throttle) both count failures per key and lock a key that failed too often too quickly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional, Sequence


@dataclass(frozen=True)
class LockoutRule:
    max_failures: int
    window: timedelta
    lockout: timedelta

    @property
    def memory(self) -> timedelta:
        """How far back failures can still matter."""
        return self.window + self.lockout


def locked_until(failures: Sequence[datetime], rule: LockoutRule) -> Optional[datetime]:
    """The end of the lock-out these failures of one key impose: any ``max_failures`` of them within the window
    lock it until ``lockout`` after the last of those; None when they never came that close together."""
    times = sorted(failures)
    until: Optional[datetime] = None
    for last in range(rule.max_failures - 1, len(times)):
        if times[last] - times[last - rule.max_failures + 1] <= rule.window:
            end = times[last] + rule.lockout
            until = end if until is None or end > until else until
    return until
