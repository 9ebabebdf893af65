"""Console sign-in back-off and lock-out per user name and per address, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from bot.crm.db import session_factory
from bot.staff.throttle import ACCOUNT, ADDRESS, BACKOFF_MAX, LoginThrottle, backoff
from tests.conftest import AS_OF


def test_the_back_off_doubles_and_stops_at_its_cap() -> None:
    assert [backoff(n) for n in range(5)] == [0.0, 0.25, 0.5, 1.0, 2.0]
    assert backoff(50) == BACKOFF_MAX


def test_one_name_failing_locks_that_name_from_any_address(seeded_db_url: str) -> None:
    throttle = LoginThrottle(session_factory(seeded_db_url))
    for n in range(ACCOUNT.max_failures):
        assert throttle.locked_until("thr_agent", f"10.0.0.{n}", AS_OF) is None
        throttle.record("thr_agent", f"10.0.0.{n}", False, AS_OF + timedelta(seconds=n))
    last = AS_OF + timedelta(seconds=ACCOUNT.max_failures - 1)
    assert throttle.locked_until("thr_agent", "10.9.9.9", last) == last + ACCOUNT.lockout
    assert throttle.locked_until("thr_other", "10.9.9.9", last) is None  # other names are not caught
    assert throttle.locked_until("thr_agent", "10.9.9.9", last + ACCOUNT.lockout + timedelta(seconds=1)) is None


def test_one_address_trying_many_names_locks_the_address(seeded_db_url: str) -> None:
    throttle = LoginThrottle(session_factory(seeded_db_url))
    for n in range(ADDRESS.max_failures):
        throttle.record(f"thr_guess_{n}", "192.0.2.7", False, AS_OF)
    assert throttle.locked_until("thr_guess_new", "192.0.2.7", AS_OF) == AS_OF + ADDRESS.lockout
    assert throttle.locked_until("thr_guess_new", "192.0.2.8", AS_OF) is None
    assert throttle.recent_failures("thr_guess_new", "192.0.2.7", AS_OF) == ADDRESS.max_failures


def test_successes_do_not_count(seeded_db_url: str) -> None:
    throttle = LoginThrottle(session_factory(seeded_db_url))
    for _ in range(ACCOUNT.max_failures + 3):
        throttle.record("thr_happy", "10.1.1.1", True, AS_OF)
    assert throttle.locked_until("thr_happy", "10.1.1.1", AS_OF) is None
