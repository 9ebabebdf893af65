"""The part every form shares: who is this buyer (verify unknown senders) and which order they mean.

``FormStep`` is one turn of a form's validation action. It returns slot events
ending with ``requested_slot`` (what to ask next, or None to finish); an empty
list rejects the turn so the digression rules can answer and come back.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Dict, FrozenSet, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import POLICY, latest_entities, latest_intent, latest_text, now, orders
from bot.crm.formats import ORDER_NO_PATTERN, PHONE_PATTERN
from bot.handoff.hours import describe_opening
from bot.orders.confirm import ANSWER_INTENTS, interpret_confirmation
from bot.orders.details import asked_facets
from bot.orders.reference import (
    RELEVANT_STATUSES,
    Outcome,
    Purpose,
    entity_or_match,
    parse_reference,
    resolve,
    several_orders,
)
from bot.orders.service import CustomerView, VerifyOutcome
from bot.orders.verification import Attempt, VerificationGuard

verification = VerificationGuard.from_policy(POLICY)
AFTERSALES_FORM = "aftersales_form"
#: Questions one message may ask about several orders at once (changes are always about one).
ASKS_ABOUT_SEVERAL = (Purpose.STATUS, Purpose.LOGISTICS, Purpose.URGE)
#: "不是这单 / 我说的是… / 另外那件": the buyer corrects which order they meant.
CORRECTION = re.compile(r"不是|说的是|我是说|另(一|外)(那|个|件|单)|是那")
#: "这单 / 它": the order the conversation is about.
THIS_ORDER = re.compile(r"这单|这个订单|这一单|这笔|它")


def purpose_of(tracker: Tracker) -> Purpose:
    """What the buyer is doing with an order: the after-sales form's own purpose, or the order form's slot."""
    if (tracker.active_loop or {}).get("name") == AFTERSALES_FORM:
        return Purpose.AFTERSALES
    return Purpose(tracker.get_slot("order_purpose") or Purpose.STATUS.value)


class FormStep:
    """One turn of a form's validation; returns the slot events, ending with the slot to ask next.

    Subclasses say which intents answer their questions (``form_intents``) and
    which orders matter (``purpose``); identity checks and order resolution are shared.
    """

    form_intents: FrozenSet[str] = frozenset()
    #: Intents a reply to "确认吗？" may carry.
    answer_intents: FrozenSet[str] = frozenset(ANSWER_INTENTS)

    def __init__(self, dispatcher: CollectingDispatcher, tracker: Tracker):
        self.dispatcher = dispatcher
        self.tracker = tracker
        self.requested: Optional[str] = tracker.get_slot("requested_slot")
        self.intent = latest_intent(tracker)
        self.text = latest_text(tracker)
        self.purpose = self.purpose_of(tracker)
        self.events: List[Dict[Text, Any]] = []
        self.slots: Dict[str, Any] = {}

    def slot(self, name: str) -> Any:
        return self.slots[name] if name in self.slots else self.tracker.get_slot(name)

    def set(self, name: str, value: Any) -> None:
        self.slots[name] = value
        self.events.append(SlotSet(name, value))

    def ask(self, slot_name: Optional[str]) -> List[Dict[Text, Any]]:
        """End the turn asking ``slot_name``; an answer we could not read is asked again, not rejected."""
        asked_again = slot_name is not None and slot_name == self.requested and not self.is_digression()
        if asked_again and not any(e.get("name") == slot_name for e in self.events):
            self.events.append(SlotSet(slot_name, None))  # handled: Rasa must not hand it to the digression rules
        return self.events + [SlotSet("requested_slot", slot_name)]

    def decided_next(self) -> bool:
        """True when this turn already chose what to ask next (or to end the form)."""
        return bool(self.events) and self.events[-1].get("name") == "requested_slot"

    def purpose_of(self, tracker: Tracker) -> Purpose:
        return purpose_of(tracker)

    def is_digression(self) -> bool:
        return self.intent not in self.form_intents

    def reject(self) -> List[Dict[Text, Any]]:
        """No slot filled: Rasa rejects the form and the digression rules answer.

        Back in the form after that answer (Rasa validates nothing then, it only asks
        which slot comes next), the open question is asked again: the form's
        declared slots are all filled, and without this Rasa would end the form as
        if the buyer had answered ("换货运费呢" during "确认提交吗？" once closed it).
        """
        if self.coming_back() and self.requested:
            return [SlotSet("requested_slot", self.requested)]
        return []

    def coming_back(self) -> bool:
        """True when the form runs again after a digression was answered, not on a new message."""
        form = (self.tracker.active_loop or {}).get("name")
        for event in reversed(self.tracker.events):
            if event.get("event") == "user":
                return False
            if event.get("event") == "action" and event.get("name") not in (form, None):
                return event.get("name") != "action_listen"
        return False

    def identified(self) -> Optional[CustomerView]:
        """The buyer, verifying an unknown sender first; None while the check is under way."""
        customer = orders.identify(self.tracker.sender_id)
        return customer if customer is not None else self.verify()

    def ask_identity(self) -> List[Dict[Text, Any]]:
        return self.events if self.decided_next() else self.ask_verification()

    # -- identity ------------------------------------------------------------------------

    def verify(self) -> Optional[CustomerView]:
        entities = latest_entities(self.tracker)
        phone = entity_or_match(entities, "phone", PHONE_PATTERN, self.text)
        order_no = entity_or_match(entities, "order_id", ORDER_NO_PATTERN, self.text)
        source = ((self.tracker.latest_message or {}).get("metadata") or {}).get("platform", {}).get("client_ip")
        locked = verification.locked_until(Attempt(self.tracker.sender_id, phone, order_no, source), now())
        if locked is not None:  # nothing is checked while any of these is locked, not even a right pair
            return self.stop_verifying("utter_verify_locked", locked)
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
        attempt = Attempt(self.tracker.sender_id, self.slot("verify_phone"), self.slot("verify_order_no"), source)
        locked = verification.record_failure(attempt, now(), (self.tracker.latest_message or {}).get("message_id"))
        if locked is not None:
            self.set("verify_phone", None)
            self.set("verify_order_no", None)
            return self.stop_verifying("utter_verify_failed", locked)
        # keep the phone: buyers mostly mistype the long order number, and resend only that
        # ("单号发错了 是…"); a new phone in the next message replaces it
        self.set("verify_order_no", None)
        self.dispatcher.utter_message(response="utter_verify_mismatch")
        self.events.append(SlotSet("requested_slot", "verify_order_no"))
        return None

    def stop_verifying(self, response: str, until: datetime) -> None:
        """Locked out: say until when (a person can still help), forget the pair, and end the form."""
        self.dispatcher.utter_message(response=response, until=describe_opening(until, now()))
        self.set("verify_phone", None)
        self.set("verify_order_no", None)
        self.set("order_id", None)
        self.events.append(SlotSet("requested_slot", None))
        return None

    def ask_verification(self) -> List[Dict[Text, Any]]:
        if self.is_digression() and self.requested and not self.events:
            return self.reject()
        missing = "verify_phone" if not self.slot("verify_phone") else "verify_order_no"
        return self.ask(missing)  # asked again, ask() marks it handled rather than a rejection

    def which_order(self, customer: CustomerView, answering_other: bool) -> Optional[str]:
        """The order this turn is about: kept, or (re)resolved when the message names one.

        ``answering_other`` is True while a later question is open, so "第二个"
        or a product name there is not mistaken for a change of order.
        """
        order_id = self.slot("order_id")
        reference = parse_reference(self.text, latest_entities(self.tracker))
        named_elsewise = reference.names_itself
        names_order = named_elsewise or reference.latest
        if THIS_ORDER.search(self.text) and not named_elsewise and self.tracker.get_slot("focus_order_id"):
            names_order = False  # "我这单买了运费险没": the order being talked about, not the newest one
        if answering_other and self.requested == "order_confirm" and named_elsewise and CORRECTION.search(self.text):
            answering_other = False  # "不是 我说的是黑色那件": not a no to this order, another order
        if order_id is None or reference.order_no or (names_order and not answering_other):
            previous = order_id
            order_id = self.resolve_order(customer, reference, names_order)
            if previous is not None and order_id not in (None, previous):
                # "不是这单，是…": a different order now; its later answers start afresh
                self.requested = None
                self.order_changed()
        return order_id

    def order_changed(self) -> None:
        """Hook: forget answers that belonged to the previous order."""

    def resolve_order(self, customer: CustomerView, reference: Any, names_order: bool) -> Optional[str]:
        if not names_order and self.requested == "order_id" and self.is_digression():
            self.events = []
            return None
        candidates = orders.candidates(customer.id)
        if self.purpose in ASKS_ABOUT_SEVERAL and self.requested is None:
            several = several_orders(self.text, latest_entities(self.tracker), candidates, self.purpose)
            if several:  # "羽绒服到哪了？跑鞋啥时候发？": each is answered, none is asked about again
                self.set("several_orders", several)
                self.set("order_id", several[0])
                self.set("order_candidates", None)
                return several[0]
        shown = list(self.slot("order_candidates") or [])
        focus = self.tracker.get_slot("focus_order_id")
        if not names_order and focus and self.requested is None:
            focused = next((c for c in candidates if c.order_no == focus), None)
            follow_up = self.purpose in (Purpose.STATUS, Purpose.LOGISTICS) and bool(asked_facets(self.text))
            if focused is not None and (follow_up or focused.status in RELEVANT_STATUSES[self.purpose]):
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

    def done(self, order_id: str) -> List[Dict[Text, Any]]:
        """End the form; the order is (re)stated so Rasa sees a validated slot, not a rejection."""
        if not self.events:
            self.set("order_id", order_id)
        return self.ask(None)

    def confirmation(self) -> List[Dict[Text, Any]]:
        if self.requested == "order_confirm":
            answer = interpret_confirmation(self.text, self.intent, self.answer_intents)
            if answer is not None:
                self.set("order_confirm", answer)
                return self.ask(None)
            if self.is_digression() and not self.events:
                return self.reject()
        self.set("order_confirm", None)
        return self.ask("order_confirm")
