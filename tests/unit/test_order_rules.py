"""The order rules: what a buyer may still do in each status, and the dispatch promise."""

from datetime import datetime

import pytest

from bot.crm.models import OrderStatus as S
from bot.orders import rules


@pytest.mark.parametrize(
    "status, allowed",
    [
        (S.PENDING_PAYMENT, True),
        (S.AWAITING_SHIPMENT, True),
        (S.SHIPPED, False),
        (S.DELIVERED, False),
        (S.COMPLETED, False),
        (S.CANCELLED, False),
    ],
)
def test_cancel_only_before_shipment(status: S, allowed: bool) -> None:
    decision = rules.can_cancel(status)
    assert decision.allowed is allowed
    assert decision.rule  # every decision cites its rule


@pytest.mark.parametrize(
    "status, allowed",
    [(S.PENDING_PAYMENT, True), (S.AWAITING_SHIPMENT, True), (S.SHIPPED, False), (S.DELIVERED, False), (S.CANCELLED, False)],
)
def test_address_editable_only_before_shipment(status: S, allowed: bool) -> None:
    assert rules.can_change_address(status).allowed is allowed


def test_shipped_order_suggests_refusal_or_return() -> None:
    assert "拒收" in rules.can_cancel(S.SHIPPED).rule
    assert "快递" in rules.can_change_address(S.SHIPPED).rule


def test_ship_deadline_is_48_hours_after_payment() -> None:
    paid = datetime(2026, 11, 20, 10, 0)
    assert rules.ship_deadline(paid) == datetime(2026, 11, 22, 10, 0)
    assert not rules.is_ship_overdue(paid, datetime(2026, 11, 22, 10, 0))
    assert rules.is_ship_overdue(paid, datetime(2026, 11, 22, 10, 1))
    assert not rules.is_ship_overdue(None, datetime(2030, 1, 1))


def test_custom_rules_change_the_promise() -> None:
    fast = rules.OrderRules(ship_within_hours=24)
    assert rules.ship_deadline(datetime(2026, 1, 1, 8), fast) == datetime(2026, 1, 2, 8)
