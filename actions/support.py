"""Handoff to staff, complaints and policy questions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import POLICY, ThreadedAction, latest_intent, latest_text, now, orders, recent_user_messages
from bot.handoff import hours
from bot.handoff.service import queue_handoff
from bot.policy.answers import policy_response, policy_values


def _queue(tracker: Tracker, reason: str, priority: int) -> int:
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
        _queue(tracker, "buyer_request", priority=3)
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
    """Records the complaint in the staff queue with the buyer's own words, then apologises."""

    def name(self) -> Text:
        return "action_escalate_complaint"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        _queue(tracker, "complaint", priority=2)
        dispatcher.utter_message(response="utter_complain_ack")
        return []


class ActionAnswerPolicy(ThreadedAction):
    """Answers a rules question (运费险, 7天无理由, 保修 …) with the figures from shop_policy.yml."""

    def name(self) -> Text:
        return "action_answer_policy"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response=policy_response(latest_text(tracker)), **policy_values(POLICY))
        return []
