"""Sorting buyers at the thresholds, and lifecycles moving as time passes."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import List

import pytest

from bot.customers.segments import (
    Purchase,
    average_cycle_days,
    lifecycle_of,
    load_rules,
    profiles,
    quintile_scores,
    sizes,
    tier_of,
)

NOW = datetime(2026, 11, 25, 12, 0)
RULES = load_rules()  # care.yml: 金牌 5000 or 8 orders, 银牌 3000 or 6, else 普通


def bought(*days_ago_and_amounts: tuple) -> List[Purchase]:
    return [Purchase(NOW - timedelta(days=d), Decimal(str(a))) for d, a in days_ago_and_amounts]


@pytest.mark.parametrize(
    ("purchases", "tier"),
    [
        (bought((10, 2999.99)), "普通"),
        (bought((10, 3000)), "银牌"),
        (bought(*[(d, 1) for d in range(1, 7)]), "银牌"),  # six orders, however small
        (bought(*[(d, 1) for d in range(1, 6)]), "普通"),
        (bought((10, 4999.99)), "银牌"),
        (bought((10, 5000)), "金牌"),
        (bought(*[(d, 1) for d in range(1, 9)]), "金牌"),
        (bought((366, 9000)), "普通"),  # spent more than a year ago: no longer counts
        ([], "普通"),
    ],
)
def test_tiers_at_their_thresholds(purchases: List[Purchase], tier: str) -> None:
    assert tier_of(purchases, NOW, RULES) == tier


def test_a_lifecycle_moves_from_new_to_active_to_dormant_to_lost() -> None:
    first = NOW - timedelta(days=10)
    history = [Purchase(first, Decimal("100"))]
    cycle = 45.0
    assert lifecycle_of(history, NOW, cycle, RULES) == "新客"
    assert lifecycle_of(history, first + timedelta(days=31), cycle, RULES) == "活跃"
    assert lifecycle_of(history, first + timedelta(days=90), cycle, RULES) == "活跃"  # exactly two cycles
    assert lifecycle_of(history, first + timedelta(days=91), cycle, RULES) == "沉睡"
    assert lifecycle_of(history, first + timedelta(days=366), cycle, RULES) == "流失"
    history.append(Purchase(first + timedelta(days=100), Decimal("50")))  # bought again: active again
    assert lifecycle_of(history, first + timedelta(days=110), cycle, RULES) == "活跃"
    assert lifecycle_of([], NOW, cycle, RULES) == "未购买"


def test_the_average_cycle_needs_enough_repeat_buyers() -> None:
    assert average_cycle_days([bought((0, 1), (30, 1))], 60) == 60  # one gap is not a shop's habit
    histories = [bought((0, 1), (30, 1)), bought((0, 1), (10, 1), (20, 1)), bought((5, 1), (25, 1), (45, 1))]
    assert average_cycle_days(histories, 60) == pytest.approx((30 + 10 + 10 + 20 + 20) / 5)


def test_quintiles_score_one_to_five() -> None:
    assert quintile_scores([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert quintile_scores([1, 10], higher_is_better=False) == [5, 3]  # recency: fewer days is better
    assert quintile_scores([3, 3, 3]) == [5, 5, 5]


def test_profiles_and_segment_sizes() -> None:
    found = profiles({1: bought((3, 5500)), 2: bought((200, 100)), 3: []}, {2: True}, NOW, RULES)
    by_id = {p.customer_id: p for p in found}
    assert (by_id[1].tier, by_id[1].lifecycle, by_id[1].rfm) == ("金牌", "新客", (5, 5, 5))
    assert (by_id[2].tier, by_id[2].lifecycle, by_id[2].at_risk) == ("普通", "沉睡", True)
    assert by_id[3].lifecycle == "未购买" and by_id[3].rfm == (0, 0, 0)
    counted = sizes(found)
    assert counted.tiers == {"金牌": 1, "普通": 2} and counted.at_risk == 1 and counted.lifecycles["沉睡"] == 1


def test_bad_rules_are_named(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "care.yml"
    bad.write_text("tiers:\n  金牌: {spend: -1, orders: 3}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="金牌"):
        load_rules(bad)
