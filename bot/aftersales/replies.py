"""Which reply explains an after-sales decision or record, and with which details.

Pure functions from the policy's decision (or a stored request) to a response
name in domain.yml and its placeholder values. Every outcome names the rule it
applied, who pays the return postage and how the money comes back, because a
buyer who understands the decision does not need to ask a human.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Dict, Optional

from bot.aftersales import stages
from bot.aftersales.service import ItemChoice, RequestView, expected_refund_by
from bot.crm.models import OrderStatus, ReturnKind, ReturnStatus
from bot.orders.replies import Reply, fmt_day
from bot.orders.service import OrderView
from bot.policy.decisions import Decision, Offer
from bot.policy.model import Policy

SHIPPING_TEXT = {
    "buyer": "退货运费由您承担",
    "insurance": "您的订单有运费险，退货运费由运费险赔付，寄出后自动理赔",
    "shop": "退货运费由店铺承担，您可以先垫付，申请里备注运费金额，我们报销",
}
#: What the buyer can do instead, by the policy's alternative offer.
REFUSAL_RESPONSES = {
    Offer.CANCEL_ORDER: "utter_as_not_shipped",
    Offer.REFUSE_ON_DELIVERY: "utter_as_in_transit",
    Offer.HUMAN: "utter_as_needs_human",
}
EVIDENCE_NOTE = {
    "已发照片": "照片已收到，",
    "稍后补照片": "照片记得稍后发给我，",
    "无照片": "没有照片的话，",
}


def money(amount: Optional[Decimal]) -> str:
    return f"{amount or Decimal('0'):.2f}"


def policy_values(policy: Policy) -> Dict[str, Any]:
    return {
        "return_address": policy.return_address.text(),
        "refund_to": policy.refund_to,
        "refund_after_days": policy.refund_after_received_days,
        "refund_arrival_days": policy.refund_arrival_days,
    }


def offer_reply(
    decision: Decision,
    item: ItemChoice,
    quantity: int,
    policy: Policy,
    resolution: Optional[str] = None,
    exchange_to: Optional[str] = None,
    evidence: Optional[str] = None,
    auto_approved: Optional[bool] = None,
    order_no: str = "",
) -> Reply:
    """The outcome stated before the buyer confirms: what happens, who pays, where to send, when the money comes.

    ``auto_approved`` says whether the policy lets the bot approve this case at
    once (``approval.automatic``); by default, cases that need photos wait for staff.
    """
    if auto_approved is None:
        auto_approved = not decision.needs_photos
    values = {
        **policy_values(policy),
        "rule": decision.rule,
        "item": f"{item.name}（{item.variant}）" if item.variant else item.name,
        "order_no": order_no,  # the confirmation names the order it acts on
        "quantity": quantity,
        "amount": money(decision.refund_amount),
        "shipping": SHIPPING_TEXT.get(decision.shipping_payer or "shop", SHIPPING_TEXT["shop"]),
        "exchange_to": exchange_to or "",
        "review": "符合规则，提交后自动通过" if auto_approved else EVIDENCE_NOTE.get(evidence or "", "") + "售后同事今天内审核",
    }
    if decision.offer == Offer.EXCHANGE:
        return Reply("utter_as_offer_exchange", values)
    if decision.offer == Offer.REPAIR:
        return Reply("utter_as_offer_repair", values)
    if decision.offer == Offer.RESHIP_OR_REFUND:
        return Reply("utter_as_offer_reship" if resolution == "reship" else "utter_as_offer_refund_only", values)
    if decision.offer == Offer.REFUND_ONLY:
        return Reply("utter_as_offer_refund_only", values)
    return Reply("utter_as_offer_return", values)


def refusal_reply(decision: Decision, order_no: str) -> Reply:
    """Why the bot cannot settle this, and what the buyer can do instead."""
    response = REFUSAL_RESPONSES.get(decision.offer, "utter_as_not_eligible")
    return Reply(response, {"rule": decision.rule, "order_no": order_no})


def created_reply(request: RequestView, policy: Policy) -> Reply:
    """The confirmation with the RMA number and the buyer's next step."""
    values = {**policy_values(policy), **record_values(request)}
    if request.kind in (ReturnKind.RETURN_REFUND, ReturnKind.EXCHANGE, ReturnKind.REPAIR):
        if request.status == ReturnStatus.APPROVED:
            return Reply("utter_as_created_send_back", values)
        return Reply("utter_as_created_review_send_back", values)
    if request.kind == ReturnKind.REFUND_ONLY and request.status == ReturnStatus.APPROVED:
        return Reply("utter_as_created_refund_approved", values)
    return Reply("utter_as_created_review", values)


def existing_reply(request: RequestView, refund_to: str = "原支付方式") -> Reply:
    """The case already open on this item, with its money and where it goes ("钱退回哪" is often why they ask)."""
    values = record_values(request)
    values["refund"] = (
        f"，退款¥{money(request.refund_amount)}原路退回{request.refund_route(refund_to)}"
        if request.refund_amount is not None else ""
    )
    return Reply("utter_as_existing", values)


def record_values(request: RequestView) -> Dict[str, Any]:
    return {
        "rma_no": request.rma_no,
        "order_no": request.order_no,
        "item": request.item_name,
        "quantity": request.quantity,
        "kind": request.kind.value,
        "status": request.status.value,
        "amount": money(request.refund_amount),
        "exchange_to": request.exchange_to or "",
    }


def status_line(request: RequestView, policy: Policy, now: datetime) -> str:
    """One line per request for "where is my refund?": stage, money, and what happens next by when."""
    amount = f"，退款¥{money(request.refund_amount)}" if request.refund_amount is not None else ""
    head = f"· {request.rma_no}｜{request.item_name}×{request.quantity}｜{request.kind.value}{amount}｜{request.status.value}"
    return f"{head}\n  {next_step(request, policy, now)}"


def next_step(request: RequestView, policy: Policy, now: datetime) -> str:
    status, kind = request.status, request.kind
    route = request.refund_route(policy.refund_to)
    arrival = f"，一般{policy.refund_arrival_days}个工作日到账"
    if status == ReturnStatus.PENDING:
        refund = f"；通过并寄回后退款¥{money(request.refund_amount)}，原路退回{route}{arrival}" if request.refund_amount is not None else ""
        return f"售后同事正在审核，今天内给您结果{refund}"
    if status == ReturnStatus.APPROVED and kind in stages.SHIPS_BACK:
        refund = (
            f"；仓库收到后{policy.refund_after_received_days}天内退款¥{money(request.refund_amount)}，原路退回{route}{arrival}"
            if request.refund_amount is not None else ""
        )
        return f"已同意，请把商品寄回：{policy.return_address.text()}，寄出后请保留好快递单号{refund}"
    if status == ReturnStatus.APPROVED and kind == ReturnKind.RESHIP:
        return "已同意补发，仓库会尽快发出，发出后能查到物流"
    due = expected_refund_by(request, policy)
    if status in (ReturnStatus.APPROVED, ReturnStatus.RECEIVED) and due is not None:
        late = "（已超时，已为您催办）" if now > due else ""
        return f"退款预计 {fmt_day(due)} 前原路退回{route}，一般{policy.refund_arrival_days}个工作日内到账{late}"
    if status == ReturnStatus.RECEIVED:
        return "仓库已收到商品，正在为您安排" + ("换货发出" if kind == ReturnKind.EXCHANGE else "维修")
    if status == ReturnStatus.REFUNDED:
        refunded = request.stage_time(ReturnStatus.REFUNDED) or request.updated_at
        return f"{fmt_day(refunded)}已原路退回{route}，一般{policy.refund_arrival_days}个工作日内到账"
    if status == ReturnStatus.COMPLETED:
        return "已办结" + (f"，新的{request.exchange_to}已发出" if request.exchange_to else "")
    if status == ReturnStatus.REJECTED:
        note = next((s.note for s in reversed(request.stages) if s.status == ReturnStatus.REJECTED and s.note), "")
        return f"未通过：{note}" if note else "未通过审核"
    return "已撤销"


#: Orders whose money goes back by cancelling, not by a return.
NOT_YET_SENT = (OrderStatus.AWAITING_SHIPMENT,)


def refund_route_reply(
    order: OrderView, policy: Policy, item: Optional[ItemChoice] = None, quantity: Optional[int] = None
) -> Reply:
    """"钱退到哪 能退多少" before any case exists on the order being talked about.

    A buyer weighing a cancel or a return asks this before saying yes; "no refund
    found" answers a different question. The amount is the chosen item's (times
    how many) when the form knows it, else what was paid for the order; the route
    is the order's own payment method.
    """
    values: Dict[str, Any] = {
        "order_no": order.order_no,
        "payment_method": order.payment_method or "原支付账户",
        **policy_values(policy),
    }
    if order.status == OrderStatus.PENDING_PAYMENT:
        return Reply("utter_refund_route_unpaid", values)
    if order.status == OrderStatus.CANCELLED and order.paid_at is None:
        return Reply("utter_refund_route_never_paid", values)  # "钱会退吗" about an order closed unpaid
    if order.status in NOT_YET_SENT:
        return Reply("utter_refund_route_cancel", {**values, "amount": money(order.total_amount)})
    if item is not None:
        count = quantity or item.quantity
        values.update(goods=f"{item.name}×{count}", amount=money(item.unit_price * count))
    else:
        values.update(goods=order.items_text(), amount=money(order.total_amount))
    return Reply("utter_refund_route_return", values)
