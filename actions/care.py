"""Proactive messages the care job asks the bot to say, the buyer's 退订, and the delivery check-in's answer.

The job (``python -m bot care run``) records what to say for an event in the CRM and triggers
``EXTERNAL_care`` (``EXTERNAL_care_checkin`` for a delivery check-in, which then waits for a score)
with the event's key; the action says it from domain.yml, so the wording stays in one place and the
conversation's history shows the message.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import ThreadedAction, first_entity, latest_text, now, score_not_given
from bot.care.book import CareBook
from bot.complaints.followup import read_rating
from bot.crm.models import CareMessage

care_book = CareBook()

CHECKIN_SLOT = "feedback_order"


class ActionCareMessage(ThreadedAction):
    """Say the proactive message the care job recorded for this event (EXTERNAL_care)."""

    def name(self) -> Text:
        return "action_care_message"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        self.say(dispatcher, tracker)
        return []

    @staticmethod
    def say(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[CareMessage]:
        key = first_entity(tracker, "care_event")
        message = care_book.message(key, tracker.sender_id) if key else None
        if message is not None:  # nothing recorded under that key: say nothing rather than something wrong
            dispatcher.utter_message(response=message.response, **message.placeholders)
        return message


class ActionCareCheckin(ThreadedAction):
    """The delivery check-in (EXTERNAL_care_checkin): said like any proactive message, then waits for 1–5."""

    def name(self) -> Text:
        return "action_care_checkin"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        message = ActionCareMessage.say(dispatcher, tracker)
        if message is None:
            return []
        return [SlotSet(CHECKIN_SLOT, message.placeholders.get("order_no"))]


class ActionOptOut(ThreadedAction):
    """退订 / 不要再发了: no proactive message from now on, recorded with the buyer's words."""

    writes = True

    def name(self) -> Text:
        return "action_opt_out"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        care_book.opt_out(tracker.sender_id, latest_text(tracker), now())
        dispatcher.utter_message(response="utter_opted_out")
        events: List[EventType] = []
        if tracker.get_slot(CHECKIN_SLOT):
            events.append(SlotSet(CHECKIN_SLOT, None))  # the check-in question is withdrawn with the rest
        return events


class ActionRecordCheckin(ThreadedAction):
    """The answer to the delivery check-in: 4–5 thanks; 3 asks what could be better; 1–2 brings in a person.

    3 and below also mark the buyer at risk in the archive. A complaint instead of a score is recorded as
    one; a plain 'all good' is taken kindly without inventing a score.
    """

    writes = True

    def name(self) -> Text:
        return "action_record_checkin"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        from actions.support import hand_to_staff  # support imports the complaint classifier; load it once, there

        order_no = tracker.get_slot(CHECKIN_SLOT)
        events: List[EventType] = [SlotSet(CHECKIN_SLOT, None)]
        score = read_rating(latest_text(tracker))
        if not order_no or score is None:
            return score_not_given(dispatcher, tracker, events, glad_response="utter_checkin_glad")
        result = care_book.record_checkin(order_no, score, now())
        if result.outcome == "content":
            dispatcher.utter_message(response="utter_checkin_thanks", score=score)
            return events
        if result.outcome == "so_so":
            dispatcher.utter_message(response="utter_checkin_so_so", score=score)
            return events
        dispatcher.utter_message(response="utter_checkin_unhappy", score=score, order_no=order_no)
        return [*events, *hand_to_staff(dispatcher, tracker, "low_satisfaction", priority=2)]
