"""The CRM repository: every query the bot needs, behind one small class.

Callers get ORM objects inside a session they own (a unit of work from
``bot.crm.db.session_scope``); nothing here commits. Every order lookup is
scoped to a customer, so code above this layer cannot fetch another buyer's
order by accident.
"""

from __future__ import annotations

from datetime import datetime
from typing import List, Optional, Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from bot.crm.models import (
    ChannelIdentity,
    Customer,
    Order,
    OrderEvent,
    OrderItem,
    OrderStatus,
    Product,
    Shipment,
)


class CrmRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- customers and identities -------------------------------------------------

    def customer_for_sender(self, sender_id: str) -> Optional[Customer]:
        """The customer a messaging sender id is bound to, if any."""
        customer = self.session.execute(select(Customer).where(Customer.platform_uid == sender_id)).scalar_one_or_none()
        if customer is not None:
            return customer
        return self.session.execute(
            select(Customer)
            .join(ChannelIdentity, ChannelIdentity.customer_id == Customer.id)
            .where(ChannelIdentity.sender_id == sender_id)
        ).scalar_one_or_none()

    def customers_by_phone(self, phone: str) -> List[Customer]:
        return list(self.session.execute(select(Customer).where(Customer.phone == phone)).scalars())

    def bind_sender(self, sender_id: str, customer_id: int, method: str, now: datetime) -> None:
        existing = self.session.execute(
            select(ChannelIdentity).where(ChannelIdentity.sender_id == sender_id)
        ).scalar_one_or_none()
        if existing is None:
            self.session.add(ChannelIdentity(sender_id=sender_id, customer_id=customer_id, method=method, verified_at=now))
        else:
            existing.customer_id, existing.method, existing.verified_at = customer_id, method, now

    # --- orders ---------------------------------------------------------------------

    def order_product_rows(self, customer_id: int, limit: int = 50) -> List[tuple]:
        """(order_no, status, created_at, product name, aliases, variant label, total, category) of the customer's newest orders."""
        recent = (
            select(Order.id)
            .where(Order.customer_id == customer_id)
            .order_by(Order.created_at.desc())
            .limit(limit)
            .scalar_subquery()
        )
        return list(
            self.session.execute(
                select(
                    Order.order_no, Order.status, Order.created_at, OrderItem.product_name, Product.aliases,
                    OrderItem.variant_label, Order.total_amount, Product.category,
                )
                .join(OrderItem, OrderItem.order_id == Order.id)
                .join(Product, Product.id == OrderItem.product_id)
                .where(Order.id.in_(recent))
                .order_by(Order.created_at.desc(), OrderItem.id)
            ).all()
        )

    def order_of(self, customer_id: int, order_no: str) -> Optional[Order]:
        """One order by number, only if it belongs to this customer."""
        found = self.orders_by_no(customer_id, [order_no])
        return found[0] if found else None

    def orders_by_no(self, customer_id: int, order_nos: Sequence[str]) -> Sequence[Order]:
        """Orders of this customer by number, with items and logistics, in four queries."""
        if not order_nos:
            return []
        return list(
            self.session.execute(
                select(Order)
                .where(Order.customer_id == customer_id, Order.order_no.in_(list(order_nos)))
                .options(
                    selectinload(Order.items),
                    selectinload(Order.shipments).selectinload(Shipment.events),
                )
            ).scalars()
        )

    def order_by_no(self, order_no: str) -> Optional[Order]:
        """Any order by number: for verification and staff tools only, never shown to buyers."""
        return self.session.execute(select(Order).where(Order.order_no == order_no)).scalar_one_or_none()

    def transition_order(
        self,
        order_id: int,
        allowed_from: Sequence[OrderStatus],
        values: dict,
    ) -> bool:
        """Conditionally update an order; False if its status changed under us.

        One guarded UPDATE, so a cancellation racing with the warehouse
        shipping the parcel can never both succeed.
        """
        result = self.session.execute(
            update(Order)
            .where(Order.id == order_id, Order.status.in_([s.value for s in allowed_from]))
            .values(**values)
            .execution_options(synchronize_session="fetch")
        )
        return result.rowcount == 1

    def add_order_event(self, order: Order, kind: str, detail: dict, actor: str, now: datetime) -> None:
        self.session.add(OrderEvent(order_id=order.id, kind=kind, detail=detail, actor=actor, created_at=now))

    # --- catalogue --------------------------------------------------------------------

    def products(self) -> Sequence[Product]:
        return list(self.session.execute(select(Product).order_by(Product.sku)).scalars())
