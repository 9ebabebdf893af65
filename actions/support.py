"""Handoff to staff, complaints, their follow-up, and policy questions.

Handing over queues the conversation for staff. While it waits the bot keeps
answering what it can (a buyer waiting for a person may still ask for the
return address or a parcel's trace); when a member of staff takes the case the
staff desk pauses the bot (Rasa's ConversationPaused), and the buyer's next
messages are stored for staff until they resolve the case or hand it back.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, EventType, FollowupAction, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.care import CHECKIN_SLOT, care_book
from actions.common import (
    POLICY,
    ThreadedAction,
    answered_last_turn,
    first_entity,
    just_asked,
    latest_entities,
    latest_intent,
    latest_text,
    now,
    orders,
    recent_user_messages,
    say,
    score_not_given,
)
from actions.form_step import OTHER_ORDER
from bot.aftersales.reading import reason_kind
from bot.catalog.service import find_product
from bot.complaints.classifier import is_upset, warm_up
from bot.complaints.followup import read_rating
from bot.complaints.service import ComplaintDesk, ComplaintService
from bot.crm.models import OrderStatus
from bot.handoff import hours
from bot.handoff.service import HandoffDesk
from bot.handoff.summary import handoff_summary
from bot.nlu.shop_rules import ASKS_FOR_A_PERSON, HYPOTHETICAL, NO_PERSON_NEEDED, RULE_FRAGMENT
from bot.nlu.shop_rules import GENERAL as GENERAL_RULE
from bot.nlu.simplified import to_simplified
from bot.orders.address import parse_address
from bot.orders.details import Facet, asked_facets, detail_replies
from bot.orders.reference import CATEGORY_WORDS, Purpose, parse_reference
from bot.orders.service import OrderView
from bot.policy.answers import (
    FOLLOW_UP,
    RETURN_TOPICS,
    follow_up_topics,
    general_topic,
    insurance_note,
    policy_values,
    return_rule_for,
)

complaints = ComplaintService(POLICY)
complaint_desk = ComplaintDesk(POLICY)
handoffs = HandoffDesk()
warm_up()  # the classifier trains at action-server start, not on the first buyer's complaint

FEEDBACK_SLOT = "feedback_complaint"
#: The rule last explained, so "那降噪耳机呢" right after a warranty answer asks about the earphones' warranty.
POLICY_TOPIC = "policy_topic"
#: Orders whose goods a buyer may ask to send back.
RETURNABLE = (OrderStatus.DELIVERED, OrderStatus.COMPLETED)
#: Orders not yet sent: a return question about them is answered with a cancellation.
NOT_SENT = (OrderStatus.PENDING_PAYMENT, OrderStatus.AWAITING_SHIPMENT)
#: Orders the buyer may no longer want: still on the way (refused at the door) or already here (sent back).
ON_THE_WAY_OR_HERE = (OrderStatus.SHIPPED, *RETURNABLE)


def queue_for_staff(tracker: Tracker, reason: str, priority: int, complaint_id: Optional[int] = None) -> int:
    """Put the conversation in the staff queue (or join the case already open) with what staff need to read first."""
    customer = orders.identify(tracker.sender_id)
    summary = handoff_summary(
        latest_intent(tracker),
        recent_user_messages(tracker),
        tracker.get_slot("focus_order_id"),
        tracker.get_slot("as_kind"),
    )
    return handoffs.queue(
        tracker.sender_id, customer.id if customer else None, reason, priority, summary, now(), complaint_id=complaint_id
    )


def hand_to_staff(
    dispatcher: CollectingDispatcher, tracker: Tracker, reason: str, priority: int, complaint_id: Optional[int] = None
) -> List[EventType]:
    """Queue for staff and tell the buyer who answers and when; the bot goes on answering until staff take the case."""
    queue_for_staff(tracker, reason, priority, complaint_id)
    tell_when_staff_answer(dispatcher, now())
    return []


def tell_when_staff_answer(dispatcher: CollectingDispatcher, moment: datetime) -> None:
    """Staff in: they answer shortly. Out: the time they will, by the shop's hours and the Chinese calendar."""
    service = POLICY.service_hours
    if hours.is_open(moment, service):
        dispatcher.utter_message(response="utter_handoff_queued")
        return
    opening = hours.opening_on(moment.date(), service)
    dispatcher.utter_message(
        response="utter_handoff_queued_after_hours",
        when=hours.describe_opening(hours.next_opening(moment, service), moment),
        hours=f"今天服务时间 {opening[0]:%H:%M}–{opening[1]:%H:%M}" if opening else "今天客服休息",
    )


class ActionSessionStart(ThreadedAction):
    """A new session keeps what must outlive it: the pause while staff hold the case, a score still owed.

    Rasa's SessionStarted resets the tracker, pause included; without this, a
    buyer writing after the session expired would get the bot while staff
    are still handling their case.
    """

    def name(self) -> Text:
        return "action_session_start"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        events: List[EventType] = [SessionStarted()]
        if handoffs.holds_conversation(tracker.sender_id):
            events.append(ConversationPaused())
        owed = complaint_desk.awaiting_score(tracker.sender_id, now())
        if owed:
            events.append(SlotSet(FEEDBACK_SLOT, owed))
        elif checkin := care_book.awaiting_checkin(tracker.sender_id, now()):
            events.append(SlotSet(CHECKIN_SLOT, checkin))
        events.append(ActionExecuted("action_listen"))
        return events


class ActionHandoffRequest(ThreadedAction):
    """The buyer asked for a person: queue with a summary, say when, pause."""

    writes = True

    def name(self) -> Text:
        return "action_handoff_request"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        if is_upset(latest_text(tracker)):  # "鼠标付款三天了还不发货？？叫你们人工出来": sorry first, then the person
            dispatcher.utter_message(response="utter_sorry_upset")
        events = hand_to_staff(dispatcher, tracker, "buyer_request", priority=3)
        if WAIT_ASKED.search(to_simplified(latest_text(tracker))):
            moment = now()
            lodged = complaints.open_in_conversation(tracker.sender_id, moment)
            if lodged is not None:  # "多久能有人给我回复": the complaint's own promise, in service hours
                dispatcher.utter_message(response="utter_complaint_wait", complaint_no=lodged.complaint_no,
                                         due=complaint_due(lodged, moment))
        return events


#: "多久能有人回复 / 大概多久有人处理": how long until a person deals with it.
WAIT_ASKED = re.compile(r"(多久|多长时间|几个?小时|什么时候|啥时候)(能|会|才)?(有人|有客服|回复|处理|联系|答复|给我回)")


class ActionEscalateComplaint(ThreadedAction):
    """Records the complaint (category, severity, due time, compensation) and apologises for that problem.

    A known buyer's complaint goes into the 抱怨数据库 once per message, with
    what can be done about it; a high one also goes to staff at once and the
    bot steps aside. A stranger's (no CRM record to attach it to) goes to staff.
    """

    writes = True

    def name(self) -> Text:
        return "action_escalate_complaint"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        customer = orders.identify(tracker.sender_id)
        if customer is None:
            dispatcher.utter_message(response="utter_complain_ack")
            return hand_to_staff(dispatcher, tracker, "complaint", priority=2)
        moment = now()
        about = tracker.get_slot("focus_order_id") or self.order_named(tracker, customer.id)
        view = complaints.record(
            customer.id,
            latest_text(tracker),
            moment,
            sender_id=tracker.sender_id,
            order_no=about,
            message_id=(tracker.latest_message or {}).get("message_id"),
        )
        focus = [SlotSet("focus_order_id", about)] if about else []  # "派件的电话给我" next is about that order
        high = view.severity == "高"
        if not view.created:  # told again in the same chat: the one complaint already open, with this added
            dispatcher.utter_message(
                response="utter_complaint_already_recorded",
                complaint_no=view.complaint_no,
                due=complaint_due(view, moment),
            )
            wants_person = high or ASKS_FOR_A_PERSON.search(latest_text(tracker))
            return focus + (hand_to_staff(dispatcher, tracker, "complaint", priority=1, complaint_id=view.id) if wants_person else [])
        dispatcher.utter_message(
            response="utter_complaint_high" if high else "utter_complaint_recorded",
            problem=PROBLEM_WORDS.get(view.category, "这次的购物体验"),
            complaint_no=view.complaint_no,
            due=complaint_due(view, moment),
            compensation=f"为表歉意，已为您申请一张{view.compensation}，主管确认后发到您的账户。" if view.compensation else "",
        )
        offer_remedy(dispatcher, view.category)
        if high or ASKS_FOR_A_PERSON.search(latest_text(tracker)):  # "我要投诉 给我转人工": the person too
            return focus + hand_to_staff(dispatcher, tracker, "complaint", priority=1, complaint_id=view.id)
        return focus

    @staticmethod
    def order_named(tracker: Tracker, customer_id: int) -> Optional[str]:
        """The one order holding the product the complaint names ("羽绒服发了两天还没到"), if exactly one does."""
        product = first_entity(tracker, "product")
        if product is None:
            return None
        holding = [c.order_no for c in orders.candidates(customer_id) if any(product in name for name in c.product_names)]
        return holding[0] if len(holding) == 1 else None


def complaint_due(view: Any, moment: datetime) -> str:
    """By when, and within how many service hours the policy gives this severity ("今天 20:56前（2个服务小时内）")."""
    when = hours.describe_opening(view.due_at, moment) if view.due_at else "今天"
    within = POLICY.complaint_due_hours.get(view.severity)
    return f"{when}（{within}个服务小时内）" if within else when


#: How the apology names the problem, by complaint category.
PROBLEM_WORDS = {
    "商品质量": "商品的质量问题",
    "服务态度": "我们客服的服务",
    "物流配送": "物流配送的问题",
    "售后": "售后处理",
    "其他": "这次的购物体验",
}

#: What can really be done, by category (responses in domain.yml); 其他 gets the apology alone.
REMEDIES = {
    "商品质量": "utter_complaint_remedy_quality",
    "物流配送": "utter_complaint_remedy_logistics",
    "售后": "utter_complaint_remedy_aftersales",
    "服务态度": "utter_complaint_remedy_service",
}


def offer_remedy(dispatcher: CollectingDispatcher, category: str) -> None:
    """A concrete way forward the shop can keep: returns under the policy, a capped partial refund via staff."""
    response = REMEDIES.get(category)
    if response is None:
        return
    if response == "utter_complaint_remedy_quality" and POLICY.partial_refund_max_percent == 0:
        response = "utter_complaint_remedy_quality_return_only"
    dispatcher.utter_message(response=response, percent=POLICY.partial_refund_max_percent)


class ActionAskSatisfaction(ThreadedAction):
    """Staff resolved a complaint (EXTERNAL_complaint_resolved): ask the buyer for a 1–5 score."""

    writes = True

    def name(self) -> Text:
        return "action_ask_satisfaction"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        complaint_no = first_entity(tracker, "complaint_no") or complaint_desk.awaiting_question(tracker.sender_id)
        if not complaint_no:
            return []
        record = complaint_desk.mark_asked(complaint_no, now(), tracker.sender_id)
        if record is None:
            return []
        dispatcher.utter_message(
            response="utter_ask_satisfaction", complaint_no=complaint_no, name=complaint_desk.buyer_name(complaint_no)
        )
        return [SlotSet(FEEDBACK_SLOT, complaint_no)]


class ActionRecordSatisfaction(ThreadedAction):
    """The answer to the 1–5 question: 5 thanks, 3–4 marks the buyer at risk, 1–2 reopens and goes to staff."""

    writes = True

    def name(self) -> Text:
        return "action_record_satisfaction"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        complaint_no = tracker.get_slot(FEEDBACK_SLOT)
        events: List[EventType] = [SlotSet(FEEDBACK_SLOT, None)]
        score = read_rating(latest_text(tracker))
        if not complaint_no or score is None:
            return score_not_given(dispatcher, tracker, events)
        moment = now()
        result = complaint_desk.record_score(complaint_no, score, moment)
        if result.outcome == "already":  # no score owed any more (answered, or reopened by an earlier answer)
            return score_not_given(dispatcher, tracker, events)
        if result.outcome == "content":
            dispatcher.utter_message(response="utter_satisfaction_thanks", score=score)
            return events
        if result.outcome == "at_risk":
            dispatcher.utter_message(response="utter_satisfaction_at_risk", score=score)
            return events
        due = hours.describe_opening(result.due_at, moment) if result.due_at else "今天"
        dispatcher.utter_message(response="utter_satisfaction_reopened", complaint_no=complaint_no, due=due)
        return [*events, *hand_to_staff(dispatcher, tracker, "complaint_reopened", priority=2, complaint_id=result.complaint_id)]


class ActionHandleFallback(ThreadedAction):
    """A message the bot cannot read: ask to rephrase; the second in a row goes to a human instead."""

    writes = True

    def name(self) -> Text:
        return "action_handle_fallback"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        if fallbacks_in_a_row(tracker.events) < FALLBACKS_BEFORE_HANDOFF:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        dispatcher.utter_message(response="utter_fallback_handoff")
        return hand_to_staff(dispatcher, tracker, "repeated_fallback", priority=3)


FALLBACKS_BEFORE_HANDOFF = 2


def fallbacks_in_a_row(events: List[Dict[Text, Any]]) -> int:
    """How many of the buyer's latest messages, counting back from the last, the bot could not read."""
    count = 0
    for event in reversed(events):
        if event.get("event") != "user":
            continue
        if ((event.get("parse_data") or {}).get("intent") or {}).get("name") != "nlu_fallback":
            break
        count += 1
    return count


def rule_just_answered(tracker: Tracker) -> Optional[str]:
    """The shop rule the bot explained just before this message, if it did: a fragment asks it again.

    The price answer (满减, coupons and 价保, one response for ``ask_price_promo``) counts as the
    price-protection rule: "从哪天开始算" after it asks when 价保 starts.
    """
    if answered_last_turn(tracker, "action_answer_policy"):
        return tracker.get_slot(POLICY_TOPIC)
    if just_asked(tracker, "utter_price_promo"):
        return "utter_policy_price_protection"
    return None


class ActionAnswerPolicy(ThreadedAction):
    """Answers a rules question (运费险, 7天无理由, 保修 …) with the figures from shop_policy.yml."""

    def name(self) -> Text:
        return "action_answer_policy"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        text = latest_text(tracker)
        previous = rule_just_answered(tracker)
        topics = return_rule_first(follow_up_topics(text, previous), text)
        response, values = topics[0], policy_values(POLICY)
        remember = [SlotSet(POLICY_TOPIC, response)]
        named = first_entity(tracker, "product")
        product = find_product(named or text) if (named or text) else None
        own = self.own_order(tracker, product.name if product else None)
        if response == "utter_policy_warranty" and product is None and own is not None and own.items \
                and not GENERAL_RULE.search(text):
            product = find_product(own.items[0].name)  # "这个机器保修多久": the order being talked about
        if response == "utter_policy_warranty" and product is not None:
            # the product's own warranty from the catalogue, not "一般一年"
            values.update(product=product.name, warranty_days=product.warranty_days)
            response = "utter_policy_warranty_product" if product.warranty_days else "utter_policy_no_warranty_product"
        if response == "utter_policy_refund_time" and own is not None and not tracker.active_loop:
            # "能退多少钱 退到哪里" about the order being talked about: its case, or what its refund would be
            return [*remember, FollowupAction("action_refund_status")]
        if not tracker.active_loop and self.is_own_case(response, text, own):
            # "卫衣买回来不太喜欢 能退了吗" from a buyer who has that hoodie: their case, decided by the
            # after-sales rules (signed 10 days ago → past 7 days), not the general rule
            return [*remember, FollowupAction("aftersales_form")]
        if own is not None and response in RETURN_TOPICS and own.status in NOT_SENT and (product or named) \
                and not AFTER_RECEIPT.search(text) and not HYPOTHETICAL.search(text):  # "到了要是不合脚" is the rule
            # "跑步鞋也能退吗 那个还没发货吧": nothing to send back; cancelling refunds it all
            dispatcher.utter_message(response="utter_policy_return_not_shipped", order_no=own.order_no,
                                     product=own.items[0].name if own.items else "")
            return [*remember, SlotSet("focus_order_id", own.order_no)]
        if product is None and own is not None and response in RETURN_TOPICS:
            product = find_product(own.items[0].name) if own.items else None
        specific = return_rule_for(
            response, text, product.name if product else None,
            None if product is None or product.no_reason_return else (product.no_reason_note or "该商品不支持7天无理由退换"),
            POLICY,
        )
        if specific is not None:
            response, values = specific
        if own is not None and product is not None and own.status in ON_THE_WAY_OR_HERE:
            # "面膜还没拆封 能退吗" then "那帮我退了吧": the order with that product is the one being talked about
            remember.append(SlotSet("focus_order_id", own.order_no))
        values["insurance"] = insurance_note(own.freight_insurance if own is not None else None)
        dispatcher.utter_message(response=response, **values)
        if response == "utter_policy_shipping" and own is not None:
            dispatcher.utter_message(text=values["insurance"])
        if response not in RETURN_TOPICS and response != "utter_policy_no_reason_category":
            food = return_rule_for("utter_policy_no_reason", text, None, None, POLICY)
            if food is not None:  # "坚果零食这种也一样吗" after the quality rule: food has its own
                dispatcher.utter_message(response=food[0], **food[1])
        for also in topics[1:]:  # "质量问题超过七天还能退吗 运费谁出": both rules
            if also != response and also not in RETURN_TOPICS:
                dispatcher.utter_message(response=also, **policy_values(POLICY))
        if own is not None and (named or tracker.get_slot("focus_order_id")) and DETAIL_ASKED.search(to_simplified(text)):
            details = [f for f in asked_facets(text) if f in DETAILS_BESIDE_A_RULE]
            for reply in detail_replies(own, details, now()):
                say(dispatcher, reply)  # "我是哪天签收的来着 运费不会要我出吧": the order's own detail too
        return remember

    @staticmethod
    def is_own_case(response: str, text: str, own: Optional[OrderView]) -> bool:
        """A known buyer asking whether their own goods may go back, saying why; one still on the way is
        refused at the door, which the after-sales form explains."""
        if own is None or response not in RETURN_TOPICS or own.status not in ON_THE_WAY_OR_HERE or HYPOTHETICAL.search(text):
            return False
        if own.status not in RETURNABLE and AFTER_RECEIPT.search(text):
            return False  # "签收以后不喜欢还能7天无理由退吗" about a parcel still on its way: the rule, for later
        return reason_kind(text) is not None  # "普洱茶饼还能退不" alone gets the product's rule

    @staticmethod
    def own_order(tracker: Tracker, product: Optional[str]) -> Optional[OrderView]:
        """The known buyer's order the question is about: one with that product, else the order in focus."""
        customer = orders.identify(tracker.sender_id)
        if customer is None:
            return None
        order_no = None
        if product is not None:
            order_no = next((c.order_no for c in orders.candidates(customer.id) if product in c.product_names), None)
        order_no = order_no or tracker.get_slot("focus_order_id")
        return orders.order(customer.id, order_no) if order_no else None


#: "签收以后 / 收到之后 / 到了不合适": a question about what happens once the parcel is in hand.
AFTER_RECEIPT = re.compile(r"(签收|收到|到货)(以后|之后|后)|到了(以后|之后|后)?|到手|(先)?(收|签)(了|下)?再|先(收|签)")


#: Details of the order in focus a rule question may also ask ("我是哪天签收的来着 运费不会要我出吧"); an
#: address or a date to come would be the rule's own subject ("退货寄到哪", "多久发货").
DETAILS_BESIDE_A_RULE = frozenset({Facet.SIGNED, Facet.COURIER, Facet.TRACKING, Facet.PLACED, Facet.CANCEL_REASON})
DETAIL_ASKED = re.compile(r"(哪天|几号|什么时候|啥时候|谁)(签收|签的|收的|下的单|买的)|签收(的)?(是)?(哪天|几号|谁)"
                          r"|单号(是|发|给|多少)|快递员|派件|(为什么|为啥|怎么).{0,4}取消")


#: "能退不 / 可以七天无理由吗": whether goods may go back, asked in so many words ("退货运费谁出" asks who pays).
MAY_IT_GO_BACK = re.compile(r"(能|可以|可不可以|能不能|支持|让)[^，,。\s]{0,4}退|无理由|七天|7天")


def return_rule_first(topics: List[str], text: str) -> List[str]:
    """"这件有运费险吧 到了不合适能退不": whether it may go back is the question; who pays comes second."""
    if not MAY_IT_GO_BACK.search(to_simplified(text)):
        return topics
    returns = [t for t in topics if t in RETURN_TOPICS and t != "utter_policy"]
    return returns + [t for t in topics if t not in returns]


def order_question_just_answered(tracker: Tracker) -> Optional[str]:
    """The purpose of the order question the bot answered just before this message (status for an urge:
    "键盘那个呢" after the mouse was urged asks how the keyboard stands, it urges nothing)."""
    if not just_asked(tracker, "action_order_request"):
        return None
    for event in reversed(tracker.events):
        if event.get("event") == "slot" and event.get("name") == "order_purpose" and event.get("value"):
            purpose = str(event["value"])
            return purpose if purpose in (Purpose.STATUS.value, Purpose.LOGISTICS.value) else Purpose.STATUS.value
    return Purpose.STATUS.value


class ActionDenyInContext(ThreadedAction):
    """A "no" outside any form: one that calls off a hand-over still waiting ("那就算了 不用找人工") withdraws it."""

    writes = True

    def name(self) -> Text:
        return "action_deny_in_context"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if NO_PERSON_NEEDED.search(latest_text(tracker)) and handoffs.withdraw(tracker.sender_id, now()) is not None:
            dispatcher.utter_message(response="utter_handoff_withdrawn")
            return []
        dispatcher.utter_message(response="utter_how_can_help")
        return []


class ActionInformInContext(ThreadedAction):
    """A detail or a fragment outside any form, read with what came just before.

    "那降噪耳机呢" right after a rule was explained asks that rule about the earphones;
    an address with nothing asked is an address change ("收货地址帮我改成…");
    anything else gets the prompt for what the buyer wants.
    """

    def name(self) -> Text:
        return "action_inform_in_context"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        text = latest_text(tracker)
        after_rule = rule_just_answered(tracker)
        simplified = to_simplified(text)
        if after_rule and (first_entity(tracker, "product") or FOLLOW_UP.search(simplified) or general_topic(text)
                           or RULE_FRAGMENT.search(simplified) or any(words.search(text) for words in CATEGORY_WORDS.values())):
            # "那降噪耳机呢", "那吃的呢 零食坚果那种", "那国庆放假呢": the rule just explained, asked again
            return [FollowupAction("action_answer_policy")]
        if parse_address(text) is not None:
            return [SlotSet("order_purpose", "change_address"), FollowupAction("order_form")]
        if general_topic(text):
            return [FollowupAction("action_answer_policy")]  # "那食品是不是本来就不给7天无理由": a rule question
        asked = order_question_just_answered(tracker)
        if asked is not None and (parse_reference(text, latest_entities(tracker)).names_itself or OTHER_ORDER.search(text)
                                  or asked_facets(text)):
            # "键盘那个呢" right after "我买的东西发货没" was answered: the same question about the keyboard
            return [SlotSet("order_purpose", asked), FollowupAction("order_form")]
        if asked_facets(text) and orders.identify(tracker.sender_id) is not None:
            return [SlotSet("order_purpose", Purpose.STATUS.value), FollowupAction("order_form")]  # "收件人写的谁"
        dispatcher.utter_message(response="utter_inform_no_context")
        return []
