"""Order actions: identify the buyer, find the order they mean, answer or change it.

One form, ``order_form``, serves every order request. What it asks depends on
the purpose (set from the intent) and on the buyer: unknown senders verify
first (phone + order number), then the order is resolved, then an address and
a confirmation are collected when something is about to change. The decision
logic lives in ``bot.orders``; these classes only translate between Rasa and it.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    ThreadedAction,
    latest_entities,
    latest_intent,
    latest_text,
    now,
    orders,
    say,
)
from bot.crm.formats import ORDER_NO_PATTERN, PHONE_PATTERN
from bot.orders import replies
from bot.orders.address import ParsedAddress, parse_address
from bot.orders.confirm import interpret_confirmation
from bot.orders.reference import (
    RELEVANT_STATUSES,
    Outcome,
    Purpose,
    entity_or_match,
    parse_reference,
    resolve,
    shortlist,
)
from bot.orders.service import CustomerView, OrderView, VerifyOutcome

#: Intents that answer the form's questions or redirect it; anything else is a digression
#: the form rejects so the rules can answer it and come back.
FORM_INTENTS = {
    "inform",
    "affirm",
    "deny",
    "nlu_fallback",
    "query_order",
    "query_logistics",
    "urge_shipment",
    "change_address",
    "cancel_order",
}
MAX_VERIFY_ATTEMPTS = 3
ORDER_SLOTS_TO_RESET = [
    "order_id",
    "order_candidates",
    "new_address",
    "order_confirm",
    "order_purpose",
    "verify_phone",
    "verify_order_no",
]


def purpose_of(tracker: Tracker) -> Purpose:
    return Purpose(tracker.get_slot("order_purpose") or Purpose.STATUS.value)


def cleared_order_form() -> List[Dict[Text, Any]]:
    """Events that forget a finished or abandoned order form (the focus order stays)."""
    return [SlotSet(name, None) for name in ORDER_SLOTS_TO_RESET]


class ValidateOrderForm(ThreadedAction):
    """Fills order_form's slots from each message and decides what to ask next."""

    def name(self) -> Text:
        return "validate_order_form"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        step = _FormStep(dispatcher, tracker)
        return step.run()


class _FormStep:
    """One turn of order_form; returns the slot events, ending with the slot to ask next."""

    def __init__(self, dispatcher: CollectingDispatcher, tracker: Tracker):
        self.dispatcher = dispatcher
        self.tracker = tracker
        self.requested: Optional[str] = tracker.get_slot("requested_slot")
        self.intent = latest_intent(tracker)
        self.text = latest_text(tracker)
        self.purpose = purpose_of(tracker)
        self.events: List[Dict[Text, Any]] = []
        self.slots: Dict[str, Any] = {}

    def slot(self, name: str) -> Any:
        return self.slots[name] if name in self.slots else self.tracker.get_slot(name)

    def set(self, name: str, value: Any) -> None:
        self.slots[name] = value
        self.events.append(SlotSet(name, value))

    def ask(self, slot_name: Optional[str]) -> List[Dict[Text, Any]]:
        return self.events + [SlotSet("requested_slot", slot_name)]

    def decided_next(self) -> bool:
        """True when this turn already chose what to ask next (or to end the form)."""
        return bool(self.events) and self.events[-1].get("name") == "requested_slot"

    def is_digression(self) -> bool:
        return self.intent not in FORM_INTENTS

    def reject(self) -> List[Dict[Text, Any]]:
        """No slot filled: Rasa rejects the form and the digression rules answer."""
        return []

    # -- the turn ------------------------------------------------------------------------

    def run(self) -> List[Dict[Text, Any]]:
        if self.intent == "deny" and self.requested in ("order_id", "verify_phone", "verify_order_no", "new_address"):
            return self.reject()  # "都不是 / 算了不改了": the stop rule ends the form
        customer = orders.identify(self.tracker.sender_id)
        if customer is None:
            customer = self.verify()
            if customer is None:
                return self.events if self.decided_next() else self.ask_verification()
        return self.order_steps(customer)

    # -- identity ------------------------------------------------------------------------

    def verify(self) -> Optional[CustomerView]:
        entities = latest_entities(self.tracker)
        phone = entity_or_match(entities, "phone", PHONE_PATTERN, self.text)
        order_no = entity_or_match(entities, "order_id", ORDER_NO_PATTERN, self.text)
        if phone:
            self.set("verify_phone", phone)
        if order_no and (self.slot("verify_phone") or self.requested == "verify_order_no"):
            self.set("verify_order_no", order_no)
        if not phone and not order_no and self.requested in ("verify_phone", "verify_order_no"):
            if self.is_digression():
                self.events = []
                return None
            self.dispatcher.utter_message(
                response="utter_verify_invalid_phone" if self.requested == "verify_phone" else "utter_verify_invalid_order_no"
            )
            self.set(self.requested, None)
            self.events.append(SlotSet("requested_slot", self.requested))
            return None
        if not (self.slot("verify_phone") and self.slot("verify_order_no")):
            return None
        outcome, customer = orders.verify(self.tracker.sender_id, self.slot("verify_phone"), self.slot("verify_order_no"), now())
        if outcome == VerifyOutcome.VERIFIED and customer is not None:
            self.dispatcher.utter_message(response="utter_verify_ok", nickname=customer.nickname)
            return customer
        attempts = int(self.slot("verify_attempts") or 0) + 1
        self.set("verify_attempts", float(attempts))
        self.set("verify_phone", None)
        self.set("verify_order_no", None)
        if attempts >= MAX_VERIFY_ATTEMPTS:
            self.dispatcher.utter_message(response="utter_verify_failed")
            self.set("order_id", None)
            self.events.append(SlotSet("requested_slot", None))
            return None
        self.dispatcher.utter_message(response="utter_verify_mismatch")
        self.events.append(SlotSet("requested_slot", "verify_phone"))
        return None

    def ask_verification(self) -> List[Dict[Text, Any]]:
        if self.is_digression() and self.requested and not self.events:
            return self.reject()
        missing = "verify_phone" if not self.slot("verify_phone") else "verify_order_no"
        if self.requested == missing and not self.events:
            self.set(missing, None)  # re-asking counts as handled, not a rejection
        return self.ask(missing)

    # -- which order -----------------------------------------------------------------------

    def order_steps(self, customer: CustomerView) -> List[Dict[Text, Any]]:
        order_id = self.slot("order_id")
        answering_other = self.requested in ("new_address", "order_confirm")
        reference = parse_reference(self.text, latest_entities(self.tracker))
        names_order = bool(reference.order_no or reference.product or reference.latest or reference.choice)
        if order_id is None or reference.order_no or (names_order and not answering_other):
            previous = order_id
            order_id = self.resolve_order(customer, reference, names_order)
            if previous is not None and order_id not in (None, previous):
                # "不是这单，是…": a different order now; its confirmation starts afresh
                self.requested = None
            if order_id is None:
                return self.events if self.decided_next() else self.ask("order_id")
        if self.purpose not in (Purpose.CANCEL, Purpose.CHANGE_ADDRESS):
            return self.done(order_id)  # nothing more to ask: action_order_request answers
        order = orders.order(customer.id, order_id)
        if order is None:  # vanished between turns: start over
            self.set("order_id", None)
            return self.ask("order_id")
        return self.purpose_steps(order)

    def resolve_order(self, customer: CustomerView, reference: Any, names_order: bool) -> Optional[str]:
        if not names_order and self.requested == "order_id" and self.is_digression():
            self.events = []
            return None
        candidates = orders.candidates(customer.id)
        shown = list(self.slot("order_candidates") or [])
        focus = self.tracker.get_slot("focus_order_id")
        if not names_order and focus and self.requested is None:
            focused = next((c for c in candidates if c.order_no == focus), None)
            if focused is not None and focused.status in RELEVANT_STATUSES[self.purpose]:
                self.set("order_id", focus)
                return focus
        result = resolve(reference, candidates, self.purpose, shown if self.requested == "order_id" else [])
        if result.outcome == Outcome.FOUND:
            self.set("order_id", result.order_no)
            self.set("order_candidates", None)
            return result.order_no
        if result.outcome == Outcome.NO_ORDERS:
            self.dispatcher.utter_message(response="utter_no_orders")
            self.set("order_id", None)
            self.events.append(SlotSet("requested_slot", None))
            return None
        if result.outcome == Outcome.NOT_FOUND:
            self.dispatcher.utter_message(response="utter_order_not_found", order_no=reference.order_no)
        elif result.outcome == Outcome.NO_MATCH:
            self.dispatcher.utter_message(response="utter_no_product_order", product=reference.product)
        self.set("order_candidates", result.candidates or None)
        self.set("order_id", None)
        return None

    # -- what to do with it ------------------------------------------------------------------

    def purpose_steps(self, order: OrderView) -> List[Dict[Text, Any]]:
        if self.purpose == Purpose.CANCEL:
            if replies.cancel_refusal(order) is not None:
                return self.done(order.order_no)  # action_order_request explains why not
            return self.confirmation()
        if self.purpose == Purpose.CHANGE_ADDRESS:
            if replies.address_refusal(order) is not None:
                return self.done(order.order_no)
            parsed = parse_address(self.text)
            if parsed is not None and self.intent != "affirm":
                self.set("new_address", json.dumps(parsed.__dict__, ensure_ascii=False))
                self.set("order_confirm", None)
                return self.ask("order_confirm")
            if self.slot("new_address") is None:
                if self.requested == "new_address":
                    if self.is_digression():
                        return self.reject()
                    self.dispatcher.utter_message(response="utter_address_invalid")
                    self.set("new_address", None)
                return self.ask("new_address")
            return self.confirmation()
        return self.done(order.order_no)

    def done(self, order_id: str) -> List[Dict[Text, Any]]:
        """End the form; the order is (re)stated so Rasa sees a validated slot, not a rejection."""
        if not self.events:
            self.set("order_id", order_id)
        return self.ask(None)

    def confirmation(self) -> List[Dict[Text, Any]]:
        if self.requested == "order_confirm":
            answer = interpret_confirmation(self.text, self.intent)
            if answer is not None:
                self.set("order_confirm", answer)
                return self.ask(None)
            if self.is_digression() and not self.events:
                return self.reject()
        self.set("order_confirm", None)
        return self.ask("order_confirm")


class ActionAskOrderId(ThreadedAction):
    """Asks which order, listing the buyer's likely candidates as numbered choices."""

    def name(self) -> Text:
        return "action_ask_order_id"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        customer = orders.identify(tracker.sender_id)
        if customer is None:
            return []
        shown = list(tracker.get_slot("order_candidates") or [])
        if not shown:
            shown = shortlist(orders.candidates(customer.id), purpose_of(tracker))
        views = orders.orders(customer.id, shown)
        lines = [f"{index}. {view.short_label()}" for index, view in enumerate(views, start=1)]
        buttons = [
            {"title": f"{i}. {v.items[0].name if v.items else v.order_no}", "payload": f'/inform{{"order_id":"{v.order_no}"}}'}
            for i, v in enumerate(views, start=1)
        ]
        dispatcher.utter_message(response="utter_choose_order", order_list="\n".join(lines), buttons=buttons)
        return [SlotSet("order_candidates", [v.order_no for v in views])]


class ActionAskOrderConfirm(ThreadedAction):
    """Asks to confirm a cancellation or an address change, restating exactly what will happen."""

    def name(self) -> Text:
        return "action_ask_order_confirm"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        customer = orders.identify(tracker.sender_id)
        order_id = tracker.get_slot("order_id")
        order = orders.order(customer.id, order_id) if customer and order_id else None
        if order is None:
            return []
        values = replies.base_values(order)
        if purpose_of(tracker) == Purpose.CHANGE_ADDRESS:
            new = _address_from_slot(tracker.get_slot("new_address"))
            if new is None:
                return []
            values["new_address"] = describe_address(new)
            dispatcher.utter_message(response="utter_confirm_address", **values)
        else:
            dispatcher.utter_message(response="utter_confirm_cancel", **values)
        return []


def _address_from_slot(raw: Optional[str]) -> Optional[ParsedAddress]:
    if not raw:
        return None
    try:
        return ParsedAddress(**json.loads(raw))
    except (ValueError, TypeError):
        return None


def describe_address(address: ParsedAddress) -> str:
    extra = "，".join(
        p
        for p in (f"收件人 {address.recipient}" if address.recipient else "", f"电话 {address.phone}" if address.phone else "")
        if p
    )
    return f"{address.address}（{extra}）" if extra else address.address


class ActionOrderRequest(ThreadedAction):
    """Carries out the request once order_form has what it needs, then clears the form."""

    def name(self) -> Text:
        return "action_order_request"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        events = cleared_order_form()
        customer = orders.identify(tracker.sender_id)
        order_id = tracker.get_slot("order_id")
        if customer is None or not order_id:
            return events  # the form already told the buyer why (no orders, failed check)
        order = orders.order(customer.id, order_id)
        if order is None:
            dispatcher.utter_message(response="utter_order_not_found", order_no=order_id)
            return events
        self.carry_out(dispatcher, tracker, customer, order)
        return events + [SlotSet("focus_order_id", order_id), SlotSet("verify_attempts", 0.0)]

    def carry_out(self, dispatcher: CollectingDispatcher, tracker: Tracker, customer: CustomerView, order: OrderView) -> None:
        purpose = purpose_of(tracker)
        actor = f"buyer:{tracker.sender_id}"
        confirmed = tracker.get_slot("order_confirm") is True
        if purpose == Purpose.STATUS:
            say(dispatcher, replies.status_reply(order, now()))
        elif purpose == Purpose.LOGISTICS:
            say(dispatcher, replies.logistics_reply(order, now()))
        elif purpose == Purpose.URGE:
            result = orders.urge(customer.id, order.order_no, actor, now())
            if result is not None:
                say(dispatcher, replies.urge_reply(result))
        elif purpose == Purpose.CANCEL:
            refusal = replies.cancel_refusal(order)
            if refusal is not None:
                say(dispatcher, refusal)
            elif confirmed:
                reason = "买家通过客服机器人取消"
                say(dispatcher, replies.cancel_reply(orders.cancel(customer.id, order.order_no, reason, actor, now())))
            else:
                dispatcher.utter_message(response="utter_cancel_kept", order_no=order.order_no)
        elif purpose == Purpose.CHANGE_ADDRESS:
            refusal = replies.address_refusal(order)
            new = _address_from_slot(tracker.get_slot("new_address"))
            if refusal is not None:
                say(dispatcher, refusal)
            elif confirmed and new is not None:
                say(dispatcher, replies.address_reply(orders.change_address(customer.id, order.order_no, new, actor, now())))
            else:
                dispatcher.utter_message(response="utter_address_kept", order_no=order.order_no)


class ActionStopOrderForm(ThreadedAction):
    """The buyer backed out ("算了", "都不是"): acknowledge and forget the half-filled form."""

    def name(self) -> Text:
        return "action_stop_order_form"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_order_form_stopped")
        return cleared_order_form()


class ActionResetOrderForm(ThreadedAction):
    """Silently forgets a half-filled order_form when the buyer moved on (goodbye, handoff, after-sales)."""

    def name(self) -> Text:
        return "action_reset_order_form"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        return cleared_order_form()
