"""The after-sales policy: loading and checking the file, and every rule at its boundaries."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from bot.crm.models import OrderStatus as S
from bot.policy.decisions import ItemFacts, Offer, OrderFacts, Request, RequestKind, decide
from bot.policy.model import DEFAULT_POLICY_PATH, PolicyError, load_policy, parse_policy

POLICY = load_policy()
SIGNED = datetime(2026, 11, 10, 15, 0)
PAID = SIGNED - timedelta(days=3)
K = RequestKind


def order(status: S = S.DELIVERED, insured: bool = False) -> OrderFacts:
    delivered = SIGNED if status in (S.DELIVERED, S.COMPLETED) else None
    return OrderFacts(status, PAID, delivered, insured)


JACKET = ItemFacts("加厚白鸭绒羽绒服", "服装", True, None, Decimal("599.00"), 2)
MASK = ItemFacts("玻尿酸补水面膜10片装", "美妆", False, "面膜属于个人护理用品，拆封后不支持7天无理由退换", Decimal("99.00"), 1)
NUTS = ItemFacts("每日坚果30袋装", "食品", False, None, Decimal("139.00"), 1)
EARBUDS = ItemFacts("主动降噪蓝牙耳机Pro", "数码", True, None, Decimal("499.00"), 1, warranty_days=365)


def after(**delta: float) -> datetime:
    return SIGNED + timedelta(**delta)


# --- the file -------------------------------------------------------------------------------


def test_shipped_policy_file_loads() -> None:
    assert POLICY.no_reason_days == 7 and POLICY.damage_report_hours == 48
    assert "食品" in POLICY.no_reason_excluded_categories
    assert POLICY.return_address.address


def test_which_cases_the_bot_approves_alone_is_the_shops_choice() -> None:
    assert POLICY.auto_approve == {"no_reason_return", "exchange", "price_difference"}
    data = copy.deepcopy(_raw())
    data["approval"]["automatic"] = []
    assert parse_policy(data).auto_approve == frozenset()


def test_service_hours_come_from_the_file() -> None:
    from datetime import time

    assert POLICY.service_hours.workday == (time(9), time(22))
    data = copy.deepcopy(_raw())
    data["service_hours"].update(public_holiday="closed", weekend="00:00-24:00")
    hours = parse_policy(data).service_hours
    assert hours.public_holiday is None and hours.weekend == (time(0), time(23, 59, 59))


def _raw() -> dict:
    return yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda d: d["no_reason_return"].update(days="七"), "no_reason_return.days"),
        (lambda d: d["no_reason_return"].update(days=3), "no_reason_return.days"),
        (lambda d: d["exchange"].update(shipping_paid_by="seller"), "exchange.shipping_paid_by"),
        (lambda d: d["no_reason_return"].update(excluded_categories=["家具"]), "excluded_categories"),
        (lambda d: d.pop("damaged_in_transit"), "damaged_in_transit"),
        (lambda d: d["return_address"].update(address=""), "return_address.address"),
        (lambda d: d["approval"].update(automatic=["everything"]), "approval.automatic"),
        (lambda d: d["approval"].update(automatic="exchange"), "approval.automatic"),
        (lambda d: d.pop("approval"), "approval"),
        (lambda d: d["service_hours"].update(workday="9点到22点"), "service_hours.workday"),
        (lambda d: d["service_hours"].update(weekend="20:00-10:00"), "service_hours.weekend"),
        (lambda d: d["service_hours"].update(workday="closed", weekend="closed"), "service_hours"),
        (
            lambda d: d["quality_issue"].update(return_days=7) or d["no_reason_return"].update(days=10),
            "quality_issue.return_days",
        ),
    ],
)
def test_bad_policy_is_refused_with_the_field_named(edit, message: str) -> None:  # type: ignore[no-untyped-def]
    data = copy.deepcopy(_raw())
    edit(data)
    with pytest.raises(PolicyError, match=message.replace(".", r"\.")):
        parse_policy(data)


def test_missing_or_broken_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="找不到"):
        load_policy(tmp_path / "nope.yml")
    broken = tmp_path / "broken.yml"
    broken.write_text("no_reason_return: [unclosed", encoding="utf-8")
    with pytest.raises(PolicyError, match="YAML"):
        load_policy(broken)


# --- 7 days no reason ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "now, eligible",
    [(after(days=6, hours=23), True), (after(days=7), True), (after(days=7, minutes=1), False), (after(days=8), False)],
)
def test_no_reason_return_window(now: datetime, eligible: bool) -> None:
    decision = decide(order(), JACKET, Request(K.NO_REASON_RETURN), now, POLICY)
    assert decision.eligible is eligible
    assert "7天" in decision.rule


@pytest.mark.parametrize("insured, payer", [(False, "buyer"), (True, "insurance")])
def test_no_reason_return_shipping_and_freight_insurance(insured: bool, payer: str) -> None:
    decision = decide(order(insured=insured), JACKET, Request(K.NO_REASON_RETURN), after(days=2), POLICY)
    assert decision.shipping_payer == payer
    assert ("运费险" in decision.rule) is insured


@pytest.mark.parametrize("item, fragment", [(NUTS, "食品"), (MASK, "面膜")])
def test_non_returnable_goods(item: ItemFacts, fragment: str) -> None:
    decision = decide(order(), item, Request(K.NO_REASON_RETURN), after(days=1), POLICY)
    assert not decision.eligible and fragment in decision.rule and "质量" in decision.rule


def test_used_goods_do_not_qualify_for_no_reason_return() -> None:
    assert not decide(order(), JACKET, Request(K.NO_REASON_RETURN, used=True), after(days=1), POLICY).eligible


@pytest.mark.parametrize(
    "quantity, refund, eligible",
    [(1, Decimal("599.00"), True), (2, Decimal("1198.00"), True), (3, None, False), (0, None, False)],
)
def test_partial_quantities(quantity: int, refund: Decimal, eligible: bool) -> None:
    decision = decide(order(), JACKET, Request(K.NO_REASON_RETURN, quantity=quantity), after(days=1), POLICY)
    assert decision.eligible is eligible
    assert decision.refund_amount == refund


# --- damage, quality, wrong items ------------------------------------------------------------------


@pytest.mark.parametrize(
    "hours, offer, needs_photos",
    [
        (47, Offer.RESHIP_OR_REFUND, True),
        (48, Offer.RESHIP_OR_REFUND, True),
        (49, Offer.RETURN_REFUND, True),  # too late for transit damage: a quality issue, 15 days
        (15 * 24, Offer.RETURN_REFUND, True),
        (15 * 24 + 1, Offer.REPAIR, True),  # after 15 days, the earbuds' warranty
    ],
)
def test_damage_within_48_hours_is_reshipped_or_refunded_later_it_is_a_quality_issue(
    hours: int, offer: Offer, needs_photos: bool
) -> None:
    decision = decide(order(), EARBUDS, Request(K.DAMAGED), after(hours=hours), POLICY)
    assert decision.eligible and decision.offer == offer and decision.needs_photos is needs_photos
    assert decision.shipping_payer == "shop"
    if hours > 48:
        assert "48小时" in decision.rule


def test_damage_reported_after_the_quality_window_of_goods_without_warranty_goes_to_a_person() -> None:
    decision = decide(order(), MASK, Request(K.DAMAGED), after(days=16), POLICY)
    assert (decision.eligible, decision.offer) == (False, Offer.HUMAN)


def test_quality_issue_applies_even_to_goods_without_no_reason_returns() -> None:
    decision = decide(order(), MASK, Request(K.QUALITY_ISSUE), after(days=10), POLICY)
    assert decision.eligible and decision.shipping_payer == "shop"


@pytest.mark.parametrize("days, offer", [(15, Offer.RETURN_REFUND), (16, Offer.REPAIR), (200, Offer.REPAIR)])
def test_quality_issue_then_warranty_repair(days: int, offer: Offer) -> None:
    assert decide(order(), EARBUDS, Request(K.QUALITY_ISSUE), after(days=days), POLICY).offer == offer


def test_quality_issue_past_every_window_goes_to_a_human() -> None:
    decision = decide(order(), JACKET, Request(K.QUALITY_ISSUE), after(days=40), POLICY)
    assert not decision.eligible and decision.offer == Offer.HUMAN


def test_wrong_or_missing_is_reship_or_refund_at_the_shops_cost() -> None:
    decision = decide(order(), JACKET, Request(K.WRONG_OR_MISSING, quantity=1), after(days=3), POLICY)
    assert decision.offer == Offer.RESHIP_OR_REFUND and decision.shipping_payer == "shop"
    assert decision.refund_amount == Decimal("599.00")


# --- exchanges, price protection, awkward states --------------------------------------------------


@pytest.mark.parametrize("days, eligible", [(7, True), (8, False)])
def test_exchange_window(days: int, eligible: bool) -> None:
    assert decide(order(), JACKET, Request(K.EXCHANGE), after(days=days), POLICY).eligible is eligible


@pytest.mark.parametrize("days_after_payment, eligible", [(7, True), (8, False)])
def test_price_protection(days_after_payment: int, eligible: bool) -> None:
    now = PAID + timedelta(days=days_after_payment)
    decision = decide(order(), JACKET, Request(K.PRICE_DIFFERENCE, quantity=2, price_difference=Decimal("30")), now, POLICY)
    assert decision.eligible is eligible
    if eligible:
        assert decision.refund_amount == Decimal("60.00")


def test_not_yet_shipped_offers_cancellation() -> None:
    assert (
        decide(order(S.AWAITING_SHIPMENT), JACKET, Request(K.NO_REASON_RETURN), after(days=1), POLICY).offer == Offer.CANCEL_ORDER
    )


def test_in_transit_offers_refusal_on_delivery() -> None:
    decision = decide(order(S.SHIPPED), JACKET, Request(K.NO_REASON_RETURN), after(days=1), POLICY)
    assert decision.offer == Offer.REFUSE_ON_DELIVERY and "拒收" in decision.rule


def test_not_received_but_signed_needs_a_human() -> None:
    assert decide(order(), JACKET, Request(K.NOT_RECEIVED), after(days=1), POLICY).offer == Offer.HUMAN


@pytest.mark.parametrize("status", [S.CANCELLED, S.PENDING_PAYMENT])
def test_nothing_to_return_for_unpaid_or_cancelled_orders(status: S) -> None:
    assert not decide(order(status), JACKET, Request(K.NO_REASON_RETURN), after(days=1), POLICY).eligible


def test_an_item_claimed_before_hears_its_rule_when_the_rule_would_refuse_anyway() -> None:
    """"T恤穿一个多月起球了" on a T-shirt already returned: past the 15-day window is the answer."""
    claimed = replace(JACKET, quantity=0, bought=1)
    late = decide(order(), claimed, Request(K.QUALITY_ISSUE, 1), after(days=38), POLICY)
    assert not late.eligible and late.claimed_before and "15天" in late.rule and "已经申请过售后" in late.rule
    in_time = decide(order(), claimed, Request(K.QUALITY_ISSUE, 1), after(days=3), POLICY)
    assert not in_time.eligible and not in_time.claimed_before  # nothing left to claim: the quantity answer
