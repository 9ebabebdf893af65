"""Greeting and pre-sale answers."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import ThreadedAction, first_entity, orders
from bot.catalog.service import find_product


class ActionGreet(ThreadedAction):
    """Greets known buyers by their 网名; strangers get the general greeting."""

    def name(self) -> Text:
        return "action_greet"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        customer = orders.identify(tracker.sender_id)
        if customer is not None:
            dispatcher.utter_message(response="utter_greet_known", nickname=customer.nickname)
        else:
            dispatcher.utter_message(response="utter_greet")
        return []


class ActionProductInfo(ThreadedAction):
    """Price, sizes/colours in stock and return eligibility of the product asked about."""

    def name(self) -> Text:
        return "action_product_info"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        term = first_entity(tracker, "product")
        facts = find_product(term) if term else None
        if facts is None:
            dispatcher.utter_message(response="utter_ask_product_generic")
            return []
        dispatcher.utter_message(
            response="utter_product_info",
            name=facts.name,
            price=f"{facts.price:.2f}",
            stock_text=facts.stock_text(),
            return_note=facts.return_note(),
        )
        return []
