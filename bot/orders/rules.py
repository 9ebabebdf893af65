"""What a buyer may still do with an order, as data plus pure functions.

The shop's order rules live here, in one place, free of Rasa and of the
database, so they are unit-tested directly and cited by the bot in plain
Chinese. Each decision returns the rule it applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import FrozenSet, Optional

from bot.crm.models import OrderStatus


@dataclass(frozen=True)
class OrderRules:
    """The shop's order-handling rules (defaults follow common Taobao practice)."""

    #: Promised dispatch time after payment (承诺发货时间).
    ship_within_hours: int = 48
    #: Statuses in which the buyer may still cancel by themselves.
    cancellable: FrozenSet[OrderStatus] = frozenset({OrderStatus.PENDING_PAYMENT, OrderStatus.AWAITING_SHIPMENT})
    #: Statuses in which the delivery address can still be changed.
    address_editable: FrozenSet[OrderStatus] = frozenset({OrderStatus.PENDING_PAYMENT, OrderStatus.AWAITING_SHIPMENT})
    #: Unpaid orders close automatically after this long.
    unpaid_close_hours: int = 24
    #: Refund of a cancelled paid order reaches the original account within these days.
    refund_days: int = 3


DEFAULT_RULES = OrderRules()


@dataclass(frozen=True)
class Decision:
    """An outcome and the rule behind it, so the bot can explain itself."""

    allowed: bool
    rule: str


def can_cancel(status: OrderStatus, rules: OrderRules = DEFAULT_RULES) -> Decision:
    """A buyer may cancel only before the parcel leaves the warehouse."""
    if status in rules.cancellable:
        return Decision(True, "订单尚未发货，可以直接取消")
    if status == OrderStatus.CANCELLED:
        return Decision(False, "这个订单已经取消过了")
    if status == OrderStatus.SHIPPED:
        return Decision(False, "订单已发货，无法直接取消，可以拒收或签收后申请退货")
    return Decision(False, "订单已签收，无法取消，可以按售后规则申请退换")


def can_change_address(status: OrderStatus, rules: OrderRules = DEFAULT_RULES) -> Decision:
    """The address is editable until the parcel is handed to the courier."""
    if status in rules.address_editable:
        return Decision(True, "订单尚未发货，可以修改收货地址")
    if status == OrderStatus.CANCELLED:
        return Decision(False, "订单已取消，无需修改地址")
    if status == OrderStatus.SHIPPED:
        return Decision(False, "包裹已交给快递，店铺这边无法再改地址，可以联系快递改派")
    return Decision(False, "订单已签收，无法修改地址")


def ship_deadline(paid_at: datetime, rules: OrderRules = DEFAULT_RULES) -> datetime:
    """The latest dispatch time the shop promised for an order paid at ``paid_at``."""
    return paid_at + timedelta(hours=rules.ship_within_hours)


def is_ship_overdue(paid_at: Optional[datetime], now: datetime, rules: OrderRules = DEFAULT_RULES) -> bool:
    """True when a paid order has passed the promised dispatch time."""
    return paid_at is not None and now > ship_deadline(paid_at, rules)


def unpaid_close_time(created_at: datetime, rules: OrderRules = DEFAULT_RULES) -> datetime:
    return created_at + timedelta(hours=rules.unpaid_close_hours)


def estimated_delivery(shipped_at: datetime, transit_days: int) -> date:
    """Expected arrival from dispatch time and the route's usual transit days."""
    return (shipped_at + timedelta(days=transit_days)).date()
