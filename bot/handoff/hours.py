"""When staff answer: the shop's service hours on workdays, weekends and Chinese public holidays.

A buyer handed to a human is told who answers and when; a complaint is due
within so many service hours. Both need the shop's calendar, which follows
the official Chinese one (chinese-calendar): 调休 Saturdays are workdays, a
holiday on a Monday is a holiday. The package only knows years it has data
for, so beyond them the days fall back to Monday–Friday workdays plus the
fixed-date holidays, and the answer is never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Optional, Tuple

import chinese_calendar

#: Fixed-date public holidays used only for years chinese-calendar has no data for.
FIXED_HOLIDAYS = {(1, 1): "元旦", (5, 1): "劳动节", (10, 1): "国庆节", (10, 2): "国庆节", (10, 3): "国庆节"}
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
}
SEARCH_DAYS = 31  # a shop closed for longer than a month is a configuration error, caught at load

Span = Tuple[time, time]


class DayKind(str, Enum):
    WORKDAY = "workday"  # including 调休 weekend days that are official workdays
    WEEKEND = "weekend"
    PUBLIC_HOLIDAY = "public_holiday"


@dataclass(frozen=True)
class ServiceHours:
    """Opening hours per kind of day; None means closed that kind of day."""

    workday: Optional[Span]
    weekend: Optional[Span]
    public_holiday: Optional[Span]

    def span(self, kind: DayKind) -> Optional[Span]:
        return {DayKind.WORKDAY: self.workday, DayKind.WEEKEND: self.weekend, DayKind.PUBLIC_HOLIDAY: self.public_holiday}[kind]


def day_kind(day: date) -> Tuple[DayKind, Optional[str]]:
    """What kind of day ``day`` is in China, with the holiday's Chinese name when it is one."""
    try:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:  # a year the package has no data for
        fixed = FIXED_HOLIDAYS.get((day.month, day.day))
        if fixed:
            return DayKind.PUBLIC_HOLIDAY, fixed
        return (DayKind.WEEKEND if day.weekday() >= 5 else DayKind.WORKDAY), None
    if not is_holiday:
        return DayKind.WORKDAY, None
    if name:
        return DayKind.PUBLIC_HOLIDAY, HOLIDAY_NAMES.get(name, name)
    return DayKind.WEEKEND, None


def opening_on(day: date, hours: ServiceHours) -> Optional[Tuple[datetime, datetime]]:
    """When staff are in on ``day`` (start, end), or None when the shop's service is closed."""
    span = hours.span(day_kind(day)[0])
    if span is None:
        return None
    return datetime.combine(day, span[0]), datetime.combine(day, span[1])


def is_open(moment: datetime, hours: ServiceHours) -> bool:
    opening = opening_on(moment.date(), hours)
    return opening is not None and opening[0] <= moment < opening[1]


def next_opening(moment: datetime, hours: ServiceHours) -> datetime:
    """``moment`` itself when staff are in, else the next time they are."""
    for offset in range(SEARCH_DAYS + 1):
        opening = opening_on(moment.date() + timedelta(days=offset), hours)
        if opening is None:
            continue
        start, end = opening
        if offset == 0 and moment >= end:
            continue
        return max(start, moment)
    raise ValueError(f"客服在 {moment:%Y-%m-%d} 之后 {SEARCH_DAYS} 天内都不上班，请检查 service_hours")


def add_service_hours(start: datetime, amount: timedelta, hours: ServiceHours) -> datetime:
    """The moment ``amount`` of staffed time has passed after ``start`` (a due time that skips nights and holidays)."""
    moment = next_opening(start, hours)
    remaining = amount
    while True:
        opening = opening_on(moment.date(), hours)
        assert opening is not None  # next_opening only returns staffed moments
        available = opening[1] - moment
        if remaining <= available:
            return moment + remaining
        remaining -= available
        moment = next_opening(opening[1], hours)


def describe_opening(moment: datetime, now: datetime) -> str:
    """'今天 14:00' / '明天 09:00' / '10月8日 09:00' — how a buyer is told when someone answers."""
    days = (moment.date() - now.date()).days
    prefix = {0: "今天", 1: "明天", 2: "后天"}.get(days, f"{moment.month}月{moment.day}日")
    return f"{prefix} {moment:%H:%M}"
