"""Rule questions answered for anyone, and the fragments that follow them ("那降噪耳机呢"), read in context."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from actions.support import ActionAnswerPolicy, ActionInformInContext
from tests.actions.conftest import DOMAIN, MATCHER, responses, run_action, slots_of


def after(previous: List[Dict[str, Any]], text: str, intent: str, slots: Optional[Dict[str, Any]] = None,
          sender: str = "wx_guest_rules") -> Tracker:
    """A tracker whose latest message follows ``previous`` events (earlier turns, as Rasa records them)."""
    message = {"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": MATCHER.extract(text)}
    all_slots = {name: None for name in DOMAIN["slots"]}
    all_slots.update(slots or {})
    events = [*previous, {"event": "user", "text": text, "parse_data": message}]
    return Tracker(sender, all_slots, message, events, False, None, {}, "action_listen")


def answered_by(action: str, question: str) -> List[Dict[str, Any]]:
    return [{"event": "user", "text": question}, {"event": "action", "name": action},
            {"event": "action", "name": "action_listen"}]


async def test_a_warranty_follow_up_names_the_next_products_own_warranty(crm: str) -> None:
    _, first = await run_action(ActionAnswerPolicy(), after([], "扫地机器人保修几年", "ask_policy"))
    assert responses(first) == ["utter_policy_warranty_product"] and first[0]["warranty_days"] == 730
    earlier = answered_by("action_answer_policy", "扫地机器人保修几年")
    events, _ = await run_action(ActionInformInContext(), after(earlier, "那降噪耳机呢", "inform",
                                                               {"policy_topic": "utter_policy_warranty"}))
    assert (events[-1]["event"], events[-1]["name"]) == ("followup", "action_answer_policy")
    tracker = after(earlier, "那降噪耳机呢", "inform", {"policy_topic": "utter_policy_warranty"})
    tracker.events.append({"event": "action", "name": "action_inform_in_context"})  # the follow-up runs after it
    _, said = await run_action(ActionAnswerPolicy(), tracker)
    assert responses(said) == ["utter_policy_warranty_product"]
    assert "耳机" in said[0]["product"] and said[0]["warranty_days"] == 365


async def test_when_price_protection_starts_is_the_price_protection_rule(crm: str) -> None:
    earlier = answered_by("action_answer_policy", "你们家有价保吗")
    tracker = after(earlier, "从哪天开始算 收货那天还是付款那天", "ask_policy",
                    {"policy_topic": "utter_policy_price_protection"})
    events, said = await run_action(ActionAnswerPolicy(), tracker)
    assert responses(said) == ["utter_policy_price_protection"] and said[0]["price_days"] == 7
    assert slots_of(events) == {"policy_topic": "utter_policy_price_protection"}


async def test_an_old_rule_is_not_answered_again_once_the_talk_moved_on(crm: str) -> None:
    earlier = answered_by("action_answer_policy", "你们家有价保吗") + answered_by("utter_greet", "你好")
    tracker = after(earlier, "从哪天开始算", "ask_policy", {"policy_topic": "utter_policy_price_protection"})
    _, said = await run_action(ActionAnswerPolicy(), tracker)
    assert responses(said) == ["utter_policy"]


async def test_an_address_with_nothing_asked_starts_an_address_change(crm: str) -> None:
    events, said = await run_action(
        ActionInformInContext(), after([], "收货地址帮我改成河南省郑州市中原区建设西路88号华林小区3栋201", "inform")
    )
    assert said == [] and slots_of(events) == {"order_purpose": "change_address"}
    assert (events[-1]["event"], events[-1]["name"]) == ("followup", "order_form")


async def test_a_bare_detail_gets_the_prompt(crm: str) -> None:
    _, said = await run_action(ActionInformInContext(), after([], "尺码不合适", "inform"))
    assert responses(said) == ["utter_inform_no_context"]


async def test_a_rule_question_about_a_product_the_buyer_has_puts_that_order_in_focus(crm: str) -> None:
    """So "那帮我退了吧" next is about the mask order, not "which order?"."""
    events, said = await run_action(ActionAnswerPolicy(), after([], "面膜还没拆封的话 能七天无理由退吗", "ask_policy",
                                                                sender="tb_xiaoyu"))
    assert slots_of(events)["focus_order_id"] == "4128503961732287"


async def test_a_stranger_asking_how_long_a_refund_takes_gets_the_rule(crm: str) -> None:
    from actions.returns import ActionRefundStatus

    _, said = await run_action(ActionRefundStatus(), after([], "退款多久到账啊", "query_refund_status"))
    assert responses(said) == ["utter_policy_refund_time", "utter_need_verification"]
    assert said[0]["refund_arrival_days"] == 3


async def test_when_price_protection_starts_after_the_price_answer(crm: str) -> None:
    earlier = answered_by("utter_price_promo", "你们家有价保吗 怕刚买完就降价")
    _, said = await run_action(ActionAnswerPolicy(), after(earlier, "从哪天开始算 收货那天还是付款那天", "ask_policy"))
    assert responses(said) == ["utter_policy_price_protection"]


async def test_where_the_money_goes_for_the_order_in_focus_is_that_orders_answer(crm: str) -> None:
    tracker = after([], "能退多少钱 退到哪里", "ask_policy", {"focus_order_id": "7415029386402568"}, sender="tb_zhaolei")
    events, said = await run_action(ActionAnswerPolicy(), tracker)
    assert said == [] and (events[-1]["event"], events[-1]["name"]) == ("followup", "action_refund_status")


async def test_how_long_refunds_take_in_general_is_the_rule(crm: str) -> None:
    _, said = await run_action(ActionAnswerPolicy(), after([], "你们退款一般多久到账", "ask_policy", sender="tb_zhaolei"))
    assert responses(said) == ["utter_policy_refund_time"]


async def test_whether_it_may_go_back_is_answered_before_who_pays(crm: str) -> None:
    """"这件有运费险吧 到了不合适能退不" about the jacket on its way: the jacket's 7-day rule with its insurance."""
    tracker = after([], "这件有运费险吧 到了不合适能退不", "ask_policy", {"focus_order_id": "4128503961730215"},
                    sender="tb_xiaoyu")
    _, said = await run_action(ActionAnswerPolicy(), tracker)
    assert responses(said)[0] == "utter_policy_no_reason_product" and said[0]["no_reason_days"] == 7
    assert "买了运费险" in said[0]["insurance"]


async def test_who_pays_alone_is_the_shipping_rule_though_it_says_return(crm: str) -> None:
    tracker = after([], "退货运费谁掏 我可不出", "ask_policy", {"focus_order_id": "7415029386402568"}, sender="tb_zhaolei")
    _, said = await run_action(ActionAnswerPolicy(), tracker)
    assert responses(said)[0] == "utter_policy_shipping"


async def test_a_detail_of_the_order_in_focus_asked_beside_a_rule_is_answered_too(crm: str) -> None:
    tracker = after([], "我是哪天签收的来着 运费不会要我出吧", "ask_policy", {"focus_order_id": "7415029386402568"},
                    sender="tb_zhaolei")
    _, said = await run_action(ActionAnswerPolicy(), tracker)
    assert responses(said)[0] == "utter_policy_shipping"
    assert any(message.get("response") == "utter_detail_signed" for message in said)


async def test_a_rule_naming_signing_adds_no_order_detail(crm: str) -> None:
    tracker = after([], "签收后几天内能退", "ask_policy", {"focus_order_id": "7415029386402568"}, sender="tb_zhaolei")
    _, said = await run_action(ActionAnswerPolicy(), tracker)
    assert not any("signed" in (message.get("response") or "") for message in said)


async def test_money_back_for_an_order_closed_unpaid_is_no_money_taken(crm: str) -> None:
    from actions.returns import ActionRefundStatus

    tracker = after([], "钱会退吗", "query_refund_status", {"focus_order_id": "7415029386401457"}, sender="tb_zhaolei")
    _, said = await run_action(ActionRefundStatus(), tracker)
    assert responses(said) == ["utter_refund_route_never_paid"] and said[0]["order_no"] == "7415029386401457"


async def test_signing_first_then_returning_a_parcel_on_its_way_is_the_rule_not_a_case(crm: str) -> None:
    """"那我先收了再走7天无理由 来回运费要我出吗" about the jacket still in transit: the rule and its 运费险, no form."""
    tracker = after([], "那我先收了再走7天無理由 來回運費要我出嗎", "ask_policy", {"focus_order_id": "4128503961730215"},
                    sender="tb_xiaoyu")
    events, said = await run_action(ActionAnswerPolicy(), tracker)
    assert said and not any(e.get("event") == "followup" for e in events)
    assert any("运费险" in (m.get("insurance") or m.get("text") or "") for m in said)


async def test_whether_an_unsent_order_may_go_back_is_answered_with_cancelling(crm: str) -> None:
    tracker = after([], "跑步鞋也能退吗 那个还没发货吧", "ask_policy", sender="tb_xiaoyu")
    _, said = await run_action(ActionAnswerPolicy(), tracker)
    assert responses(said) == ["utter_policy_return_not_shipped"] and said[0]["order_no"] == "4128503961731106"
    tracker = after([], "那跑步鞋到了要是不合脚能退不", "ask_policy", sender="tb_xiaoyu")
    _, said = await run_action(ActionAnswerPolicy(), tracker)
    assert responses(said)[0] == "utter_policy_no_reason_product"  # after it arrives: the 7-day rule
