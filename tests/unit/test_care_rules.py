"""The care rules as pure functions: who is messaged when, festival and birthday dates, the reply standard."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path

import pytest

from bot.care.events import birthday_today, festival_on, items_label
from bot.care.policy import SEND, SKIP, WAIT, BuyerFacts, decide
from bot.care.replies import BREACHED, DUE_SOON, LATE, ON_TIME, reply_due
from bot.care.rules import KINDS, CareRulesError, load_care_rules
from bot.handoff import hours
from bot.policy.model import load_policy

RULES = load_care_rules()  # the shipped care.yml
NOON = datetime(2026, 11, 25, 12, 0)  # a Wednesday
SERVICE = load_policy().service_hours


def test_the_shipped_care_file_reads_as_documented() -> None:
    assert (RULES.quiet_start, RULES.quiet_end, RULES.weekly_cap) == (time(21, 0), time(9, 0), 2)
    assert RULES.marketing == {"birthday", "festival", "winback"}
    assert RULES.opt_out_stops == set(KINDS)
    assert RULES.winback_offers["金牌"] == "50元无门槛券"
    assert (RULES.reply_same_day, RULES.reply_max_days) == (True, 3)


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [(time(20, 59), False), (time(21, 0), True), (time(23, 30), True), (time(0, 0), True), (time(8, 59), True), (time(9, 0), False)],
)
def test_quiet_hours_run_across_midnight(moment: time, quiet: bool) -> None:
    assert RULES.in_quiet_hours(moment) is quiet


def test_quiet_hours_within_one_day_and_switched_off() -> None:
    early = replace(RULES, quiet_start=time(1, 0), quiet_end=time(6, 0))
    assert early.in_quiet_hours(time(3, 0)) and not early.in_quiet_hours(time(23, 0))
    assert not replace(RULES, quiet_start=time(0, 0), quiet_end=time(0, 0)).in_quiet_hours(time(3, 0))


@pytest.mark.parametrize(
    ("kind", "facts", "at", "outcome", "reason"),
    [
        ("winback", BuyerFacts(), NOON, SEND, ""),
        ("shipped", BuyerFacts(opted_out=True), NOON, SKIP, "退订"),
        ("birthday", BuyerFacts(open_complaint=True), NOON, SKIP, "未结投诉"),
        ("stalled", BuyerFacts(open_complaint=True), NOON, SEND, ""),  # news about their parcel is not marketing
        ("checkin", BuyerFacts(with_staff=True), NOON, WAIT, "人工"),
        ("festival", BuyerFacts(), datetime(2026, 10, 1, 22, 0), WAIT, "免打扰"),
        ("shipped", BuyerFacts(), datetime(2026, 11, 25, 6, 0), WAIT, "免打扰"),
        ("winback", BuyerFacts(sent_this_week=2), NOON, SKIP, "上限"),
        ("winback", BuyerFacts(sent_this_week=1), NOON, SEND, ""),
        ("shipped", BuyerFacts(sent_this_week=5), NOON, SEND, ""),  # exempt from the cap
        ("checkin", BuyerFacts(awaiting_checkin=True), NOON, WAIT, "一次只问一单"),
        ("shipped", BuyerFacts(opted_out=True, with_staff=True), datetime(2026, 11, 25, 23, 0), SKIP, "退订"),
    ],
)
def test_decide(kind: str, facts: BuyerFacts, at: datetime, outcome: str, reason: str) -> None:
    decision = decide(kind, facts, at, RULES)
    assert decision.outcome == outcome
    assert reason in decision.reason


def test_each_rule_can_be_configured_away() -> None:
    lenient = replace(RULES, opt_out_stops=frozenset({"winback"}), marketing=frozenset(), cap_exempt=frozenset(KINDS))
    assert decide("shipped", BuyerFacts(opted_out=True), NOON, lenient).send
    assert decide("birthday", BuyerFacts(open_complaint=True), NOON, lenient).send
    assert decide("winback", BuyerFacts(sent_this_week=9), NOON, lenient).send
    assert not decide("winback", BuyerFacts(opted_out=True), NOON, lenient).send


def test_a_bad_care_file_is_refused_with_the_key_named(tmp_path: Path) -> None:
    cases = {
        "care: {quiet_hours: {start: '9pm', end: '09:00'}}": "quiet_hours.start",
        "care: {weekly_cap: -1}": "weekly_cap",
        "care: {festivals: [圣诞节]}": "圣诞节",
        "care: {marketing: [spam]}": "care.marketing",
        "care: {stalled: {after_hours: 0}}": "stalled.after_hours",
        "reply_standard: {max_days: 0}": "max_days",
    }
    for text, key in cases.items():
        path = tmp_path / "care.yml"
        path.write_text("tiers: {普通: {spend: 0, orders: 0}}\n" + text + "\n", encoding="utf-8")
        with pytest.raises(CareRulesError, match=key):
            load_care_rules(path)


@pytest.mark.parametrize(
    ("day", "festival"),
    [
        (date(2026, 2, 17), "春节"),  # 正月初一
        (date(2026, 2, 20), "春节"),  # still the Spring Festival holiday
        (date(2026, 9, 25), "中秋节"),
        (date(2026, 10, 1), "国庆节"),
        (date(2026, 6, 19), "端午节"),
        (date(2026, 1, 1), "元旦"),
        (date(2026, 4, 5), None),  # 清明 is not greeted unless configured
        (date(2026, 11, 25), None),
        (date(2026, 11, 28), None),  # an ordinary Saturday
    ],
)
def test_festivals_come_from_the_chinese_calendar(day: date, festival: str) -> None:
    assert festival_on(day, RULES.festivals) == festival


def test_a_working_day_in_lieu_is_not_a_festival_and_years_without_data_keep_the_fixed_dates() -> None:
    assert festival_on(date(2026, 2, 14), RULES.festivals) is None  # a Saturday worked for the Spring Festival
    assert festival_on(date(2099, 1, 1), RULES.festivals) == "元旦"  # chinese-calendar has no 2099 yet
    assert festival_on(date(2099, 10, 2), RULES.festivals) == "国庆节"
    assert festival_on(date(2099, 6, 1), RULES.festivals) is None


@pytest.mark.parametrize(
    ("born", "today", "greeted"),
    [
        (date(1990, 11, 25), date(2026, 11, 25), True),
        (date(1990, 11, 24), date(2026, 11, 25), False),
        (date(1992, 2, 29), date(2026, 2, 28), True),  # no 29 February this year: the day before
        (date(1992, 2, 29), date(2028, 2, 28), False),  # a leap year has its own 29th
        (date(1992, 2, 29), date(2028, 2, 29), True),
        (None, date(2026, 11, 25), False),
    ],
)
def test_birthdays(born: date, today: date, greeted: bool) -> None:
    assert birthday_today(born, today) is greeted


def test_items_label() -> None:
    assert items_label([]) == "您的商品"
    assert items_label(["纯棉T恤"]) == "纯棉T恤"
    assert items_label(["纯棉T恤", "袜子", "帽子"]) == "纯棉T恤等 3 件商品"


def test_a_message_in_service_hours_is_due_by_closing_the_same_day() -> None:
    due = reply_due(datetime(2026, 11, 25, 10, 0), NOON, SERVICE, RULES)
    assert due.due_at == hours.opening_on(date(2026, 11, 25), SERVICE)[1]
    assert due.state == DUE_SOON and not due.overdue
    assert reply_due(datetime(2026, 11, 25, 10, 0), datetime(2026, 11, 26, 10, 0), SERVICE, RULES).state == LATE


def test_after_closing_it_is_due_by_the_next_service_days_close() -> None:
    late_evening = datetime(2026, 11, 25, 23, 30)
    due = reply_due(late_evening, datetime(2026, 11, 26, 0, 30), SERVICE, RULES)
    assert due.due_at.date() == date(2026, 11, 26) and due.state == DUE_SOON
    assert reply_due(late_evening, datetime(2026, 11, 25, 23, 40), SERVICE, RULES).state == ON_TIME


def test_never_more_than_three_days_even_over_a_long_holiday() -> None:
    national_day = datetime(2026, 10, 1, 10, 0)
    due = reply_due(national_day, datetime(2026, 10, 5, 10, 0), SERVICE, RULES)
    assert due.due_at <= national_day.replace(day=4) and due.state == BREACHED


def test_without_the_same_day_rule_only_the_limit_counts() -> None:
    relaxed = replace(RULES, reply_same_day=False)
    due = reply_due(datetime(2026, 11, 25, 10, 0), datetime(2026, 11, 27, 9, 0), SERVICE, relaxed)
    assert due.due_at == datetime(2026, 11, 28, 10, 0) and due.state == ON_TIME
