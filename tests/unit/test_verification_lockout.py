"""When failed identity checks lock a key, and for how long (bot.orders.verification.locked_until)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.orders.verification import Attempt, mask
from bot.security.lockout import LockoutRule, locked_until

RULE = LockoutRule(max_failures=3, window=timedelta(minutes=60), lockout=timedelta(minutes=90))
T = datetime(2026, 11, 30, 10, 0)


def minutes(*offsets: int) -> list:
    return [T + timedelta(minutes=m) for m in offsets]


def test_fewer_failures_than_the_limit_lock_nothing() -> None:
    assert locked_until(minutes(0, 5), RULE) is None
    assert locked_until([], RULE) is None


def test_the_limit_within_the_window_locks_until_the_lockout_after_the_last() -> None:
    assert locked_until(minutes(0, 20, 59), RULE) == T + timedelta(minutes=59 + 90)


def test_failures_spread_wider_than_the_window_lock_nothing() -> None:
    assert locked_until(minutes(0, 40, 80, 120), RULE) is None  # never three within an hour


def test_a_later_burst_extends_the_lockout() -> None:
    assert locked_until(minutes(0, 1, 2, 200, 201, 202), RULE) == T + timedelta(minutes=202 + 90)


def test_an_attempt_names_only_the_keys_it_has() -> None:
    assert Attempt("guest_1", phone="13800000005").keys() == {"sender_id": "guest_1", "phone": "13800000005"}
    assert Attempt("guest_1", "13800000005", "8526130497501568", "203.0.113.9").keys()["source"] == "203.0.113.9"


def test_staff_see_keys_masked() -> None:
    assert mask("13800000005") == "138****0005" and mask("8526130497501568") == "852****1568"
