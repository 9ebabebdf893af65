"""Order use cases for the bot: who is this buyer, which order, and what may be done with it.

The actions call these functions and turn the plain results into replies.
Each function is one unit of work against the CRM and returns immutable views,
never live ORM objects, so nothing leaks out of its session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Dict, List, Optional, Sequence, Tuple

from sqlalchemy.orm import sessionmaker

from bot.crm.db import UsesCrm
from bot.crm.formats import mask_phone
from bot.crm.models import Order, OrderStatus
from bot.crm.repository import CrmRepository
from bot.orders import rules
from bot.orders.address import ParsedAddress
from bot.orders.reference import OrderCandidate


@dataclass(frozen=True)
class CustomerView:
    id: int
    nickname: str


@dataclass(frozen=True)
class ItemView:
    name: str
    variant: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class TrackView:
    occurred_at: datetime
    location: str
    description: str


@dataclass(frozen=True)
class OrderView:
    """Everything a reply about one order may mention."""

    order_no: str
    status: OrderStatus
    total_amount: Decimal
    created_at: datetime
    paid_at: Optional[datetime]
    shipped_at: Optional[datetime]
    delivered_at: Optional[datetime]
    cancelled_at: Optional[datetime]
    completed_at: Optional[datetime]
    payment_method: Optional[str]
    recipient: str
    recipient_phone_masked: str
    address: str
    freight_insurance: bool
    items: Tuple[ItemView, ...]
    carrier: Optional[str] = None
    tracking_no: Optional[str] = None
    estimated_delivery: Optional[date] = None
    tracks: Tuple[TrackView, ...] = field(default_factory=tuple)  # newest first
    shipping_fee: Decimal = Decimal("0")
    cancel_reason: Optional[str] = None

    def items_text(self) -> str:
        """'加厚白鸭绒羽绒服（黑色 L）×1、…' for replies."""
        parts = []
        for item in self.items:
            variant = f"（{item.variant}）" if item.variant else ""
            parts.append(f"{item.name}{variant}×{item.quantity}")
        return "、".join(parts)

    def short_label(self) -> str:
        """One line per order in a 'which one?' list."""
        first = self.items[0].name if self.items else "订单"
        more = f"等{len(self.items)}件" if len(self.items) > 1 else ""
        return f"{self.order_no}｜{first}{more}｜¥{self.total_amount}｜{self.status.value}｜{self.created_at:%m-%d}下单"


class VerifyOutcome(str, Enum):
    VERIFIED = "verified"
    MISMATCH = "mismatch"


class ActionOutcome(str, Enum):
    DONE = "done"
    NOT_ALLOWED = "not_allowed"
    NOT_FOUND = "not_found"
    ALREADY = "already"


@dataclass(frozen=True)
class ActionResult:
    outcome: ActionOutcome
    rule: str = ""
    order: Optional[OrderView] = None


@dataclass(frozen=True)
class UrgeResult:
    order: OrderView
    deadline: Optional[datetime]
    overdue: bool
    urge_count: int


class OrderService(UsesCrm):
    """The bot's order operations against one CRM database."""

    def __init__(self, sessions: Optional[sessionmaker] = None, order_rules: rules.OrderRules = rules.DEFAULT_RULES):
        super().__init__(sessions)
        self.rules = order_rules

    def _unit_of_work(self):  # type: ignore[no-untyped-def]
        return self.sessions.begin()

    # --- identity ---------------------------------------------------------------------

    def identify(self, sender_id: str) -> Optional[CustomerView]:
        with self.sessions() as session:
            customer = CrmRepository(session).customer_for_sender(sender_id)
            return CustomerView(customer.id, customer.nickname) if customer else None

    def verify(self, sender_id: str, phone: str, order_no: str, now: datetime) -> Tuple[VerifyOutcome, Optional[CustomerView]]:
        """Bind ``sender_id`` to the customer whose phone and order number both match."""
        with self._unit_of_work() as session:
            repo = CrmRepository(session)
            order = repo.order_by_no(order_no)
            if order is None or order.customer.phone != phone:
                return VerifyOutcome.MISMATCH, None
            repo.bind_sender(sender_id, order.customer_id, "phone+order", now)
            return VerifyOutcome.VERIFIED, CustomerView(order.customer.id, order.customer.nickname)

    # --- reading ----------------------------------------------------------------------

    def candidates(self, customer_id: int) -> List[OrderCandidate]:
        """The buyer's recent orders in the light form the resolver needs (one query, no ORM objects)."""
        with self.sessions() as session:
            rows = CrmRepository(session).order_product_rows(customer_id)
        by_order: Dict[str, OrderCandidate] = {}
        for order_no, status, created_at, product_name, aliases, variant, total, category in rows:
            candidate = by_order.get(order_no)
            if candidate is None:
                candidate = by_order[order_no] = OrderCandidate(
                    order_no, OrderStatus(status), created_at, [], variants=[], amount=total
                )
            candidate.product_names.extend([product_name, *(aliases or [])])
            if variant:
                candidate.variants.append(variant)
            if category:
                candidate.categories.append(category)
        return list(by_order.values())

    def order(self, customer_id: int, order_no: str) -> Optional[OrderView]:
        with self.sessions() as session:
            order = CrmRepository(session).order_of(customer_id, order_no)
            return to_view(order) if order else None

    def orders(self, customer_id: int, order_nos: Sequence[str]) -> List[OrderView]:
        """Several of the buyer's orders in the given order, loaded together."""
        with self.sessions() as session:
            found = {o.order_no: to_view(o) for o in CrmRepository(session).orders_by_no(customer_id, order_nos)}
        return [found[no] for no in order_nos if no in found]

    # --- changing ---------------------------------------------------------------------

    def cancel(self, customer_id: int, order_no: str, reason: str, actor: str, now: datetime) -> ActionResult:
        """Cancel an unshipped order; idempotent for an order already cancelled."""
        with self._unit_of_work() as session:
            repo = CrmRepository(session)
            order = repo.order_of(customer_id, order_no)
            if order is None:
                return ActionResult(ActionOutcome.NOT_FOUND)
            status = OrderStatus(order.status)
            if status == OrderStatus.CANCELLED:
                return ActionResult(ActionOutcome.ALREADY, "这个订单已经取消过了", to_view(order))
            decision = rules.can_cancel(status, self.rules)
            if not decision.allowed:
                return ActionResult(ActionOutcome.NOT_ALLOWED, decision.rule, to_view(order))
            changed = repo.transition_order(
                order.id,
                sorted(self.rules.cancellable),
                {"status": OrderStatus.CANCELLED.value, "cancelled_at": now, "cancel_reason": reason[:200]},
            )
            if not changed:  # shipped or cancelled between our read and write
                session.refresh(order)
                now_status = OrderStatus(order.status)
                outcome = ActionOutcome.ALREADY if now_status == OrderStatus.CANCELLED else ActionOutcome.NOT_ALLOWED
                return ActionResult(outcome, rules.can_cancel(now_status).rule, to_view(order))
            repo.add_order_event(order, "cancelled", {"reason": reason[:200], "was": status.value}, actor, now)
            session.flush()
            session.refresh(order)
            return ActionResult(ActionOutcome.DONE, decision.rule, to_view(order))

    def change_address(self, customer_id: int, order_no: str, new: ParsedAddress, actor: str, now: datetime) -> ActionResult:
        """Write a new delivery address to an unshipped order, keeping the old one in the audit trail."""
        with self._unit_of_work() as session:
            repo = CrmRepository(session)
            order = repo.order_of(customer_id, order_no)
            if order is None:
                return ActionResult(ActionOutcome.NOT_FOUND)
            status = OrderStatus(order.status)
            decision = rules.can_change_address(status, self.rules)
            if not decision.allowed:
                return ActionResult(ActionOutcome.NOT_ALLOWED, decision.rule, to_view(order))
            if order.address == new.address and (new.phone in (None, order.recipient_phone)):
                return ActionResult(ActionOutcome.ALREADY, "新地址和原地址相同", to_view(order))
            values = {"address": new.address}
            if new.recipient:
                values["recipient"] = new.recipient
            if new.phone:
                values["recipient_phone"] = new.phone
            old = {"address": order.address, "recipient": order.recipient, "phone": order.recipient_phone}
            if not repo.transition_order(order.id, sorted(self.rules.address_editable), values):
                session.refresh(order)
                return ActionResult(
                    ActionOutcome.NOT_ALLOWED, rules.can_change_address(OrderStatus(order.status)).rule, to_view(order)
                )
            repo.add_order_event(order, "address_changed", {"old": old, "new": values}, actor, now)
            session.flush()
            session.refresh(order)
            return ActionResult(ActionOutcome.DONE, decision.rule, to_view(order))

    def urge(self, customer_id: int, order_no: str, actor: str, now: datetime) -> Optional[UrgeResult]:
        """Record that the buyer asked us to hurry; returns the promised dispatch deadline."""
        with self._unit_of_work() as session:
            repo = CrmRepository(session)
            order = repo.order_of(customer_id, order_no)
            if order is None:
                return None
            deadline = rules.ship_deadline(order.paid_at, self.rules) if order.paid_at else None
            if OrderStatus(order.status) == OrderStatus.AWAITING_SHIPMENT:
                order.urge_count = (order.urge_count or 0) + 1
                order.last_urged_at = now
                repo.add_order_event(order, "urged", {"count": order.urge_count}, actor, now)
            return UrgeResult(
                order=to_view(order),
                deadline=deadline,
                overdue=rules.is_ship_overdue(order.paid_at, now, self.rules)
                and OrderStatus(order.status) == OrderStatus.AWAITING_SHIPMENT,
                urge_count=order.urge_count or 0,
            )


def to_view(order: Order) -> OrderView:
    shipment = order.shipment
    tracks: Tuple[TrackView, ...] = ()
    if shipment is not None:
        tracks = tuple(
            TrackView(e.occurred_at, e.location, e.description)
            for e in sorted(shipment.events, key=lambda e: e.occurred_at, reverse=True)
        )
    return OrderView(
        order_no=order.order_no,
        status=OrderStatus(order.status),
        total_amount=order.total_amount,
        created_at=order.created_at,
        paid_at=order.paid_at,
        shipped_at=order.shipped_at,
        delivered_at=order.delivered_at,
        cancelled_at=order.cancelled_at,
        completed_at=order.completed_at,
        payment_method=order.payment_method,
        recipient=order.recipient,
        recipient_phone_masked=mask_phone(order.recipient_phone),
        address=order.address,
        freight_insurance=order.freight_insurance,
        items=tuple(ItemView(i.product_name, i.variant_label, i.quantity, i.unit_price) for i in order.items),
        carrier=shipment.carrier if shipment else None,
        tracking_no=shipment.tracking_no if shipment else None,
        estimated_delivery=shipment.estimated_delivery if shipment else None,
        tracks=tracks,
        shipping_fee=order.shipping_fee or Decimal("0"),
        cancel_reason=order.cancel_reason,
    )
