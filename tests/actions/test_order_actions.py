"""The order actions against a real CRM, the form loop driven the way Rasa drives it (tests/actions/forms.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict, List

import pytest
from sqlalchemy import select

from actions.common import POLICY
from bot import clock
from bot.crm.db import session_factory, session_scope
from bot.crm.models import ChannelIdentity, Order, OrderStatus
from bot.orders.verification import Attempt, VerificationGuard
from tests.actions.conftest import responses
from tests.actions.forms import FormConversation, FormSpec
from tests.conftest import AS_OF

ORDER_FORM = FormSpec(name="order_form", submit="action_order_request")


def order_chat(sender: str) -> FormConversation:
    return FormConversation(sender, ORDER_FORM)


def order_status(url: str, order_no: str) -> str:
    with session_scope(url) as session:
        return session.execute(select(Order.status).where(Order.order_no == order_no)).scalar_one()


async def test_logistics_of_the_only_matching_order(crm: str) -> None:
    chat = order_chat("tb_xiaoyu")
    messages = await chat.say("我买的羽绒服到哪了", "query_logistics")
    assert responses(messages) == ["utter_logistics_in_transit"]
    reply = messages[0]
    assert reply["order_no"] == "4128503961730215" and reply["tracking_no"] and "·" in reply["tracks"]


async def test_two_candidate_orders_are_listed_then_chosen(crm: str) -> None:
    chat = order_chat("tb_chenmei")
    messages = await chat.say("我买的羽绒服怎么样了", "query_order")
    assert responses(messages) == ["utter_choose_order"]
    assert "6302718459301124" in messages[0]["order_list"] and "6302718459302235" in messages[0]["order_list"]
    assert len(messages[0]["buttons"]) == 2
    shown = chat.slots["order_candidates"]
    messages = await chat.say("第{}个".format(shown.index("6302718459301124") + 1), "inform")
    assert responses(messages) == ["utter_order_shipped"]
    assert messages[0]["order_no"] == "6302718459301124"


async def test_where_the_jacket_is_with_one_on_its_way_answers_that_one_and_says_the_other_has_not_left(crm: str) -> None:
    chat = order_chat("tb_chenmei")
    messages = await chat.say("我羽绒服到哪儿了", "query_logistics")
    assert [m["order_no"] for m in messages] == ["6302718459301124", "6302718459302235"]  # the travelling one first
    assert messages[0]["tracking_no"] == "JDV884806586478" and chat.slots["focus_order_id"] == "6302718459301124"


async def test_unknown_sender_is_verified_before_anything_is_shown(crm: str) -> None:
    chat = order_chat("wx_guest_42")
    messages = await chat.say("查一下我的订单", "query_order")
    assert responses(messages) == ["utter_ask_verify_phone"]
    messages = await chat.say("13800000005", "inform")
    assert responses(messages) == ["utter_ask_verify_order_no"]
    messages = await chat.say("8526130497501568", "inform")
    assert responses(messages) == ["utter_verify_ok", "utter_order_shipped"]
    with session_scope(crm) as session:
        assert session.execute(select(ChannelIdentity).where(ChannelIdentity.sender_id == "wx_guest_42")).scalar_one()


async def test_after_a_mismatch_the_corrected_order_number_alone_verifies(crm: str) -> None:
    chat = order_chat("wx_guest_typo")
    await chat.say("查一下订单物流", "query_logistics")
    messages = await chat.say("13800000005 6302718459303346", "inform")  # 周婷's phone with 陈美's order
    assert responses(messages) == ["utter_verify_mismatch", "utter_ask_verify_order_no"]
    messages = await chat.say("不好意思单号发错了 是8526130497501568", "inform")  # the phone is kept
    assert responses(messages)[0] == "utter_verify_ok"


async def test_wrong_identity_three_times_shows_nothing_and_says_until_when(crm: str) -> None:
    chat = order_chat("wx_guest_bad")
    await chat.say("我的快递到哪了", "query_logistics")
    seen: List[Dict[str, Any]] = []
    for _ in range(3):
        seen += await chat.say("13800000004", "inform")  # 赵磊's phone …
        seen += await chat.say("4128503961730215", "inform")  # … with 林小雨's order
    said = responses(seen)
    assert said.count("utter_verify_mismatch") == 2 and said[-1] == "utter_verify_failed"
    assert seen[-1]["until"] == f"今天 {AS_OF + timedelta(minutes=POLICY.verify_lockout_minutes):%H:%M}"
    assert not any(r and r.startswith(("utter_logistics", "utter_order")) for r in said)
    assert chat.active is False


async def test_a_lockout_holds_across_new_chats_and_sessions_even_for_the_right_pair(crm: str) -> None:
    """Counted in the CRM per phone, order number, chat and address: a new sender id or session starts nothing anew."""
    for guest in ("wx_guest_brute_1", "wx_guest_brute_2", "wx_guest_brute_3"):  # a new chat for every try
        chat = order_chat(guest)
        await chat.say("查一下我的订单", "query_order")
        await chat.say("13900000000", "inform")  # not 陈美's phone …
        assert responses(await chat.say("6302718459301124", "inform"))[0].startswith("utter_verify_")  # … her order
    for sender, text in (("wx_guest_brute_4", "13800000003 6302718459301124"),  # the order, now with her own phone
                         ("wx_guest_brute_5", "13900000000 5230917846201337")):  # the phone, with another order
        chat = order_chat(sender)
        messages = await chat.say(f"查订单 {text}", "query_order")
        assert responses(messages) == ["utter_verify_locked"], (sender, messages)
    with clock.frozen(AS_OF + timedelta(minutes=POLICY.verify_lockout_minutes + 1)):
        chat = order_chat("wx_guest_brute_6")
        messages = await chat.say("查订单 13800000003 6302718459301124", "query_order")
        assert responses(messages)[0] == "utter_verify_ok"  # the lock-out is over: checked again


async def test_a_replayed_wrong_pair_counts_once(crm: str) -> None:
    guard = VerificationGuard.from_policy(POLICY, session_factory(crm))
    attempt = Attempt("wx_guest_replay", "13800000006", "7415029386402568")
    for _ in range(POLICY.verify_max_failures + 2):
        assert guard.record_failure(attempt, AS_OF, message_id="m-replayed") is None


async def test_another_buyers_order_number_is_not_revealed(crm: str) -> None:
    chat = order_chat("tb_xiaoyu")
    messages = await chat.say("订单5230917846201337什么情况", "query_order")
    assert responses(messages)[0] == "utter_order_not_found"
    assert "5230917846201337" not in str(messages[1:])  # listed candidates are her own
    assert all("机械键盘" not in str(m) for m in messages)


async def test_cancel_with_confirmation_writes_the_crm(crm: str) -> None:
    chat = order_chat("tb_wangjun")
    messages = await chat.say("机械键盘那单不想要了 取消吧", "cancel_order")
    assert responses(messages) == ["utter_confirm_cancel"]
    assert messages[0]["order_no"] == "5230917846201337"
    messages = await chat.say("确认", "affirm")
    assert responses(messages) == ["utter_cancel_done_unpaid"]
    assert order_status(crm, "5230917846201337") == OrderStatus.CANCELLED.value
    again = order_chat("tb_wangjun")
    messages = await again.say("取消订单5230917846201337", "cancel_order")
    assert responses(messages) == ["utter_cancel_already"]


async def test_cancel_declined_changes_nothing(crm: str) -> None:
    chat = order_chat("tb_xiaoyu")
    messages = await chat.say("跑步鞋那单能取消吗", "cancel_order")
    assert responses(messages) == ["utter_confirm_cancel_paid"]
    messages = await chat.say("算了不取消了", "deny")
    assert responses(messages) == ["utter_cancel_kept"]
    assert order_status(crm, "4128503961731106") == OrderStatus.AWAITING_SHIPMENT.value


async def test_shipped_order_cannot_be_cancelled(crm: str) -> None:
    chat = order_chat("tb_zhouting")
    messages = await chat.say("扫地机器人那单取消掉", "cancel_order")
    assert responses(messages) == ["utter_cancel_not_allowed_shipped"]
    assert order_status(crm, "8526130497501568") == OrderStatus.SHIPPED.value


async def test_change_address_asks_confirms_and_writes(crm: str) -> None:
    chat = order_chat("tb_xiaoyu")
    messages = await chat.say("跑步鞋的地址填错了", "change_address")
    assert responses(messages) == ["utter_ask_new_address"]
    messages = await chat.say("北京", "inform")
    assert responses(messages) == ["utter_address_invalid", "utter_ask_new_address"]
    messages = await chat.say("改成上海市徐汇区漕溪北路88号 林小雨 13800000001", "inform")
    assert responses(messages) == ["utter_confirm_address"]
    assert "漕溪北路88号" in messages[0]["new_address"]
    messages = await chat.say("对的", "affirm")
    assert responses(messages) == ["utter_address_changed"]
    with session_scope(crm) as session:
        order = session.execute(select(Order).where(Order.order_no == "4128503961731106")).scalar_one()
        assert order.address == "上海市徐汇区漕溪北路88号"


async def test_urge_an_overdue_order(crm: str) -> None:
    chat = order_chat("tb_wangjun")
    messages = await chat.say("鼠标怎么还不发货", "urge_shipment")
    assert responses(messages) == ["utter_urge_overdue"]
    assert messages[0]["order_no"] == "5230917846202448"


async def test_follow_up_question_keeps_the_order_in_focus(crm: str) -> None:
    chat = order_chat("tb_zhaolei")
    messages = await chat.say("皮鞋那单什么情况", "query_order")
    assert responses(messages) == ["utter_order_delivered"]
    messages = await chat.say("物流信息给我看看", "query_logistics")
    assert responses(messages) == ["utter_logistics_delivered"]
    assert messages[0]["order_no"] == "7415029386402568"


async def test_digression_inside_the_form_is_rejected_for_the_rules(crm: str) -> None:
    chat = order_chat("tb_chenmei")
    await chat.say("羽绒服怎么样了", "query_order")
    assert chat.requested == "order_id"
    messages = await chat.say("你们运费险怎么赔", "ask_policy")
    assert chat.rejected and messages == []


@pytest.mark.parametrize("text", ["", "😭😭😭😭", "啊" * 5000, "1234"])
async def test_bad_input_while_choosing_gets_a_clear_question(crm: str, text: str) -> None:
    chat = order_chat("tb_chenmei")
    await chat.say("我的羽绒服", "query_order")
    messages = await chat.say(text, "nlu_fallback")
    assert responses(messages) == ["utter_choose_order"]
    assert chat.requested == "order_id"


async def test_buyer_without_orders(crm: str) -> None:
    from bot.crm.models import Customer

    with session_scope(crm) as session:
        loner = Customer(
            platform_uid="tb_new_buyer",
            nickname="新客",
            phone="13900000000",
            created_at=__import__("datetime").datetime(2026, 11, 1),
        )
        session.add(loner)
    chat = order_chat("tb_new_buyer")
    messages = await chat.say("我的订单呢", "query_order")
    assert responses(messages) == ["utter_no_orders"]
    assert chat.active is False


async def test_backing_out_while_asked_for_the_address(crm: str) -> None:
    chat = order_chat("tb_xiaoyu")
    await chat.say("跑步鞋那单要改地址", "change_address")
    assert chat.requested == "new_address"
    messages = await chat.say("算了不改了", "deny")
    assert chat.rejected and messages == []  # the stop rule answers and ends the form


async def test_an_emoji_is_no_yes_to_cancelling(crm: str) -> None:
    chat = order_chat("tb_xiaoyu")
    await chat.say("跑步鞋那单取消", "cancel_order")
    assert chat.requested == "order_confirm"
    messages = await chat.say("🤔", "affirm")  # NLU can be confidently wrong about emoji
    assert responses(messages) == ["utter_confirm_cancel_paid"]
    assert order_status(crm, "4128503961731106") == OrderStatus.AWAITING_SHIPMENT.value


async def test_naming_another_order_at_the_confirmation_switches_to_it(crm: str) -> None:
    chat = order_chat("tb_xiaoyu")
    messages = await chat.say("跑步鞋那单取消吧", "cancel_order")
    assert messages[0]["order_no"] == "4128503961731106"
    messages = await chat.say("不是这单，是4128503961730215", "deny")
    # the named order is the shipped down jacket: its own answer, and the shoes stay untouched
    assert responses(messages) == ["utter_cancel_not_allowed_shipped"]
    assert messages[0]["order_no"] == "4128503961730215"
    assert order_status(crm, "4128503961731106") == OrderStatus.AWAITING_SHIPMENT.value


async def test_the_other_one_is_the_order_shown_beside_the_one_picked(crm: str) -> None:
    chat = order_chat("tb_chenmei")
    await chat.say("我的羽绒服怎么样了", "query_order")
    messages = await chat.say("黑色那件", "inform")
    assert messages[0]["order_no"] == "6302718459301124"
    messages = await chat.say("另一件呢 发了没", "query_order")
    assert messages[0]["order_no"] == "6302718459302235"  # the unshipped jacket, not the one just shown
    assert responses(messages) == ["utter_detail_not_shipped"]


async def test_a_change_asked_after_seeing_a_shipped_parcel_is_about_that_parcel(crm: str) -> None:
    """Never another order: after the robot's trace, "改个地址" is refused for the robot (shipped),
    not turned into a change of the buyer's other order; the courier's phone is the robot's too."""
    chat = order_chat("tb_zhouting")
    messages = await chat.say("扫地机器人到哪了", "query_logistics")
    assert messages[0]["order_no"] == "8526130497501568"
    messages = await chat.say("能改个地址吗 改到公司 武汉市江汉区解放大道688号", "change_address")
    assert [m.get("order_no") for m in messages] == ["8526130497501568"]
    assert "confirm" not in responses(messages)[0] and "ask" not in responses(messages)[0]
    messages = await chat.say("那快递员电话给我", "query_logistics")
    assert messages[0]["order_no"] == "8526130497501568" and "13389579801" in str(messages)


async def test_a_corrected_product_at_the_confirmation_moves_to_that_order_and_keeps_the_first(crm: str) -> None:
    with session_scope(crm) as session:  # another test cancels the keyboard order in this shared database
        keyboard = session.execute(select(Order).where(Order.order_no == "5230917846201337")).scalar_one()
        keyboard.status, keyboard.cancelled_at = OrderStatus.PENDING_PAYMENT.value, None
    chat = order_chat("tb_wangjun")
    messages = await chat.say("把鼠标那单取消了", "cancel_order")
    # three days unsent: our delay is apologised for before the question
    assert responses(messages) == ["utter_sorry_upset", "utter_confirm_cancel_paid"]
    assert messages[1]["order_no"] == "5230917846202448"
    assert messages[1]["payment_method"] and messages[1]["amount"] == "87.00"  # where the money goes, before the yes
    messages = await chat.say("不对不对 说错了 是键盘 鼠标我还要", "deny")
    assert responses(messages) == ["utter_confirm_cancel"] and messages[0]["order_no"] == "5230917846201337"
    messages = await chat.say("嗯 确认取消键盘", "affirm")
    assert responses(messages)[0].startswith("utter_cancel_done")
    assert order_status(crm, "5230917846201337") == OrderStatus.CANCELLED.value
    assert order_status(crm, "5230917846202448") != OrderStatus.CANCELLED.value


async def test_after_a_mismatch_a_corrected_phone_alone_verifies_with_the_order_number_given(crm: str) -> None:
    chat = order_chat("wx_guest_phone_typo")
    await chat.say("帮我看看我那个扫地机器人到哪了", "query_logistics")
    messages = await chat.say("13800000050 订单号8526130497501568", "inform")  # one digit swapped
    assert responses(messages)[0] == "utter_verify_mismatch"
    messages = await chat.say("啊打错了 手机是13800000005", "inform")
    assert responses(messages)[0] == "utter_verify_ok"
    assert messages[-1]["order_no"] == "8526130497501568"


async def test_a_stranger_is_answered_about_what_they_asked_once_verified(crm: str) -> None:
    """The product named before the check is the order answered after it, not a list of every order."""
    chat = order_chat("wx_guest_robot")
    await chat.say("帮我看看我那个扫地机器人到哪了", "query_logistics")
    messages = await chat.say("13800000005 8526130497502679", "inform")  # verified with the serum's order number
    assert responses(messages)[0] == "utter_verify_ok"
    assert messages[1]["order_no"] == "8526130497501568" and messages[1].get("tracking_no")


async def test_an_order_number_given_before_the_phone_is_not_asked_again(crm: str) -> None:
    chat = order_chat("wx_guest_mouse")  # 王军's mouse: an order no lock-out test in this module touches
    await chat.say("查下5230917846202448这个单啥情况", "query_order")
    messages = await chat.say("13800000002", "inform")
    assert responses(messages)[0] == "utter_verify_ok"
    assert messages[1]["order_no"] == "5230917846202448"


async def test_a_long_message_about_two_orders_changes_the_one_it_asks_to_change(crm: str) -> None:
    chat = order_chat("tb_chenmei")
    messages = await chat.say("黑色M码那件加厚羽绒服现在到哪了 然后另外那件奶白色的短款 能不能帮我改个地址 "
                              "寄到河南省郑州市金水区花园路100号 谢谢", "change_address")
    # where the black one is, then the change for the cream one, asked for its yes
    assert responses(messages) == ["utter_logistics_in_transit", "utter_confirm_address"]
    assert messages[0]["order_no"] == "6302718459301124" and messages[0]["tracking_no"]
    assert messages[1]["order_no"] == "6302718459302235" and "花园路100号" in messages[1]["new_address"]


async def test_a_corrected_order_number_is_the_order_answered_not_the_wrong_one_tried_first(crm: str) -> None:
    chat = order_chat("wx_guest_wrong_no")
    await chat.say("查一下订单物流", "query_logistics")
    messages = await chat.say("13800000001 7415029386402568", "inform")  # 林小雨's phone, 赵磊's order
    assert responses(messages)[0] == "utter_verify_mismatch"
    messages = await chat.say("不好意思单号发错了 是4128503961732287", "inform")
    assert responses(messages)[0] == "utter_verify_ok" and messages[1]["order_no"] == "4128503961732287"



async def test_a_stranger_correcting_a_typed_order_number_cancels_the_order_they_asked_about(crm: str) -> None:
    """"啊打错了 最后一位是8 …" corrects the number, not the order: the mouse asked about, never the newest order."""
    chat = order_chat("guest_typo_then_cancel")
    await chat.say("鼠标那单帮我取消", "cancel_order")
    await chat.say("13800000002", "inform")
    await chat.say("5230917846202447", "inform")  # one digit wrong: no match
    messages = await chat.say("啊打错了 最后一位是8 5230917846202448", "inform")
    assert responses(messages) == ["utter_verify_ok", "utter_sorry_upset", "utter_confirm_cancel_paid"]
    assert messages[2]["order_no"] == "5230917846202448" and "5230917846201337" not in str(messages)


async def test_another_order_named_in_the_clause_asking_to_cancel_moves_the_confirmation_to_it(crm: str) -> None:
    with session_scope(crm) as session:  # another test cancels the keyboard order in this shared database
        keyboard = session.execute(select(Order).where(Order.order_no == "5230917846201337")).scalar_one()
        keyboard.status, keyboard.cancelled_at = OrderStatus.PENDING_PAYMENT.value, None
    chat = order_chat("tb_wangjun")
    await chat.say("鼠标那单取消吧", "cancel_order")
    messages = await chat.say("emmm 算了 鼠标还是要的 把键盘取消了吧 反正还没付钱", "deny")
    assert responses(messages) == ["utter_confirm_cancel"] and messages[0]["order_no"] == "5230917846201337"
    assert order_status(crm, "5230917846202448") == OrderStatus.AWAITING_SHIPMENT.value


async def test_a_stranger_who_turns_to_a_rule_question_is_not_pressed_for_the_phone_again(crm: str) -> None:
    chat = order_chat("guest_rules_meanwhile")
    await chat.say("查一下订单8526130497501568到哪了", "query_logistics")
    messages = await chat.say("先问个别的 你们支持七天无理由退货吗", "ask_policy")
    assert chat.rejected and messages == []
    messages = await chat.resume_after("action_answer_policy")
    assert responses(messages)[-1] == "utter_resume_verify_phone"
    assert chat.requested == "verify_phone"  # the way stays open: a phone now is still read
