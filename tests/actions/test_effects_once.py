"""A writing action writes at most once per buyer message (bot.runtime.effects via actions.common.ThreadedAction)."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import ThreadedAction
from tests.actions.conftest import make_tracker, run_action


class CountingAction(ThreadedAction):
    """Stands for any action that changes the CRM: counts how often its work really ran."""

    writes = True

    def __init__(self) -> None:
        self.runs = 0

    def name(self) -> Text:
        return "action_counting_for_test"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]) -> List[Dict[Text, Any]]:
        self.runs += 1
        dispatcher.utter_message(response="utter_handoff_queued", run=self.runs)
        return [SlotSet("feedback_order", f"run {self.runs}")]


async def test_the_same_message_twice_repeats_the_answer_and_does_not_write_again(crm: str) -> None:
    action = CountingAction()
    first = await run_action(action, make_tracker("tb_u00170", "转人工", "human_handoff", message_id="m-once-1"))
    again = await run_action(action, make_tracker("tb_u00170", "转人工", "human_handoff", message_id="m-once-1"))
    assert action.runs == 1 and again == first


async def test_another_message_or_another_chat_is_new_work(crm: str) -> None:
    action = CountingAction()
    await run_action(action, make_tracker("tb_u00171", "转人工", "human_handoff", message_id="m-once-2"))
    await run_action(action, make_tracker("tb_u00171", "转人工", "human_handoff", message_id="m-once-3"))
    await run_action(action, make_tracker("tb_u00172", "转人工", "human_handoff", message_id="m-once-2"))
    assert action.runs == 3


async def test_without_a_message_id_there_is_nothing_to_key_on(crm: str) -> None:
    """Events staff trigger (EXTERNAL_…) carry no platform message id: each is its own work."""
    action = CountingAction()
    for _ in range(2):
        await run_action(action, make_tracker("tb_u00173", "EXTERNAL: x", "EXTERNAL_care", message_id=None))
    assert action.runs == 2
