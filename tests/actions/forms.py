"""A stand-in for Rasa's form loop, so whole form conversations run against the real actions.

``FormConversation`` plays Rasa's part: it fills from_intent slots, runs the
form's validation action, asks for the slot it requested through the ask
action (or names the ``utter_ask_…`` response Rasa would send), and runs the
submit action once nothing is left to ask. A validation that fills nothing is
a rejection: Rasa would hand the turn to the digression rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from tests.actions.conftest import make_tracker, run_action


@dataclass
class FormSpec:
    name: str
    validate: Any
    submit: Any
    ask_actions: Dict[str, Any] = field(default_factory=dict)
    intent_slots: Dict[str, Dict[str, str]] = field(default_factory=dict)  # intent → {slot: value}


class FormConversation:
    def __init__(self, sender: str, spec: FormSpec, slots: Optional[Dict[str, Any]] = None):
        self.sender = sender
        self.spec = spec
        self.slots: Dict[str, Any] = dict(slots or {})
        self.requested: Optional[str] = None
        self.active = False
        self.rejected = False

    def tracker(self, text: str, intent: str, requested: Optional[str] = None, active: bool = True):  # type: ignore[no-untyped-def]
        return make_tracker(self.sender, text, intent, self.slots, requested, active, self.spec.name)

    async def say(self, text: str, intent: str) -> List[Dict[str, Any]]:
        """Send one buyer message into the form; returns the bot's messages."""
        self.slots.update(self.spec.intent_slots.get(intent, {}))
        tracker = self.tracker(text, intent, self.requested if self.active else None, self.active)
        events, messages = await run_action(self.spec.validate, tracker)
        self.rejected = self.active and not any(e["name"] != "requested_slot" for e in events if e.get("event") == "slot")
        if self.rejected:
            return messages
        self.active = True
        for event in events:
            if event.get("event") == "slot":
                if event["name"] == "requested_slot":
                    self.requested = event["value"]
                else:
                    self.slots[event["name"]] = event["value"]
        if self.requested is not None:
            return messages + await self._ask(self.requested)
        self.active = False
        final_events, final_messages = await run_action(self.spec.submit, self.tracker(text, intent, active=False))
        self._apply(final_events)
        return messages + final_messages

    async def _ask(self, slot: str) -> List[Dict[str, Any]]:
        action = self.spec.ask_actions.get(slot)
        if action is None:
            return [{"response": f"utter_ask_{slot}"}]
        events, messages = await run_action(action, self.tracker("", "", slot))
        self._apply(events)
        return messages

    def _apply(self, events: List[Dict[str, Any]]) -> None:
        for event in events:
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]
