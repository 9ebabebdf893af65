"""Shared plumbing for the thin Rasa actions: services, the clock, message access."""

from __future__ import annotations

import abc
import asyncio
import logging
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot import clock
from bot.orders import reference
from bot.orders.replies import Reply
from bot.orders.service import OrderService
from bot.policy.model import load_policy
from bot.runtime.effects import Done, EffectLedger

logger = logging.getLogger(__name__)

orders = OrderService()
effects = EffectLedger()
#: Loaded once at start; a bad shop_policy.yml stops the action server with the fields named.
POLICY = load_policy()


def now() -> datetime:
    """The bot's clock (naive local time, like the CRM's timestamps)."""
    return clock.now()


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def latest_intent(tracker: Tracker) -> str:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""


def latest_entities(tracker: Tracker) -> List[Dict[str, Any]]:
    return list((tracker.latest_message or {}).get("entities") or [])


def first_entity(tracker: Tracker, name: str) -> Optional[str]:
    return reference.first_entity(latest_entities(tracker), name)


def last_turn_actions(tracker: Tracker) -> List[str]:
    """The bot's actions between the buyer's previous message and the latest one, last first."""
    actions: List[str] = []
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                break
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") not in ("action_listen", None):
            actions.append(event["name"])
    return actions


def answered_last_turn(tracker: Tracker, action_name: str) -> bool:
    """True when ``action_name`` ran in the bot's last turn, whatever ran after it (a policy answer reached
    through a fragment read in context)."""
    return action_name in last_turn_actions(tracker)


def just_asked(tracker: Tracker, action_name: str) -> bool:
    """True when ``action_name`` was the bot's last action before the buyer's latest message.

    A yes/no is an answer only to the question asked just before it; a "确认"
    several turns later must not confirm something the buyer has moved on from.
    """
    actions = last_turn_actions(tracker)
    return bool(actions) and actions[0] == action_name


def say(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    dispatcher.utter_message(response=reply.response, **reply.values)


def recent_user_messages(tracker: Tracker, limit: int = 5) -> List[str]:
    texts = [e.get("text") for e in tracker.events if e.get("event") == "user" and e.get("text")]
    return texts[-limit:]


class ThreadedAction(Action, abc.ABC):
    """An action whose work is blocking database code, run off the event loop.

    The action server serves many buyers at once; running SQL in a worker
    thread keeps one slow query from stalling every other conversation.

    An action that sets ``writes = True`` changes the CRM (a complaint, a hand-over, a cancellation …):
    it does so at most once per buyer message. A second run for the same message (a replay, a retried
    turn, a rewind) gets what the first said and returned, and writes nothing (``bot.runtime.effects``).
    """

    writes = False

    @abc.abstractmethod
    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        """The action's work; runs in a worker thread."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        work: Callable[[], List[Dict[Text, Any]]] = lambda: self.handle(dispatcher, tracker, domain)  # noqa: E731
        message_id = (tracker.latest_message or {}).get("message_id")
        if not self.writes or not message_id:  # reads only, or no message to key on (a staff-triggered event)
            return await asyncio.get_running_loop().run_in_executor(None, work)
        return await asyncio.get_running_loop().run_in_executor(
            None, lambda: self._once(dispatcher, tracker, str(message_id), work)
        )

    def _once(self, dispatcher: CollectingDispatcher, tracker: Tracker, message_id: str,
              work: Callable[[], List[Dict[Text, Any]]]) -> List[Dict[Text, Any]]:
        done = effects.recall(tracker.sender_id, message_id, self.name())
        if done is not None:
            logger.info("%s already ran for message %s of %s: repeating its answer", self.name(), message_id, tracker.sender_id)
            dispatcher.messages.extend(done.messages)
            return done.events
        said_before = len(dispatcher.messages)
        events = work()
        effects.remember(tracker.sender_id, message_id, self.name(), Done(list(events), dispatcher.messages[said_before:]), now())
        return events


def score_not_given(dispatcher: CollectingDispatcher, tracker: Tracker, events: List[Dict[Text, Any]],
                    glad_response: Optional[str] = None) -> List[Dict[Text, Any]]:
    """A 1–5 question answered without a score: a complaint is recorded as one (the buyer is still unhappy),
    a kind word gets ``glad_response`` when given, anything else is let go. No score is ever guessed."""
    intent = latest_intent(tracker)
    if intent == "complain":
        return [*events, FollowupAction("action_escalate_complaint")]
    kind = glad_response is not None and intent in ("affirm", "thank")
    dispatcher.utter_message(response=glad_response if kind else "utter_satisfaction_skipped")
    return events
