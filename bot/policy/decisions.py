"""After-sales decisions as pure functions of (order, item, request, now, policy).

Each decision says whether the request qualifies, what the shop offers, who pays
return shipping (and whether 运费险 covers it), how the refund travels, and the
rule it applied in plain Chinese, so the bot can explain itself and a test can
pin every boundary. Nothing here touches the database or Rasa.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Optional

from bot.crm.models import OrderStatus
from bot.policy.model import Policy


class RequestKind(str, Enum):
    NO_REASON_RETURN = "no_reason_return"  # 7天无理由退货
    EXCHANGE = "exchange"  # 换尺码/颜色
    QUALITY_ISSUE = "quality_issue"  # 质量问题
    DAMAGED = "damaged"  # 运输破损
    WRONG_OR_MISSING = "wrong_or_missing"  # 发错/漏发
    NOT_RECEIVED = "not_received"  # 没收到货，仅退款
    PRICE_DIFFERENCE = "price_difference"  # 降价，退差价


class Offer(str, Enum):
    RETURN_REFUND = "退货退款"
    EXCHANGE = "换货"
    RESHIP_OR_REFUND = "补发或退款"
    REFUND_ONLY = "仅退款"
    REPAIR = "维修"
    CANCEL_ORDER = "取消订单"  # not shipped yet: cancel instead
    REFUSE_ON_DELIVERY = "拒收"  # on its way: refuse the parcel
    HUMAN = "转人工核实"
    NONE = "无"


@dataclass(frozen=True)
class OrderFacts:
    status: OrderStatus
    paid_at: Optional[datetime]
    delivered_at: Optional[datetime]
    freight_insurance: bool


@dataclass(frozen=True)
class ItemFacts:
    name: str
    category: str
    no_reason_return: bool  # the product's own flag from the catalogue
    no_reason_note: Optional[str]
    unit_price: Decimal
    quantity: int  # how many may still be claimed
    warranty_days: int = 0
    bought: Optional[int] = None  # how many were bought, when some are already in an earlier case


@dataclass(frozen=True)
class Request:
    kind: RequestKind
    quantity: int = 1
    used: bool = False  # used or resale affected (creased outer packaging alone is not)
    price_difference: Decimal = Decimal("0")


@dataclass(frozen=True)
class Decision:
    eligible: bool
    offer: Offer
    rule: str  # the rule applied, in plain Chinese
    shipping_payer: Optional[str] = None  # buyer | shop | insurance
    refund_amount: Optional[Decimal] = None
    needs_photos: bool = False
    #: True when the item was already claimed in full and its rule would refuse it anyway: the rule is the answer.
    claimed_before: bool = False


def decide(order: OrderFacts, item: ItemFacts, request: Request, now: datetime, policy: Policy) -> Decision:
    """The outcome of one after-sales request under the shop's policy."""
    quantity_problem = _check_quantity(item, request)
    before_delivery = _before_delivery(order, request)
    if quantity_problem is not None:
        if item.quantity == 0 and before_delivery is None and order.delivered_at is not None:
            # "T恤穿一个多月起球了" on an item claimed before: past its window, the window is what the buyer needs
            # to hear (nothing could be claimed even if it had not been)
            again = decide(order, replace(item, quantity=1), replace(request, quantity=1), now, policy)
            if not again.eligible:
                return replace(again, rule=f"{again.rule}（这件商品之前也已经申请过售后）", claimed_before=True)
        return quantity_problem
    if before_delivery is not None:
        return before_delivery
    # only a price drop on a parcel still on its way gets here undelivered; its rule counts from payment
    since_delivery = now - order.delivered_at if order.delivered_at is not None else timedelta(0)
    handlers = {
        RequestKind.NO_REASON_RETURN: _no_reason_return,
        RequestKind.EXCHANGE: _exchange,
        RequestKind.QUALITY_ISSUE: _quality_issue,
        RequestKind.DAMAGED: _damaged,
        RequestKind.WRONG_OR_MISSING: _wrong_or_missing,
        RequestKind.NOT_RECEIVED: _not_received_after_delivery,
        RequestKind.PRICE_DIFFERENCE: _price_difference,
    }
    return handlers[request.kind](order, item, request, since_delivery, now, policy)


def refund_for(item: ItemFacts, request: Request) -> Decimal:
    return (item.unit_price * request.quantity).quantize(Decimal("0.01"))


def _check_quantity(item: ItemFacts, request: Request) -> Optional[Decision]:
    if request.quantity < 1 or request.quantity > item.quantity:
        if item.bought is not None and item.bought > item.quantity:
            claimed = item.bought - item.quantity
            rule = f"这件商品您买了{item.bought}件，其中{claimed}件已申请过售后，这次最多可申请{item.quantity}件"
            return Decision(False, Offer.NONE, rule)
        return Decision(False, Offer.NONE, f"这件商品您买了{item.quantity}件，申请数量需在1到{item.quantity}件之间")
    return None


def _before_delivery(order: OrderFacts, request: Request) -> Optional[Decision]:
    status = order.status
    if status == OrderStatus.CANCELLED:
        return Decision(False, Offer.NONE, "订单已取消，已付款项会原路退回，无需再申请售后")
    if status == OrderStatus.PENDING_PAYMENT:
        return Decision(False, Offer.NONE, "订单还未付款，不需要退款，直接取消即可")
    if status == OrderStatus.AWAITING_SHIPMENT:
        return Decision(True, Offer.CANCEL_ORDER, "订单还没发货，直接取消订单即可全额退款，不用走退货")
    if status == OrderStatus.SHIPPED and request.kind == RequestKind.PRICE_DIFFERENCE:
        return None  # price protection does not wait for delivery
    if status == OrderStatus.SHIPPED:
        if request.kind == RequestKind.NOT_RECEIVED:
            return Decision(False, Offer.HUMAN, "包裹还在运输中，请先等待派送；如物流长时间不更新，我们会联系快递核查")
        return Decision(True, Offer.REFUSE_ON_DELIVERY, "包裹已发出还未签收，可以拒收，包裹退回仓库后为您全额退款")
    if order.delivered_at is None:
        return Decision(False, Offer.HUMAN, "订单签收时间缺失，需要人工核实")
    return None


def _insured_payer(order: OrderFacts, payer: str) -> str:
    return "insurance" if payer == "buyer" and order.freight_insurance else payer


def _payer_rule(payer: str) -> str:
    return {"buyer": "退货运费由买家承担", "shop": "退货运费由店铺承担", "insurance": "退货运费由运费险赔付"}[payer]


def _no_reason_return(order, item, request, since, now, policy: Policy) -> Decision:  # type: ignore[no-untyped-def]
    days = policy.no_reason_days
    if item.category in policy.no_reason_excluded_categories:
        return Decision(False, Offer.NONE, f"{item.category}类商品不支持{days}天无理由退货；如有质量问题可以申请质量售后")
    if not item.no_reason_return:
        return Decision(
            False, Offer.NONE, (item.no_reason_note or f"该商品不支持{days}天无理由退货") + "；如有质量问题可以申请质量售后"
        )
    if since > timedelta(days=days):
        return Decision(False, Offer.HUMAN, f"已超过签收后{days}天的无理由退货期限")
    if policy.no_reason_requires_unused and request.used:
        return Decision(False, Offer.NONE, f"{days}天无理由退货要求商品未使用、不影响二次销售（外包装压痕不算）")
    payer = _insured_payer(order, policy.no_reason_shipping_payer)
    return Decision(
        True,
        Offer.RETURN_REFUND,
        f"签收后{days}天内，支持{days}天无理由退货；{_payer_rule(payer)}",
        payer,
        refund_for(item, request),
    )


def _exchange(order, item, request, since, now, policy: Policy) -> Decision:  # type: ignore[no-untyped-def]
    days = policy.exchange_days
    if item.category in policy.no_reason_excluded_categories or not item.no_reason_return:
        return Decision(False, Offer.NONE, "该商品不支持无理由换货；如有质量问题可以申请质量售后")
    if since > timedelta(days=days):
        return Decision(False, Offer.HUMAN, f"已超过签收后{days}天的换货期限")
    if request.used:
        return Decision(False, Offer.NONE, "换货要求商品未使用、吊牌完好")
    payer = _insured_payer(order, policy.exchange_shipping_payer)
    return Decision(True, Offer.EXCHANGE, f"签收后{days}天内可以换尺码或颜色；{_payer_rule(payer)}", payer)


def _quality_issue(order, item, request, since, now, policy: Policy) -> Decision:  # type: ignore[no-untyped-def]
    payer = policy.quality_shipping_payer
    if since <= timedelta(days=policy.quality_return_days):
        return Decision(
            True,
            Offer.RETURN_REFUND,
            f"质量问题在签收后{policy.quality_return_days}天内可以退货或换货，{_payer_rule(payer)}（可先垫付，我们报销）",
            payer,
            refund_for(item, request),
            needs_photos=True,
        )
    repair_days = max(policy.quality_repair_days, item.warranty_days)
    if item.warranty_days and since <= timedelta(days=repair_days):
        return Decision(
            True, Offer.REPAIR, f"已过{policy.quality_return_days}天退换期，在保修期内可以免费维修", payer, needs_photos=True
        )
    return Decision(False, Offer.HUMAN, f"已超过质量问题的{policy.quality_return_days}天退换期限，需要人工为您看看还能怎么处理")


def _reported_in_time(
    since: timedelta, window: timedelta, late_rule: str, rule: str, payer: str, refund: Decimal, photos: bool
) -> Decision:
    """The shop's own fault (damage in transit, wrong or missing goods): reship or refund if reported in time."""
    if since > window:
        return Decision(False, Offer.HUMAN, late_rule)
    return Decision(True, Offer.RESHIP_OR_REFUND, f"{rule}；{_payer_rule(payer)}", payer, refund, needs_photos=photos)


def _damaged(order, item, request, since, now, policy: Policy) -> Decision:  # type: ignore[no-untyped-def]
    """Damage in transit within the report window; later, damaged goods are still a quality issue.

    A hole or a split found on day 10 is no longer provably transit damage, but
    the buyer still has the quality-issue window (15 days, photos, shop pays
    shipping); sending them to a person first would only make them wait.
    """
    hours = policy.damage_report_hours
    if since > timedelta(hours=hours):
        quality = _quality_issue(order, item, request, since, now, policy)
        return replace(quality, rule=f"超过签收后{hours}小时，不再按运输破损处理；{quality.rule}")
    return _reported_in_time(
        since,
        timedelta(hours=hours),
        f"运输破损需在签收后{hours}小时内反馈，已超过时限，需要人工核实",
        f"签收后{hours}小时内反馈的运输破损，店铺为您补发或退款",
        policy.damage_shipping_payer,
        refund_for(item, request),
        policy.damage_photos_required,
    )


def _wrong_or_missing(order, item, request, since, now, policy: Policy) -> Decision:  # type: ignore[no-untyped-def]
    days = policy.wrong_or_missing_days
    return _reported_in_time(
        since,
        timedelta(days=days),
        f"发错或漏发需在签收后{days}天内反馈，已超过时限，需要人工核实",
        "发错或漏发是店铺的责任，为您补发或按差额退款",
        policy.wrong_or_missing_shipping_payer,
        refund_for(item, request),
        True,
    )


def _not_received_after_delivery(order, item, request, since, now, policy: Policy) -> Decision:  # type: ignore[no-untyped-def]
    return Decision(False, Offer.HUMAN, "物流显示已签收，需要人工联系快递核实签收情况后为您处理")


def _price_difference(order, item, request, since, now, policy: Policy) -> Decision:  # type: ignore[no-untyped-def]
    days = policy.price_protection_days
    if order.paid_at is None or now - order.paid_at > timedelta(days=days):
        return Decision(False, Offer.NONE, f"价保期为付款后{days}天，已超过价保期")
    if request.price_difference <= 0:  # the prices, so the buyer sees there was no drop
        now_price = (item.unit_price - request.price_difference).quantize(Decimal("0.01"))
        return Decision(False, Offer.NONE, f"没有查到降价：您付款时单价¥{item.unit_price:.2f}，现在售价¥{now_price:.2f}")
    amount = (request.price_difference * request.quantity).quantize(Decimal("0.01"))
    return Decision(True, Offer.REFUND_ONLY, f"付款后{days}天内降价，可以申请退差价", None, amount)
