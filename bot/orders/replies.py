"""Which reply answers a buyer's order question, and with what details.

Pure functions from an ``OrderView`` (and the time) to a response name in
domain.yml plus the values for its placeholders. Keeping this out of the Rasa
actions makes every branch testable without a running bot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Optional

from bot.crm.models import OrderStatus
from bot.orders import rules
from bot.orders.service import ActionOutcome, ActionResult, OrderView, UrgeResult

S = OrderStatus


@dataclass(frozen=True)
class Reply:
    response: str
    values: Dict[str, Any]


def fmt_time(moment: Optional[datetime]) -> str:
    return f"{moment:%m月%d日 %H:%M}" if moment else "—"


def fmt_day(moment: Any) -> str:
    return f"{moment:%m月%d日}" if moment else "近日"


def base_values(order: OrderView) -> Dict[str, Any]:
    latest = order.tracks[0] if order.tracks else None
    return {
        "order_no": order.order_no,
        "items": order.items_text(),
        "amount": f"{order.total_amount:.2f}",
        "status": order.status.value,
        "carrier": order.carrier or "",
        "tracking_no": order.tracking_no or "",
        "eta": fmt_day(order.estimated_delivery),
        "latest_track": f"{fmt_time(latest.occurred_at)} {latest.description}" if latest else "暂无物流更新",
    }


def tracks_text(order: OrderView, limit: int = 3) -> str:
    return "\n".join(f"· {fmt_time(t.occurred_at)} {t.description}" for t in order.tracks[:limit]) or "· 暂无物流更新"


#: The apologising variant of each "not shipped yet" reply, said once the promised dispatch time has passed.
OVERDUE_VARIANT = {
    "utter_order_awaiting_shipment": "utter_order_awaiting_shipment_overdue",
    "utter_logistics_not_shipped": "utter_logistics_not_shipped_overdue",
    "utter_detail_not_shipped": "utter_detail_not_shipped_overdue",
}


def awaiting_shipment(response: str, values: Dict[str, Any], order: OrderView, now: Optional[datetime],
                      order_rules: rules.OrderRules = rules.DEFAULT_RULES) -> Reply:
    """A paid order not shipped yet: its promised dispatch time, and an apology once that time has passed
    ("最晚昨天发出" said as if it were still to come would be a broken promise told as news)."""
    paid_at = order.paid_at or order.created_at
    values.update(deadline=fmt_time(rules.ship_deadline(paid_at, order_rules)), ship_hours=order_rules.ship_within_hours)
    overdue = now is not None and rules.is_ship_overdue(paid_at, now, order_rules)
    return Reply(OVERDUE_VARIANT[response] if overdue else response, values)


def status_reply(order: OrderView, now: datetime, order_rules: rules.OrderRules = rules.DEFAULT_RULES) -> Reply:
    """Answer "what is happening with my order?"."""
    values = base_values(order)
    status = order.status
    if status == S.PENDING_PAYMENT:
        values["close_time"] = fmt_time(rules.unpaid_close_time(order.created_at, order_rules))
        return Reply("utter_order_pending_payment", values)
    if status == S.AWAITING_SHIPMENT:
        return awaiting_shipment("utter_order_awaiting_shipment", values, order, now, order_rules)
    if status == S.SHIPPED:
        values["shipped_at"] = fmt_time(order.shipped_at)
        return Reply("utter_order_shipped", values)
    if status == S.DELIVERED:
        values["delivered_at"] = fmt_time(order.delivered_at)
        return Reply("utter_order_delivered", values)
    if status == S.COMPLETED:
        values["completed_at"] = fmt_time(order.completed_at or order.delivered_at)
        return Reply("utter_order_completed", values)
    values["cancelled_at"] = fmt_time(order.cancelled_at)
    values["cancel_reason"] = f"（{order.cancel_reason}）" if order.cancel_reason else ""
    values["refund_note"] = (
        f"已付款项会原路退回，一般{order_rules.refund_days}个工作日内到账。"
        if order.paid_at
        else "这个订单没有付款，不会产生费用。"
    )
    return Reply("utter_order_cancelled", values)


def logistics_reply(order: OrderView, now: datetime, order_rules: rules.OrderRules = rules.DEFAULT_RULES) -> Reply:
    """Answer "where is my parcel?" with carrier, tracking number, latest events and ETA."""
    values = base_values(order)
    status = order.status
    if status == S.PENDING_PAYMENT:
        return Reply("utter_logistics_unpaid", values)
    if status == S.AWAITING_SHIPMENT:
        return awaiting_shipment("utter_logistics_not_shipped", values, order, now, order_rules)
    if status == S.CANCELLED:
        return Reply("utter_logistics_cancelled", values)
    values["tracks"] = tracks_text(order)
    if status == S.SHIPPED:
        late = order.estimated_delivery is not None and now.date() > order.estimated_delivery
        return Reply("utter_logistics_late" if late else "utter_logistics_in_transit", values)
    values["delivered_at"] = fmt_time(order.delivered_at)
    return Reply("utter_logistics_delivered", values)


def urge_reply(result: UrgeResult) -> Reply:
    order = result.order
    values = base_values(order)
    values["deadline"] = fmt_time(result.deadline)
    values["delivered_at"] = fmt_time(order.delivered_at)
    response = {
        S.PENDING_PAYMENT: "utter_urge_unpaid",
        S.AWAITING_SHIPMENT: "utter_urge_overdue" if result.overdue else "utter_urge_recorded",
        S.SHIPPED: "utter_urge_already_shipped",
        S.DELIVERED: "utter_urge_already_delivered",
        S.COMPLETED: "utter_urge_already_delivered",
        S.CANCELLED: "utter_urge_cancelled",
    }[order.status]
    return Reply(response, values)


def cancelled_refund_line(order: OrderView) -> str:
    """"钱退哪了" after a paid order was cancelled: the amount, where it goes back, since when."""
    method = order.payment_method or "原支付账户"
    return (f"· 订单 {order.order_no}（{order.items_text()}）{fmt_time(order.cancelled_at)} 已取消，"
            f"已付的¥{order.total_amount:.2f}原路退回您的{method}，一般1–3个工作日到账")


def cancel_reply(result: ActionResult) -> Reply:
    order = result.order
    assert order is not None, "cancel_reply needs the order"
    values = base_values(order)
    if result.outcome == ActionOutcome.DONE:
        if order.paid_at:
            values["payment_method"] = order.payment_method or "原支付账户"
            return Reply("utter_cancel_done_paid", values)
        return Reply("utter_cancel_done_unpaid", values)
    if result.outcome == ActionOutcome.ALREADY:  # "怎么显示取消了": when and why, not only that it is
        values["cancelled_at"] = fmt_time(order.cancelled_at)
        values["cancel_reason"] = order.cancel_reason or "未注明"
        values["refund_note"] = "已付款项会原路退回。" if order.paid_at else "这个订单没有付款，不会产生费用。"
        return Reply("utter_cancel_already", values)
    if order.status == S.SHIPPED:
        return Reply("utter_cancel_not_allowed_shipped", values)
    return Reply("utter_cancel_not_allowed_delivered", values)


def cancel_refusal(order: OrderView) -> Optional[Reply]:
    """Before asking to confirm: the reply that explains why this order cannot be cancelled."""
    decision = rules.can_cancel(order.status)
    if decision.allowed:
        return None
    outcome = ActionOutcome.ALREADY if order.status == S.CANCELLED else ActionOutcome.NOT_ALLOWED
    return cancel_reply(ActionResult(outcome, decision.rule, order))


def address_refusal(order: OrderView) -> Optional[Reply]:
    """Before asking for a new address: why this order's address cannot change, if so."""
    decision = rules.can_change_address(order.status)
    if decision.allowed:
        return None
    values = base_values(order)
    values["rule"] = decision.rule
    if order.status == S.SHIPPED:
        return Reply("utter_address_not_allowed_shipped", values)
    return Reply("utter_address_not_allowed", values)


def address_reply(result: ActionResult) -> Reply:
    order = result.order
    assert order is not None, "address_reply needs the order"
    values = base_values(order)
    if result.outcome == ActionOutcome.DONE:
        values.update(address=order.address, recipient=order.recipient, phone=order.recipient_phone_masked)
        return Reply("utter_address_changed", values)
    if result.outcome == ActionOutcome.ALREADY:
        return Reply("utter_address_same", values)
    return address_refusal(order) or Reply("utter_address_not_allowed", {**values, "rule": result.rule})
