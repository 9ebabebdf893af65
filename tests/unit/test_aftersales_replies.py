"""Which reply explains an after-sales decision or record, and the details it fills in.

A buyer who reads the rule applied, who pays the postage, where to send the
parcel and when the money comes back does not need a human, so each outcome is
checked for the right response and those values. Decisions and request views
are built by hand; the policy is the shipped shop_policy.yml. Every response
the module can produce must exist in domain.yml with all of its placeholders
filled, or Rasa would send the buyer a literal "{amount}".
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Dict, List, Optional, Set

import pytest
import yaml

from bot.aftersales import replies
from bot.aftersales.reading import Evidence
from bot.aftersales.replies import created_reply, existing_reply, next_step, offer_reply, refusal_reply, status_line
from bot.aftersales.service import ItemChoice, RequestView, StageView
from bot.crm.models import ReturnKind, ReturnStatus
from bot.orders.replies import Reply
from bot.policy.decisions import Decision, Offer
from bot.policy.model import load_policy

POLICY = load_policy()
ADDRESS = POLICY.return_address.text()
ROOT = Path(__file__).resolve().parents[2]
DOMAIN_RESPONSES: Dict[str, list] = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
PLACEHOLDER = re.compile(r"\{(\w+)\}")

K = ReturnKind
S = ReturnStatus
CREATED = datetime(2026, 11, 12, 9, 30)
NOW = datetime(2026, 11, 20, 12, 0)

JACKET = ItemChoice(
    id=7,
    name="加厚白鸭绒羽绒服",
    variant="白色 M",
    variant_id=12,
    quantity=2,
    claimed=0,
    unit_price=Decimal("599"),
    category="服装",
)
EARBUDS = ItemChoice(
    id=8,
    name="主动降噪蓝牙耳机Pro",
    variant="",
    variant_id=None,
    quantity=1,
    claimed=0,
    unit_price=Decimal("499"),
    category="数码",
)

RETURN = Decision(True, Offer.RETURN_REFUND, "签收后7天内，支持7天无理由退货；退货运费由买家承担", "buyer", Decimal("599"))
RETURN_INSURED = Decision(
    True, Offer.RETURN_REFUND, "签收后7天内，支持7天无理由退货；退货运费由运费险赔付", "insurance", Decimal("599")
)
QUALITY = Decision(True, Offer.RETURN_REFUND, "质量问题在签收后15天内可以退货或换货", "shop", Decimal("1198"), needs_photos=True)
EXCHANGE = Decision(True, Offer.EXCHANGE, "签收后7天内可以换尺码或颜色；退货运费由买家承担", "buyer")
RESHIP_OR_REFUND = Decision(
    True, Offer.RESHIP_OR_REFUND, "签收后48小时内反馈的运输破损，店铺为您补发或退款", "shop", Decimal("499"), needs_photos=True
)
PRICE = Decision(True, Offer.REFUND_ONLY, "付款后7天内降价，可以申请退差价", None, Decimal("30.5"))
REPAIR = Decision(True, Offer.REPAIR, "已过15天退换期，在保修期内可以免费维修", "shop", needs_photos=True)


def view(
    kind: ReturnKind,
    status: ReturnStatus,
    stages: Optional[Dict[ReturnStatus, datetime]] = None,
    refund_amount: Optional[Decimal] = None,
    exchange_to: Optional[str] = None,
    notes: Optional[Dict[ReturnStatus, str]] = None,
) -> RequestView:
    """A stored request as the service returns it; ``stages`` gives when each stage was reached."""
    reached = {S.PENDING: CREATED, **(stages or {})}
    history = tuple(
        StageView(status=s, note=(notes or {}).get(s), actor="staff", at=at)
        for s, at in sorted(reached.items(), key=lambda p: p[1])
    )
    return RequestView(
        rma_no="RMA20261112001",
        order_no="XE202611080001",
        item_name="加厚白鸭绒羽绒服",
        item_variant="白色 M",
        kind=kind,
        status=status,
        quantity=1,
        reason="不喜欢",
        rule_cited=None,
        shipping_payer=None,
        refund_amount=refund_amount,
        exchange_to=exchange_to,
        evidence=None,
        created_at=CREATED,
        updated_at=history[-1].at,
        stages=history,
    )


def domain_text(name: str) -> List[str]:
    return [variant["text"] for variant in DOMAIN_RESPONSES[name]]


# --- offer_reply ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "decision, resolution, response",
    [
        (RETURN, None, "utter_as_offer_return"),
        (QUALITY, None, "utter_as_offer_return"),
        (EXCHANGE, None, "utter_as_offer_exchange"),
        (RESHIP_OR_REFUND, "reship", "utter_as_offer_reship"),
        (RESHIP_OR_REFUND, "refund", "utter_as_offer_refund_only"),
        (RESHIP_OR_REFUND, None, "utter_as_offer_refund_only"),
        (PRICE, None, "utter_as_offer_refund_only"),
        (REPAIR, None, "utter_as_offer_repair"),
    ],
    ids=[
        "no-reason",
        "quality",
        "exchange",
        "damaged-reship",
        "damaged-refund",
        "damaged-undecided",
        "price-difference",
        "repair",
    ],
)
def test_offer_reply_picks_the_response(decision: Decision, resolution: Optional[str], response: str) -> None:
    reply = offer_reply(decision, JACKET, 1, POLICY, resolution=resolution)
    assert reply.response == response
    assert reply.values["rule"] == decision.rule


def test_offer_reply_values() -> None:
    values = offer_reply(RETURN, JACKET, 1, POLICY).values
    assert values["return_address"] == ADDRESS
    assert "良睦路1399号" in values["return_address"] and "0571-88888888" in values["return_address"]
    assert values["item"] == "加厚白鸭绒羽绒服（白色 M）"
    assert values["quantity"] == 1
    assert values["amount"] == "599.00"
    assert values["shipping"] == "退货运费由您承担"
    assert values["refund_to"] == "原支付方式"
    assert values["refund_after_days"] == 1 and values["refund_arrival_days"] == 3
    assert values["review"] == "符合规则，提交后自动通过"
    assert values["exchange_to"] == ""


@pytest.mark.parametrize(
    "amount, text",
    [
        (Decimal("599"), "599.00"),
        (Decimal("30.5"), "30.50"),
        (Decimal("1198.00"), "1198.00"),
        (Decimal("0.1"), "0.10"),
        (None, "0.00"),
    ],
)
def test_offer_reply_amount_has_two_decimals(amount: Optional[Decimal], text: str) -> None:
    assert offer_reply(replace(PRICE, refund_amount=amount), JACKET, 1, POLICY).values["amount"] == text


@pytest.mark.parametrize(
    "payer, text",
    [
        ("buyer", "退货运费由您承担"),
        ("insurance", "您的订单有运费险，退货运费由运费险赔付，寄出后自动理赔"),
        ("shop", "退货运费由店铺承担，您可以先垫付，申请里备注运费金额，我们报销"),
        (None, "退货运费由店铺承担，您可以先垫付，申请里备注运费金额，我们报销"),
    ],
)
def test_offer_reply_shipping_text(payer: Optional[str], text: str) -> None:
    assert offer_reply(replace(RETURN, shipping_payer=payer), JACKET, 1, POLICY).values["shipping"] == text


def test_offer_reply_freight_insurance() -> None:
    values = offer_reply(RETURN_INSURED, JACKET, 2, POLICY).values
    assert "运费险" in values["shipping"] and "承担" not in values["shipping"]
    assert values["quantity"] == 2


def test_offer_reply_item_without_variant() -> None:
    assert offer_reply(REPAIR, EARBUDS, 1, POLICY).values["item"] == "主动降噪蓝牙耳机Pro"


def test_offer_reply_exchange_target() -> None:
    values = offer_reply(EXCHANGE, JACKET, 1, POLICY, exchange_to="黑色 L").values
    assert values["exchange_to"] == "黑色 L"


@pytest.mark.parametrize(
    "evidence, review",
    [
        ("已发照片", "照片已收到，售后同事今天内审核"),
        ("稍后补照片", "照片记得稍后发给我，售后同事今天内审核"),
        ("无照片", "没有照片的话，售后同事今天内审核"),
        (None, "售后同事今天内审核"),
    ],
)
def test_offer_reply_review_when_photos_are_needed(evidence: Optional[str], review: str) -> None:
    assert offer_reply(QUALITY, JACKET, 1, POLICY, evidence=evidence).values["review"] == review


def test_offer_reply_review_ignores_evidence_when_no_photos_needed() -> None:
    assert offer_reply(RETURN, JACKET, 1, POLICY, evidence="已发照片").values["review"] == "符合规则，提交后自动通过"


# --- refusal_reply ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "offer, response",
    [
        (Offer.CANCEL_ORDER, "utter_as_not_shipped"),
        (Offer.REFUSE_ON_DELIVERY, "utter_as_in_transit"),
        (Offer.HUMAN, "utter_as_needs_human"),
        (Offer.NONE, "utter_as_not_eligible"),
    ],
    ids=lambda v: v.name if isinstance(v, Offer) else None,
)
def test_refusal_reply(offer: Offer, response: str) -> None:
    decision = Decision(offer != Offer.NONE and offer != Offer.HUMAN, offer, "食品类商品不支持7天无理由退货")
    reply = refusal_reply(decision, "XE202611080001")
    assert reply == Reply(response, {"rule": "食品类商品不支持7天无理由退货", "order_no": "XE202611080001"})


# --- created_reply / existing_reply -------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, status, response",
    [
        (K.RETURN_REFUND, S.APPROVED, "utter_as_created_send_back"),
        (K.EXCHANGE, S.APPROVED, "utter_as_created_send_back"),
        (K.RETURN_REFUND, S.PENDING, "utter_as_created_review_send_back"),
        (K.REPAIR, S.PENDING, "utter_as_created_review_send_back"),
        (K.RESHIP, S.PENDING, "utter_as_created_review"),
        (K.REFUND_ONLY, S.PENDING, "utter_as_created_review"),
    ],
    ids=lambda v: v.value if isinstance(v, (K, S)) else None,
)
def test_created_reply(kind: ReturnKind, status: ReturnStatus, response: str) -> None:
    reply = created_reply(view(kind, status, refund_amount=Decimal("599")), POLICY)
    assert reply.response == response
    assert reply.values["rma_no"] == "RMA20261112001"
    assert reply.values["kind"] == kind.value
    assert reply.values["return_address"] == ADDRESS
    assert reply.values["amount"] == "599.00"


def test_created_reply_for_an_auto_approved_refund_does_not_promise_a_review() -> None:
    reply = created_reply(view(K.REFUND_ONLY, S.APPROVED, {S.APPROVED: CREATED}, Decimal("30.50")), POLICY)
    assert all("审核" not in text for text in domain_text(reply.response))


def test_existing_reply() -> None:
    reply = existing_reply(view(K.EXCHANGE, S.APPROVED, {S.APPROVED: CREATED}, exchange_to="黑色 L"))
    assert reply.response == "utter_as_existing"
    assert reply.values["status"] == "已同意" and reply.values["kind"] == "换货"
    assert reply.values["exchange_to"] == "黑色 L" and reply.values["amount"] == "0.00"


# --- status_line / next_step ----------------------------------------------------------------------------


def test_pending() -> None:
    assert next_step(view(K.RETURN_REFUND, S.PENDING), POLICY, NOW) == "售后同事正在审核，今天内给您结果"


@pytest.mark.parametrize("kind", [K.RETURN_REFUND, K.EXCHANGE, K.REPAIR], ids=lambda k: k.value)
def test_approved_send_back_gives_the_return_address(kind: ReturnKind) -> None:
    step = next_step(view(kind, S.APPROVED, {S.APPROVED: CREATED}), POLICY, NOW)
    assert step.startswith("已同意，请把商品寄回：")
    assert ADDRESS in step


def test_approved_reship() -> None:
    assert (
        next_step(view(K.RESHIP, S.APPROVED, {S.APPROVED: CREATED}), POLICY, NOW)
        == "已同意补发，仓库会尽快发出，发出后能查到物流"
    )


RECEIVED_AT = datetime(2026, 11, 18, 16, 0)  # refund due 11月19日 16:00 (after_return_received_days: 1)


@pytest.mark.parametrize(
    "now, late",
    [
        (RECEIVED_AT + timedelta(hours=2), False),
        (RECEIVED_AT + timedelta(days=1), False),  # exactly at the due time is still on time
        (RECEIVED_AT + timedelta(days=1, minutes=1), True),
        (RECEIVED_AT + timedelta(days=5), True),
    ],
    ids=["same-day", "due-exactly", "a-minute-late", "days-late"],
)
def test_received_return_refund_promises_a_date(now: datetime, late: bool) -> None:
    request = view(K.RETURN_REFUND, S.RECEIVED, {S.APPROVED: CREATED, S.RECEIVED: RECEIVED_AT}, Decimal("599"))
    step = next_step(request, POLICY, now)
    assert POLICY.refund_after_received_days == 1
    assert step.startswith("退款预计 11月19日 前原路退回原支付方式，一般3个工作日内到账")
    assert ("已超时" in step) is late


def test_refund_date_counts_from_the_received_stage_not_the_last_update() -> None:
    request = replace(
        view(K.RETURN_REFUND, S.RECEIVED, {S.APPROVED: CREATED, S.RECEIVED: RECEIVED_AT}), updated_at=datetime(2026, 11, 25)
    )
    assert "11月19日" in next_step(request, POLICY, NOW)


def test_refund_only_counts_from_approval() -> None:
    request = view(K.REFUND_ONLY, S.APPROVED, {S.APPROVED: datetime(2026, 11, 14, 10, 0)}, Decimal("30.50"))
    step = next_step(request, POLICY, NOW)
    assert step.startswith("退款预计 11月15日 前原路退回原支付方式") and "已超时" in step


@pytest.mark.parametrize("kind, doing", [(K.EXCHANGE, "换货发出"), (K.REPAIR, "维修")], ids=lambda v: getattr(v, "value", v))
def test_received_exchange_or_repair(kind: ReturnKind, doing: str) -> None:
    step = next_step(view(kind, S.RECEIVED, {S.APPROVED: CREATED, S.RECEIVED: RECEIVED_AT}), POLICY, NOW)
    assert step == "仓库已收到商品，正在为您安排" + doing


def test_refunded_names_the_day_it_was_refunded() -> None:
    stages = {S.APPROVED: CREATED, S.RECEIVED: RECEIVED_AT, S.REFUNDED: datetime(2026, 11, 19, 10, 0)}
    step = next_step(view(K.RETURN_REFUND, S.REFUNDED, stages, Decimal("599")), POLICY, NOW)
    assert step == "11月19日已原路退回原支付方式，一般3个工作日内到账"


@pytest.mark.parametrize(
    "kind, exchange_to, step",
    [(K.EXCHANGE, "黑色 L", "已办结，新的黑色 L已发出"), (K.RESHIP, None, "已办结"), (K.REPAIR, None, "已办结")],
    ids=lambda v: getattr(v, "value", None),
)
def test_completed(kind: ReturnKind, exchange_to: Optional[str], step: str) -> None:
    request = view(kind, S.COMPLETED, {S.APPROVED: CREATED, S.COMPLETED: RECEIVED_AT}, exchange_to=exchange_to)
    assert next_step(request, POLICY, NOW) == step


def test_rejected_shows_the_note() -> None:
    request = view(K.RETURN_REFUND, S.REJECTED, {S.REJECTED: RECEIVED_AT}, notes={S.REJECTED: "吊牌已剪，影响二次销售"})
    assert next_step(request, POLICY, NOW) == "未通过：吊牌已剪，影响二次销售"


def test_rejected_without_a_note() -> None:
    assert next_step(view(K.RETURN_REFUND, S.REJECTED, {S.REJECTED: RECEIVED_AT}), POLICY, NOW) == "未通过审核"


def test_cancelled() -> None:
    assert next_step(view(K.EXCHANGE, S.CANCELLED, {S.CANCELLED: RECEIVED_AT}), POLICY, NOW) == "已撤销"


def test_status_line() -> None:
    request = view(K.RETURN_REFUND, S.PENDING, refund_amount=Decimal("599"))
    assert status_line(request, POLICY, NOW) == (
        "· RMA20261112001｜加厚白鸭绒羽绒服×1｜退货退款，退款¥599.00｜待审核\n  售后同事正在审核，今天内给您结果"
        "；通过并寄回后退款¥599.00，原路退回原支付方式，一般3个工作日到账"
    )


def test_a_refund_names_the_buyers_own_payment_method() -> None:
    request = replace(view(K.RETURN_REFUND, S.APPROVED, refund_amount=Decimal("399")), paid_with="信用卡")
    line = status_line(request, POLICY, NOW)
    assert "良睦路1399号" in line and "退款¥399.00，原路退回原支付方式（信用卡）" in line


def test_status_line_without_money() -> None:
    line = status_line(view(K.EXCHANGE, S.PENDING), POLICY, NOW)
    assert line.startswith("· RMA20261112001｜加厚白鸭绒羽绒服×1｜换货｜待审核\n")
    assert "¥" not in line


# --- every reply the module produces exists in domain.yml, with all its placeholders filled -------------


def _every_reply() -> List[Reply]:
    produced: List[Reply] = []
    for decision in (RETURN, RETURN_INSURED, QUALITY, EXCHANGE, RESHIP_OR_REFUND, PRICE, REPAIR):
        for resolution in ("reship", "refund", None):
            produced.append(offer_reply(decision, JACKET, 1, POLICY, resolution=resolution, exchange_to="黑色 L"))
    for offer in Offer:
        produced.append(refusal_reply(Decision(False, offer, "规则"), "XE1"))
    for kind in K:
        for status in S:
            request = view(kind, status, {status: RECEIVED_AT}, Decimal("1"))
            produced.append(created_reply(request, POLICY))
            produced.append(existing_reply(request))
    return produced


def test_every_reply_exists_in_the_domain_with_its_placeholders_filled() -> None:
    produced = _every_reply()
    names: Set[str] = {reply.response for reply in produced}
    assert names == {
        "utter_as_offer_return",
        "utter_as_offer_exchange",
        "utter_as_offer_reship",
        "utter_as_offer_refund_only",
        "utter_as_offer_repair",
        "utter_as_not_shipped",
        "utter_as_in_transit",
        "utter_as_needs_human",
        "utter_as_not_eligible",
        "utter_as_created_send_back",
        "utter_as_created_refund_approved",
        "utter_as_created_review_send_back",
        "utter_as_created_review",
        "utter_as_existing",
    }
    for reply in produced:
        assert reply.response in DOMAIN_RESPONSES, reply.response
        for text in domain_text(reply.response):
            missing = set(PLACEHOLDER.findall(text)) - set(reply.values)
            assert not missing, f"{reply.response} leaves {missing} unfilled"


def test_shipping_and_evidence_texts_cover_every_payer_and_evidence() -> None:
    assert set(replies.SHIPPING_TEXT) == {"buyer", "shop", "insurance"}
    assert set(replies.EVIDENCE_NOTE) == {e.value for e in Evidence}
