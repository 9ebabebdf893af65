"""Follow-ups about one order: which details a message asks, and the reply for each from the order's data."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from bot.crm.models import OrderStatus
from bot.orders.details import Facet, asked_facets, courier_of, detail_replies, facet_reply, signer_of
from bot.orders.service import ItemView, OrderView, TrackView

S = OrderStatus
NOW = datetime(2026, 11, 30, 15, 0)


def order(status: S, **extra) -> OrderView:
    base = dict(
        order_no="6302718459303346", status=status, total_amount=Decimal("159.00"), created_at=datetime(2026, 11, 5, 15),
        paid_at=datetime(2026, 11, 5, 15, 7), shipped_at=None, delivered_at=None, cancelled_at=None, completed_at=None,
        payment_method="支付宝", recipient="陈美", recipient_phone_masked="138****0003",
        address="河南省郑州市金水区滨河大道274号金色家园19栋467室", freight_insurance=False,
        items=(ItemView("丝绒哑光口红", "#02 豆沙", 1, Decimal("159.00")),),
    )
    base.update(extra)
    return OrderView(**base)


DELIVERED = order(
    S.COMPLETED, shipped_at=datetime(2026, 11, 6, 3, 53), delivered_at=datetime(2026, 11, 7, 13, 30),
    carrier="韵达快递", tracking_no="4325444924490", estimated_delivery=date(2026, 11, 8),
    tracks=(
        TrackView(datetime(2026, 11, 7, 13, 30), "郑州市", "快件已签收，签收人：本人签收。感谢使用韵达快递"),
        TrackView(datetime(2026, 11, 7, 9, 53), "郑州市", "【郑州市金水区】快递员魏师傅（13610701746）正在派送，请保持电话畅通"),
    ),
)


@pytest.mark.parametrize(
    "text, facets",
    [
        ("哪天签收的", [Facet.SIGNED]),
        ("谁签收的 放哪儿了", [Facet.SIGNED]),
        ("口紅那單是誰簽收的呀", [Facet.SIGNED]),
        ("地址现在是哪个", [Facet.ADDRESS]),
        ("送的是哪个地址啊", [Facet.ADDRESS]),
        ("怎么被取消了", [Facet.CANCEL_REASON]),
        ("派件小哥电话给我下", [Facet.COURIER]),
        ("付了多少钱来着", [Facet.AMOUNT]),
        ("一共花了多少 运费收了没", [Facet.AMOUNT]),
        ("单号发我一下", [Facet.TRACKING]),
        ("我这单买了运费险没", [Facet.INSURANCE]),
        ("那这单哪天发", [Facet.SHIP_BY]),
        ("派件师傅电话给我 我跟他说一声不要了", [Facet.COURIER]),  # the phone, whatever it is wanted for
        # requests and rule questions are not follow-ups
        ("帮我改地址", []),
        ("地址写错了 改成上海市徐汇区漕溪北路88号", []),
        ("帮我取消跑步鞋那单", []),
        ("运费险怎么赔", []),
        ("我要退货", []),
    ],
)
def test_facets_are_read_from_the_buyers_words(text: str, facets: list) -> None:
    assert asked_facets(text) == facets


def test_signer_and_courier_come_from_the_trace() -> None:
    assert signer_of(DELIVERED) == "本人签收"
    assert courier_of(DELIVERED) == "魏师傅（13610701746）"


def test_a_signed_order_says_when_and_who() -> None:
    reply = facet_reply(DELIVERED, Facet.SIGNED)
    assert reply.response == "utter_detail_signed"
    assert reply.values["delivered_at"].startswith("11月07日") and reply.values["signer"] == "本人签收"


def test_an_unshipped_order_says_it_has_not_shipped_instead_of_a_signer() -> None:
    waiting = order(S.AWAITING_SHIPMENT)
    assert facet_reply(waiting, Facet.SIGNED).response == "utter_detail_not_shipped"
    assert facet_reply(waiting, Facet.COURIER).response == "utter_detail_not_shipped"
    assert facet_reply(waiting, Facet.TRACKING).values["deadline"].startswith("11月07日")


def test_cancel_reason_and_amount_come_from_the_order() -> None:
    cancelled = order(S.CANCELLED, paid_at=None, cancelled_at=datetime(2026, 11, 28, 3, 35), cancel_reason="超时未付款")
    reply = facet_reply(cancelled, Facet.CANCEL_REASON)
    assert reply.response == "utter_detail_cancelled" and reply.values["cancel_reason"] == "超时未付款"
    assert facet_reply(DELIVERED, Facet.CANCEL_REASON).response == "utter_detail_not_cancelled"
    amount = facet_reply(DELIVERED, Facet.AMOUNT)
    assert (amount.values["amount"], amount.values["payment_method"]) == ("159.00", "支付宝")


def test_one_reply_per_distinct_answer() -> None:
    replies = detail_replies(DELIVERED, [Facet.SIGNED, Facet.ETA])  # a delivered parcel's ETA is its signing
    assert [r.response for r in replies] == ["utter_detail_signed"]


@pytest.mark.parametrize(
    "paid_at, response, deadline",
    [
        (datetime(2026, 11, 29, 16, 0), "utter_detail_not_shipped", "12月01日 16:00"),  # 23 h after payment
        (datetime(2026, 11, 28, 14, 0), "utter_detail_not_shipped_overdue", "11月30日 14:00"),  # 49 h: promise broken
    ],
)
def test_an_unshipped_order_past_its_promised_dispatch_time_is_apologised_for(paid_at: datetime, response: str,
                                                                              deadline: str) -> None:
    waiting = order(S.AWAITING_SHIPMENT, paid_at=paid_at, created_at=paid_at)
    (reply,) = detail_replies(waiting, [Facet.SHIP_BY], NOW)
    assert (reply.response, reply.values["deadline"]) == (response, deadline)
