"""Handoff to staff, complaints and policy questions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import POLICY, ThreadedAction, latest_intent, latest_text, now, orders, recent_user_messages
from bot.complaints.classifier import warm_up
from bot.complaints.service import ComplaintService
from bot.handoff import hours
from bot.handoff.service import queue_handoff
from bot.policy.answers import policy_response, policy_values

complaints = ComplaintService(POLICY)
warm_up()  # the classifier trains at action-server start, not on the first buyer's complaint


def queue_for_staff(tracker: Tracker, reason: str, priority: int) -> int:
    """Put the conversation in the staff queue (or join the case already waiting) with what staff need to read first."""
    customer = orders.identify(tracker.sender_id)
    summary = {
        "intent": latest_intent(tracker),
        "last_messages": recent_user_messages(tracker),
        "order_id": tracker.get_slot("focus_order_id"),
    }
    return queue_handoff(tracker.sender_id, customer.id if customer else None, reason, priority, summary, now())


class ActionHandoffRequest(ThreadedAction):
    """Queues the conversation for a human with a summary, so staff see who is waiting."""

    def name(self) -> Text:
        return "action_handoff_request"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        queue_for_staff(tracker, "buyer_request", priority=3)
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


class ActionEscalateComplaint(ThreadedAction):
    """Records the complaint (category, severity, due time, compensation) and apologises for that problem.

    A known buyer's complaint goes into the 抱怨数据库 once per message; a high
    one also goes straight to staff. A stranger's still reaches the staff queue.
    """

    def name(self) -> Text:
        return "action_escalate_complaint"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        customer = orders.identify(tracker.sender_id)
        if customer is None:
            queue_for_staff(tracker, "complaint", priority=2)
            dispatcher.utter_message(response="utter_complain_ack")
            return []
        moment = now()
        view = complaints.record(
            customer.id,
            latest_text(tracker),
            moment,
            sender_id=tracker.sender_id,
            order_no=tracker.get_slot("focus_order_id"),
            message_id=(tracker.latest_message or {}).get("message_id"),
        )
        high = view.severity == "高"
        queue_for_staff(tracker, "complaint", priority=1 if high else 2)
        dispatcher.utter_message(
            response="utter_complaint_high" if high else "utter_complaint_recorded",
            problem=PROBLEM_WORDS.get(view.category, "这次的购物体验"),
            complaint_no=view.complaint_no,
            due=hours.describe_opening(view.due_at, moment) if view.due_at else "今天",
            compensation=f"为表歉意，已为您申请一张{view.compensation}，主管确认后发到您的账户。" if view.compensation else "",
        )
        return []


#: How the apology names the problem, by complaint category.
PROBLEM_WORDS = {
    "商品质量": "商品的质量问题",
    "服务态度": "我们客服的服务",
    "物流配送": "物流配送的问题",
    "售后": "售后处理",
    "其他": "这次的购物体验",
}


class ActionHandleFallback(ThreadedAction):
    """A message the bot cannot read: ask to rephrase; the second in a row goes to a human instead."""

    def name(self) -> Text:
        return "action_handle_fallback"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        if fallbacks_in_a_row(tracker.events) < FALLBACKS_BEFORE_HANDOFF:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        queue_for_staff(tracker, "repeated_fallback", priority=3)
        dispatcher.utter_message(response="utter_fallback_handoff")
        tell_when_staff_answer(dispatcher, now())
        return []


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


class ActionAnswerPolicy(ThreadedAction):
    """Answers a rules question (运费险, 7天无理由, 保修 …) with the figures from shop_policy.yml."""

    def name(self) -> Text:
        return "action_answer_policy"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response=policy_response(latest_text(tracker)), **policy_values(POLICY))
        return []
