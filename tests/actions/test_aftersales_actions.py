"""The after-sales form against a real CRM (SQLite and PostgreSQL), driven the way Rasa drives it.

Conversations are 孙丽's (tb_sunli): two T-shirts and canvas shoes signed for
30 hours ago with 运费险, a hoodie signed for 10 days ago, nuts signed for 50
hours ago. Every test leaves the database as it found it (see ``clean``).
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Dict, Iterator, List

import pytest
from rasa_sdk import Tracker
from sqlalchemy import delete, select

from actions.returns import (
    ActionAftersalesRequest,
    ActionCancelAftersales,
    ActionRefundStatus,
)
from bot.crm.db import session_scope
from bot.crm.models import Complaint, ProductVariant, ReturnRequest, ReturnStage
from tests.actions.conftest import make_tracker, responses, run_action, slots_of
from tests.actions.forms import FormConversation, FormSpec
from tests.conftest import AS_OF

AFTERSALES_FORM = FormSpec(name="aftersales_form", submit="action_aftersales_request")
SUNLI = "tb_sunli"
TEES_AND_SHOES = "9637241508601779"
HOODIE = "9637241508602881"
NUTS = "9637241508603992"


def chat(sender: str = SUNLI) -> FormConversation:
    return FormConversation(sender, AFTERSALES_FORM)


def requests_for(url: str, order_no: str) -> List[ReturnRequest]:
    from bot.crm.models import Order

    with session_scope(url) as session:
        rows = session.execute(
            select(ReturnRequest).join(Order, Order.id == ReturnRequest.order_id).where(Order.order_no == order_no)
        ).scalars()
        found = list(rows)
        session.expunge_all()
        return found


def shoe_variant(url: str, size: str, color: str = "白色") -> ProductVariant:
    with session_scope(url) as session:
        variant = session.execute(select(ProductVariant).where(ProductVariant.sku == f"SH001-{color}-{size}")).scalar_one()
        session.expunge(variant)
        return variant


def set_stock(url: str, sku: str, stock: int) -> None:
    with session_scope(url) as session:
        session.execute(select(ProductVariant).where(ProductVariant.sku == sku)).scalar_one().stock = stock


@pytest.fixture(autouse=True)
def clean(crm: str) -> Iterator[None]:
    """Remove the cases a test opened (created at the frozen 'now') and restore the shoes' stock."""
    with session_scope(crm) as session:
        stocks: Dict[str, int] = {
            v.sku: v.stock for v in session.execute(select(ProductVariant).where(ProductVariant.sku.like("SH001-%"))).scalars()
        }
    yield
    with session_scope(crm) as session:
        created = select(ReturnRequest.id).where(ReturnRequest.created_at >= AS_OF)
        session.execute(
            delete(ReturnStage).where(ReturnStage.request_id.in_(created)).execution_options(synchronize_session=False)
        )
        session.execute(
            delete(ReturnRequest).where(ReturnRequest.created_at >= AS_OF).execution_options(synchronize_session=False)
        )
        for variant in session.execute(select(ProductVariant).where(ProductVariant.sku.like("SH001-%"))).scalars():
            variant.stock = stocks[variant.sku]


# --- the main paths ---------------------------------------------------------------------------


async def test_an_angry_defect_report_is_a_complaint_and_a_case_and_is_apologised_for_first(crm: str) -> None:
    talk = chat("tb_zhaolei")
    messages = await talk.say("皮鞋才穿一天就开胶了 什么垃圾质量 再不解决我打12315", "report_quality_issue")
    assert responses(messages)[0] == "utter_as_sorry_recorded"  # sorry first, with the complaint's number
    with session_scope(crm) as session:
        (complaint,) = session.execute(
            select(Complaint).where(Complaint.complaint_no == messages[0]["complaint_no"])
        ).scalars().all()
        assert complaint.sender_id == "tb_zhaolei" and "12315" in complaint.text


async def test_quality_return_with_photos_is_recorded_for_review(crm: str) -> None:
    talk = chat()
    messages = await talk.say("T恤穿了一次就开线了", "report_quality_issue")
    assert responses(messages) == ["utter_as_sorry", "utter_ask_as_quantity"]  # sorry before any question
    assert messages[1]["available"] == 2
    messages = await talk.say("1件", "inform")
    assert responses(messages) == ["utter_ask_as_photos_quality"]
    messages = await talk.say("[图片]", "nlu_fallback")
    assert responses(messages) == ["utter_as_offer_return"]
    offer = messages[0]
    assert offer["amount"] == "69.00" and "店铺承担" in offer["shipping"] and "良睦路1399号" in offer["return_address"]
    assert "质量问题" in offer["rule"]
    messages = await talk.say("确认", "affirm")
    assert responses(messages) == ["utter_as_created_review_send_back"]
    (record,) = requests_for(crm, TEES_AND_SHOES)
    assert messages[0]["rma_no"] == record.rma_no and record.rma_no.startswith("RMA261125")
    assert (record.kind, record.status, record.quantity) == ("退货退款", "待审核", 1)
    assert record.return_shipping_payer == "shop" and str(record.refund_amount) == "69.00"
    assert record.evidence == "已发照片" and record.reason == "T恤穿了一次就开线了" and record.sender_id == SUNLI


async def test_no_reason_return_asks_order_item_and_reason_then_is_approved(crm: str) -> None:
    talk = chat()
    messages = await talk.say("我想退货", "request_return")
    assert responses(messages) == ["utter_choose_order"]
    assert TEES_AND_SHOES in messages[0]["order_list"] and HOODIE in messages[0]["order_list"]
    messages = await talk.say(TEES_AND_SHOES, "inform")
    assert responses(messages) == ["utter_ask_as_item"]
    assert len(messages[0]["buttons"]) == 2
    messages = await talk.say("第2件", "inform")  # the canvas shoes: one pair, so no quantity question
    assert responses(messages) == ["utter_ask_as_reason_return"]
    messages = await talk.say("尺码偏小", "inform")
    assert responses(messages) == ["utter_as_offer_return"]
    assert "运费险" in messages[0]["shipping"] and messages[0]["amount"] == "129.00"
    messages = await talk.say("确认退货", "request_return")  # labelled as a request, still a yes
    assert responses(messages) == ["utter_as_created_send_back"]
    (record,) = requests_for(crm, TEES_AND_SHOES)
    assert (record.kind, record.status, record.return_shipping_payer) == ("退货退款", "已同意", "insurance")


async def test_a_second_request_for_the_same_item_points_to_the_first(crm: str) -> None:
    first = chat()
    await first.say("帆布鞋不想要了，要退货", "request_return")
    messages = await first.say("确认", "affirm")
    assert responses(messages) == ["utter_as_created_send_back"]
    rma = messages[0]["rma_no"]
    again = chat()
    messages = await again.say("帆布鞋质量有问题要退", "report_quality_issue")
    assert responses(messages) == ["utter_as_sorry", "utter_as_existing"]
    assert messages[1]["rma_no"] == rma
    assert len(requests_for(crm, TEES_AND_SHOES)) == 1


async def test_a_repeated_confirmation_creates_nothing_new(crm: str) -> None:
    talk = chat()
    await talk.say("帆布鞋不想要了，要退货", "request_return")
    slots = dict(talk.slots, order_confirm=True)
    tracker = make_tracker(SUNLI, "确认", "affirm", slots, None, False, "aftersales_form")
    (_, first), (_, second) = await asyncio.gather(
        run_action(ActionAftersalesRequest(), tracker), run_action(ActionAftersalesRequest(), tracker)
    )
    assert sorted(responses(first) + responses(second)) == ["utter_as_created_send_back", "utter_as_existing"]
    assert len(requests_for(crm, TEES_AND_SHOES)) == 1


async def test_exchange_one_size_up_reserves_the_stock(crm: str) -> None:
    set_stock(crm, "SH001-白色-40", 5)
    talk = chat()
    messages = await talk.say("帆布鞋小了，想换大一码", "request_exchange")
    assert responses(messages) == ["utter_as_offer_exchange"]
    assert messages[0]["exchange_to"] == "白色 40" and "运费险" in messages[0]["shipping"]
    messages = await talk.say("确认", "affirm")
    assert responses(messages) == ["utter_as_created_send_back"]
    (record,) = requests_for(crm, TEES_AND_SHOES)
    wanted = shoe_variant(crm, "40")
    assert (record.kind, record.status, record.exchange_variant_id) == ("换货", "已同意", wanted.id)
    assert wanted.stock == 4


async def test_exchange_to_a_size_out_of_stock_offers_what_is_there(crm: str) -> None:
    set_stock(crm, "SH001-白色-41", 0)
    set_stock(crm, "SH001-黑色-41", 3)
    talk = chat()
    messages = await talk.say("帆布鞋想换个码", "request_exchange")
    assert responses(messages) == ["utter_ask_as_variant"]
    assert messages[0]["current"] == "白色 39" and "白色 41" not in messages[0]["options"]
    messages = await talk.say("41码", "inform")
    assert responses(messages) == ["utter_as_variant_out_of_stock", "utter_ask_as_variant"]
    messages = await talk.say("那换黑色41", "inform")
    assert responses(messages) == ["utter_as_offer_exchange"]
    assert messages[0]["exchange_to"] == "黑色 41"


async def test_wrong_item_offers_reship_and_takes_promised_photos(crm: str) -> None:
    talk = chat()
    messages = await talk.say("帆布鞋发错颜色了", "report_wrong_or_missing")
    assert responses(messages) == ["utter_as_sorry", "utter_ask_as_resolution"]
    messages = await talk.say("补发吧", "inform")
    assert responses(messages) == ["utter_ask_as_photos_wrong"]
    messages = await talk.say("等下拍给你", "inform")
    assert responses(messages) == ["utter_as_offer_reship"]
    messages = await talk.say("好的", "affirm")
    assert responses(messages) == ["utter_as_created_review"]
    (record,) = requests_for(crm, TEES_AND_SHOES)
    assert (record.kind, record.status, record.evidence, record.refund_amount) == ("补发", "待审核", "稍后补照片", None)


# --- the awkward cases ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sender", "text", "intent", "expected"),
    [
        ("tb_xiaoyu", "跑步鞋不要了，要退款", "request_refund", "utter_as_not_shipped"),
        ("tb_zhouting", "扫地机器人我要退货", "request_return", "utter_as_in_transit"),
        (SUNLI, "坚果袋子收到就破了", "report_damaged", "utter_ask_as_quantity"),
    ],
    ids=["not-shipped-offers-cancel", "in-transit-refuse-on-delivery", "two-bags-asks-how-many"],
)
async def test_orders_not_yet_delivered_get_the_right_alternative(
    crm: str, sender: str, text: str, intent: str, expected: str
) -> None:
    messages = await chat(sender).say(text, intent)
    assert [r for r in responses(messages) if r != "utter_as_sorry"] == [expected]


async def test_damage_reported_after_48_hours_is_handled_as_a_quality_issue(crm: str) -> None:
    talk = chat()
    opening = await talk.say("坚果袋子收到就破了", "report_damaged")
    assert responses(opening)[0] == "utter_as_sorry"
    messages = await talk.say("两袋都是", "inform")
    assert responses(messages) == ["utter_ask_as_photos_damaged"]  # past 48 hours: the quality rule, photos first
    assert requests_for(crm, NUTS) == []


async def test_food_is_not_a_no_reason_return(crm: str) -> None:
    talk = chat()
    await talk.say("坚果不想要了，退货", "request_return")
    messages = await talk.say("全部", "inform")
    assert responses(messages) == ["utter_as_not_eligible"]
    assert "食品" in messages[0]["rule"]


async def test_expired_window_explains_and_hands_the_case_to_staff(crm: str) -> None:
    from bot.crm.models import Handoff

    messages = await chat().say("卫衣不喜欢，想退", "request_return")
    assert responses(messages) == ["utter_as_needs_human", "utter_handoff_queued"]
    assert "7天" in messages[0]["rule"]
    with session_scope(crm) as session:
        handoff = session.execute(select(Handoff).where(Handoff.sender_id == SUNLI, Handoff.status == "排队中")).scalar_one()
        assert handoff.reason == "beyond_policy"
        session.delete(handoff)  # other tests in this module start without a queued case


async def test_quality_is_still_covered_after_the_no_reason_window(crm: str) -> None:
    talk = chat()
    messages = await talk.say("卫衣起球很严重", "report_quality_issue")
    assert responses(messages) == ["utter_as_sorry", "utter_ask_as_photos_quality"]
    messages = await talk.say("稍后发照片", "inform")
    assert responses(messages) == ["utter_as_offer_return"]


async def test_parcel_signed_for_but_not_received_goes_to_a_human(crm: str) -> None:
    talk = chat()
    messages = await talk.say("卫衣那单显示签收了但我没收到货，要退款", "request_refund")
    assert responses(messages) == ["utter_as_needs_human", "utter_handoff_queued"]


async def test_another_buyers_order_is_not_found(crm: str) -> None:
    messages = await chat().say("订单5230917846201337要退货", "request_return")
    assert responses(messages)[0] == "utter_order_not_found"
    assert "机械键盘" not in str(messages)


# --- changing course ---------------------------------------------------------------------------------


async def test_backing_out_at_the_reason_question(crm: str) -> None:
    talk = chat()
    await talk.say("帆布鞋要退", "request_return")
    assert talk.requested == "as_reason"
    messages = await talk.say("算了不退了", "deny")
    assert talk.rejected and messages == []  # the stop rule answers and ends the form
    assert requests_for(crm, TEES_AND_SHOES) == []


async def test_declining_the_offer_records_nothing(crm: str) -> None:
    talk = chat()
    await talk.say("帆布鞋不想要了，要退货", "request_return")
    messages = await talk.say("先不用了", "deny")
    assert responses(messages) == ["utter_as_kept"]
    assert requests_for(crm, TEES_AND_SHOES) == []


async def test_switching_from_return_to_exchange_at_the_offer(crm: str) -> None:
    set_stock(crm, "SH001-白色-38", 5)
    talk = chat()
    await talk.say("帆布鞋不想要了，要退货", "request_return")
    assert talk.requested == "order_confirm"
    messages = await talk.say("还是换货吧", "request_exchange")
    assert responses(messages) == ["utter_ask_as_variant"]
    messages = await talk.say("换38的", "inform")
    assert responses(messages) == ["utter_as_offer_exchange"]


async def test_a_question_in_between_is_left_to_the_rules_and_the_form_resumes(crm: str) -> None:
    talk = chat()
    await talk.say("T恤开线了", "report_quality_issue")
    assert talk.requested == "as_quantity"
    messages = await talk.say("运费谁出", "ask_policy")
    assert talk.rejected and messages == []
    messages = await talk.resume_after("action_answer_policy")
    assert responses(messages)[-1] == "utter_ask_as_quantity"  # answered, then the open question again
    messages = await talk.say("2件", "inform")
    assert responses(messages) == ["utter_ask_as_photos_quality"]


async def test_a_question_while_asked_to_confirm_does_not_end_the_form(crm: str) -> None:
    talk = chat()
    await talk.say("帆布鞋不喜欢 想退", "request_return")
    assert talk.requested == "order_confirm"
    await talk.say("换货运费呢", "ask_policy")
    assert talk.rejected
    messages = await talk.resume_after("action_answer_policy")
    assert talk.active and talk.requested == "order_confirm"
    assert responses(messages)[-1] == "utter_as_offer_return"  # the offer restated, still waiting for a yes
    messages = await talk.say("确认", "affirm")
    assert responses(messages)[-1].startswith("utter_as_created")
    assert len(requests_for(crm, TEES_AND_SHOES)) == 1


@pytest.mark.parametrize("text", ["", "😭😭😭", "啊" * 5000, "100件"])
async def test_bad_quantity_gets_a_clear_question(crm: str, text: str) -> None:
    talk = chat()
    await talk.say("T恤开线了", "report_quality_issue")
    messages = await talk.say(text, "inform")
    assert responses(messages) == ["utter_as_quantity_invalid", "utter_ask_as_quantity"]
    assert talk.requested == "as_quantity"


async def test_unknown_sender_is_verified_first(crm: str) -> None:
    talk = chat("wx_guest_sunli")
    messages = await talk.say("我要退货", "request_return")
    assert responses(messages) == ["utter_ask_verify_phone"]
    await talk.say("13800000006", "inform")
    messages = await talk.say(HOODIE, "inform")
    assert responses(messages)[0] == "utter_verify_ok"
    assert talk.slots["as_kind"] == "return"


# --- status and withdrawal -----------------------------------------------------------------------------


def answer_to_withdrawal(text: str, intent: str, rma: str, just_asked: bool = True) -> Tracker:
    """The buyer's next message after "确认撤销售后申请…吗？" (or, not just asked, a later one)."""
    tracker = make_tracker(SUNLI, text, intent, slots={"pending_case_cancel": rma}, active=False)
    asked_by = "action_cancel_aftersales" if just_asked else "action_answer_policy"
    tracker.events[:0] = [{"event": "action", "name": asked_by}, {"event": "action", "name": "action_listen"}]
    return tracker


async def test_a_withdrawal_needs_a_yes_to_that_question(crm: str) -> None:
    talk = chat()
    await talk.say("帆布鞋不想要了，要退货", "request_return")
    rma = (await talk.say("确认", "affirm"))[0]["rma_no"]
    events, kept = await run_action(ActionCancelAftersales(), answer_to_withdrawal("不撤销了", "deny", rma))
    assert responses(kept) == ["utter_as_cancel_kept"] and slots_of(events) == {"pending_case_cancel": None}
    _, unclear = await run_action(ActionCancelAftersales(), answer_to_withdrawal("撤了会怎么样", "nlu_fallback", rma))
    assert responses(unclear) == ["utter_as_confirm_cancel_again"]
    _, stale = await run_action(ActionCancelAftersales(), answer_to_withdrawal("好的", "affirm", rma, just_asked=False))
    assert responses(stale) == ["utter_how_can_help"]  # a yes several turns later confirms nothing
    (record,) = requests_for(crm, TEES_AND_SHOES)
    assert record.status != "已撤销"


async def test_status_lists_the_case_and_the_buyer_can_withdraw_it(crm: str) -> None:
    talk = chat()
    await talk.say("帆布鞋不想要了，要退货", "request_return")
    created = await talk.say("确认", "affirm")
    rma = created[0]["rma_no"]
    _, status = await run_action(ActionRefundStatus(), make_tracker(SUNLI, "退款到哪了", "query_refund_status", active=False))
    assert responses(status) == ["utter_refund_status_cancellable"]
    assert rma in status[0]["lines"] and "已同意" in status[0]["lines"] and "良睦路" in status[0]["lines"]
    events, asked = await run_action(
        ActionCancelAftersales(), make_tracker(SUNLI, "撤销退货申请", "cancel_aftersales", active=False)
    )
    assert responses(asked) == ["utter_as_confirm_cancel"] and asked[0]["rma_no"] == rma  # asked, nothing withdrawn yet
    assert slots_of(events) == {"pending_case_cancel": rma}
    assert requests_for(crm, TEES_AND_SHOES)[0].status != "已撤销"
    _, cancelled = await run_action(ActionCancelAftersales(), answer_to_withdrawal("确认撤销", "cancel_aftersales", rma))
    assert responses(cancelled) == ["utter_as_cancelled"] and cancelled[0]["rma_no"] == rma
    (record,) = requests_for(crm, TEES_AND_SHOES)
    assert record.status == "已撤销"
    _, again = await run_action(ActionCancelAftersales(), make_tracker(SUNLI, f"撤销{rma}", "cancel_aftersales", active=False))
    assert responses(again) == ["utter_as_cannot_cancel"]


async def test_where_the_money_would_go_is_answered_for_the_item_being_returned(crm: str) -> None:
    """"钱退到哪 退多少" before the yes: the chosen item's amount and the order's own payment method."""
    talk = chat()
    await talk.say("帆布鞋不喜欢 想退", "request_return")
    assert talk.requested == "order_confirm"
    await talk.say("能退多少钱 退到哪里", "query_refund_status")
    assert talk.rejected
    messages = await talk.resume_after("action_refund_status")
    assert responses(messages)[0] == "utter_refund_route_return"
    assert messages[0]["amount"] == "129.00" and messages[0]["order_no"] == TEES_AND_SHOES
    assert messages[0]["payment_method"] == "信用卡"
    assert responses(messages)[-1] == "utter_as_offer_return"  # and the offer again, still waiting for a yes


async def test_where_the_money_would_go_for_the_order_in_focus_when_nothing_is_open(crm: str) -> None:
    tracker = make_tracker("tb_zhaolei", "要是退的话钱退到哪 全额退吗", "query_refund_status", active=False,
                           slots={"focus_order_id": "7415029386402568"})
    _, said = await run_action(ActionRefundStatus(), tracker)
    assert responses(said) == ["utter_refund_route_return"]
    assert said[0]["amount"] == "399.00" and said[0]["payment_method"] == "信用卡"


async def test_where_the_money_goes_when_an_unshipped_order_is_cancelled(crm: str) -> None:
    tracker = make_tracker("tb_chenmei", "取消了钱退到哪", "query_refund_status", form="order_form",
                           slots={"order_id": "6302718459302235", "order_purpose": "cancel"},
                           requested="order_confirm")
    _, said = await run_action(ActionRefundStatus(), tracker)
    assert responses(said) == ["utter_refund_route_cancel"]
    assert said[0]["amount"] == "399.00" and said[0]["payment_method"] == "信用卡"


async def test_status_of_a_refunded_case_says_when_the_money_went_back(crm: str) -> None:
    _, status = await run_action(
        ActionRefundStatus(), make_tracker("tb_xiaoyu", "退款到账了吗", "query_refund_status", active=False)
    )
    assert responses(status) == ["utter_refund_status"]
    assert "已退款" in status[0]["lines"] and "原路退回" in status[0]["lines"]


async def test_price_drop_is_refunded_from_the_catalogue_price(crm: str) -> None:
    from bot.crm.models import Product

    def set_price(price: str) -> None:
        with session_scope(crm) as session:
            session.execute(select(Product).where(Product.sku == "CL003")).scalar_one().price = Decimal(price)

    set_price("59.00")  # the buyer paid 69.00 two days ago
    try:
        talk = chat()
        messages = await talk.say("T恤降价了，我要退差价", "request_refund")
        assert responses(messages) == ["utter_ask_as_quantity"]
        messages = await talk.say("两件都要", "inform")
        assert responses(messages) == ["utter_as_offer_refund_only"]
        assert messages[0]["amount"] == "20.00" and "降价" in messages[0]["rule"]
        messages = await talk.say("确认", "affirm")
        assert responses(messages) == ["utter_as_created_refund_approved"]
        (record,) = requests_for(crm, TEES_AND_SHOES)
        assert (record.kind, record.status, str(record.refund_amount)) == ("仅退款", "已同意", "20.00")
    finally:
        set_price("69.00")


async def test_no_price_drop_means_no_difference_to_refund(crm: str) -> None:
    talk = chat()
    messages = await talk.say("T恤降价了，我要退差价", "request_refund")
    assert responses(messages) == ["utter_as_not_eligible"]  # no "几件？" first: no quantity would change it
    assert "没有查到降价" in messages[0]["rule"] and "¥69.00" in messages[0]["rule"]  # what was paid, what it costs now


async def test_a_price_drop_on_a_parcel_on_its_way_is_decided_after_the_identity_check(crm: str) -> None:
    """Price protection counts from payment: a jacket still in transit is no reason to refuse, nor to crash."""
    talk = chat("guest_price_drop_in_transit")
    await talk.say("我前兩天買了件黑色羽絨服 現在降價了沒 能補差價嗎", "request_refund")  # traditional characters
    await talk.say("13800000033 訂單號6302718459301124", "inform")
    messages = await talk.say("啊手機號多打了個3 是13800000003", "inform")
    assert responses(messages) == ["utter_verify_ok", "utter_as_not_eligible"]
    assert "¥599.00" in messages[1]["rule"] and messages[1]["order_no"] == "6302718459301124"


async def test_damage_reported_too_late_hears_the_48_hour_rule_with_the_first_question(crm: str) -> None:
    talk = chat()
    messages = await talk.say("坚果到的时候外袋破了好几袋 你们咋包装的啊", "report_damaged")
    assert responses(messages) == ["utter_as_sorry", "utter_ask_as_quantity"]
    assert "48小时" in messages[1]["rule"] and "质量问题" in messages[1]["rule"]  # handled as a quality case now


@pytest.mark.parametrize(
    ("opening", "intent", "asked", "answer"),
    [
        ("我想退货", "request_return", "order_id", "嗯"),
        ("帆布鞋想换个码", "request_exchange", "as_variant", "嗯嗯"),
        ("帆布鞋发错颜色了", "report_wrong_or_missing", "as_resolution", "啊？"),
        ("T恤开线了", "report_quality_issue", "as_quantity", "好"),
    ],
)
async def test_an_answer_that_says_nothing_is_asked_again(crm: str, opening: str, intent: str, asked: str, answer: str) -> None:
    talk = chat()
    await talk.say(opening, intent)
    assert talk.requested == asked
    messages = await talk.say(answer, "affirm")
    assert not talk.rejected and talk.requested == asked and messages


async def test_a_no_that_names_the_right_item_corrects_the_case_instead_of_ending_it(crm: str) -> None:
    talk = chat()
    await talk.say("我想退T恤 不想要了", "request_return")
    assert talk.requested == "as_quantity"
    messages = await talk.say("啊不对不对 不是T恤 是帆布鞋 打错了", "deny")
    assert talk.active and responses(messages) == ["utter_as_offer_return"]
    assert "帆布鞋" in messages[0]["item"]
    messages = await talk.say("对 就退帆布鞋 确认", "affirm")
    assert responses(messages)[-1].startswith("utter_as_created")
    (record,) = requests_for(crm, TEES_AND_SHOES)
    assert record.quantity == 1 and record.refund_amount == Decimal("129.00")


async def test_one_answer_to_which_order_may_also_give_the_item_how_many_and_why(crm: str) -> None:
    talk = chat()
    messages = await talk.say("我想退货", "request_return")
    assert talk.requested == "order_id"
    messages = await talk.say("T恤 两件都退 颜色不太喜欢", "inform")
    assert responses(messages) == ["utter_as_offer_return"]
    assert messages[0]["quantity"] == 2 and "T恤" in messages[0]["item"] and messages[0]["amount"] == "138.00"
