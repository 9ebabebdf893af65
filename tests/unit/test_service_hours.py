"""Service hours on the official Chinese calendar: workdays, weekends, 调休, public holidays, and beyond its data."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from bot.handoff.hours import (
    DayKind,
    ServiceHours,
    add_service_hours,
    day_kind,
    describe_opening,
    is_open,
    next_opening,
)

HOURS = ServiceHours(workday=(time(9), time(22)), weekend=(time(10), time(20)), public_holiday=None)


@pytest.mark.parametrize(
    ("day", "kind", "name"),
    [
        (date(2026, 11, 25), DayKind.WORKDAY, None),  # a Wednesday
        (date(2026, 11, 28), DayKind.WEEKEND, None),  # a Saturday
        (date(2026, 10, 1), DayKind.PUBLIC_HOLIDAY, "国庆节"),
        (date(2026, 2, 17), DayKind.PUBLIC_HOLIDAY, "春节"),
        (date(2026, 10, 10), DayKind.WORKDAY, None),  # 调休: a Saturday that is an official workday
        (date(2027, 1, 1), DayKind.PUBLIC_HOLIDAY, "元旦"),  # beyond chinese-calendar's data: fixed dates
        (date(2027, 3, 6), DayKind.WEEKEND, None),  # beyond its data: Saturday
        (date(2027, 3, 8), DayKind.WORKDAY, None),  # beyond its data: Monday
    ],
)
def test_day_kind(day: date, kind: DayKind, name: str) -> None:
    assert day_kind(day) == (kind, name)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 25, 12, 0), datetime(2026, 11, 25, 12, 0)),  # open now
        (datetime(2026, 11, 25, 8, 59), datetime(2026, 11, 25, 9, 0)),  # before opening
        (datetime(2026, 11, 25, 22, 0), datetime(2026, 11, 26, 9, 0)),  # closing time is closed
        (datetime(2026, 11, 27, 23, 30), datetime(2026, 11, 28, 10, 0)),  # Friday night → Saturday hours
        (datetime(2026, 9, 30, 22, 30), datetime(2026, 10, 8, 9, 0)),  # National Day week (1–7) closed
        (datetime(2026, 12, 31, 23, 0), datetime(2027, 1, 2, 10, 0)),  # into a year without data: no crash
    ],
)
def test_next_opening(moment: datetime, expected: datetime) -> None:
    assert next_opening(moment, HOURS) == expected


def test_is_open_respects_the_day_kind() -> None:
    assert is_open(datetime(2026, 11, 28, 10, 30), HOURS)  # Saturday hours
    assert not is_open(datetime(2026, 11, 28, 9, 30), HOURS)  # Saturday opens at 10
    assert not is_open(datetime(2026, 10, 2, 12, 0), HOURS)  # a public holiday, closed


@pytest.mark.parametrize(
    ("start", "amount", "due"),
    [
        (datetime(2026, 11, 25, 10, 0), timedelta(hours=2), datetime(2026, 11, 25, 12, 0)),
        (datetime(2026, 11, 25, 21, 0), timedelta(hours=2), datetime(2026, 11, 26, 10, 0)),  # over a night
        (datetime(2026, 11, 25, 23, 0), timedelta(hours=1), datetime(2026, 11, 26, 10, 0)),  # starts when staff do
        (datetime(2026, 9, 30, 21, 0), timedelta(hours=3), datetime(2026, 10, 8, 11, 0)),  # over the holiday week
    ],
)
def test_due_times_count_only_staffed_hours(start: datetime, amount: timedelta, due: datetime) -> None:
    assert add_service_hours(start, amount, HOURS) == due


def test_a_shop_that_never_opens_is_an_error_not_a_hang() -> None:
    closed = ServiceHours(None, None, None)
    with pytest.raises(ValueError, match="service_hours"):
        next_opening(datetime(2026, 11, 25, 12, 0), closed)


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 11, 25, 14, 0), "今天 14:00"),
        (datetime(2026, 11, 26, 9, 0), "明天 09:00"),
        (datetime(2026, 11, 27, 9, 0), "后天 09:00"),
        (datetime(2026, 12, 3, 9, 0), "12月3日 09:00"),
    ],
)
def test_describe_opening(moment: datetime, text: str) -> None:
    assert describe_opening(moment, datetime(2026, 11, 25, 8, 0)) == text
