"""The part every form shares: rasa_sdk's form validation, who the buyer is, and which order they mean.

A form's validation action is a ``FormTurn``: a rasa_sdk ``FormValidationAction``
whose ``required_slots`` come from the pure decisions in ``bot.forms.questions``
and whose ``extract_<slot>`` methods read each answer from the buyer's message
(in the order the questions are asked, each seeing what the ones before it read).
Rasa's own form loop asks the next question and hands digressions to the rules.

Three things every form needs are settled here rather than per slot:

* a message whose intent the form does not read, and that answers nothing, fills
  nothing, so Rasa rejects the form and the rules answer it;
* back in the form after such a digression, Rasa runs the validation once more on
  the same message: nothing is read again, the open question is simply asked again;
* an answer the form heard but could not use ("嗯嗯" to "退几件？") is marked as handled,
  so the question is asked again instead of the message going to the rules.
"""

from __future__ import annotations

import abc
import asyncio
import re
from datetime import datetime
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Text, Tuple, TypeVar, cast

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.types import DomainDict

from actions.common import POLICY, latest_entities, latest_intent, latest_text, now, orders
from bot.aftersales.reading import reason_kind
from bot.crm.formats import ORDER_NO_PATTERN, PHONE_PATTERN
from bot.forms.questions import VERIFY, Buyer, ends_form, is_digression, next_question
from bot.handoff.hours import describe_opening
from bot.nlu.shop_rules import COMPLAINT_WORDS
from bot.orders.confirm import ANSWER_INTENTS, interpret_confirmation
from bot.orders.details import asked_facets
from bot.orders.reference import (
    RELEVANT_STATUSES,
    OrderCandidate,
    OrderReference,
    Outcome,
    Purpose,
    asks_about_all,
    changed_order,
    corrected_reference,
    entity_or_match,
    first_entity,
    one_on_the_way,
    parse_reference,
    recent_orders,
    resolve,
    several_orders,
    shipped_siblings,
)
from bot.orders.service import CustomerView, VerifyOutcome
from bot.orders.verification import Attempt, VerificationGuard

verification = VerificationGuard.from_policy(POLICY)
AFTERSALES_FORM = "aftersales_form"
#: Questions one message may ask about several orders at once (changes are always about one).
ASKS_ABOUT_SEVERAL = (Purpose.STATUS, Purpose.LOGISTICS, Purpose.URGE)
#: "这单 / 它": the order the conversation is about.
THIS_ORDER = re.compile(r"这单|这个订单|这一单|这笔|它")
#: "另一件呢 / 另外那单": the order shown beside the one picked.
OTHER_ORDER = re.compile(r"另(一|外)(一)?(个|件|单|双|笔|那|份|盒)|另外的")
#: Changes the buyer asks about the order being talked about; one it no longer allows is refused, not swapped
#: for another order ("改地址" after seeing the shipped parcel must not turn to an unshipped one).
CHANGES = (Purpose.CHANGE_ADDRESS, Purpose.CANCEL)

#: Labels a short answer is sometimes given by the classifier ("没下过地 就是不喜欢了" → out of scope).
CHAT_MISREADS = frozenset({"out_of_scope", "goodbye"})

Found = Dict[Text, Any]
T = TypeVar("T")


def purpose_of(tracker: Tracker) -> Purpose:
    """What the buyer is doing with an order: the after-sales form's own purpose, or the order form's slot."""
    if (tracker.active_loop or {}).get("name") == AFTERSALES_FORM:
        return Purpose.AFTERSALES
    return Purpose(tracker.get_slot("order_purpose") or Purpose.STATUS.value)


class FormTurn(FormValidationAction, abc.ABC):
    """One turn of a form: the registered action makes a fresh turn per message and runs it off the event loop.

    The turn keeps what it learnt (the buyer once verified, a lock-out) for the
    later steps of the same message; nothing is kept between messages but slots.
    Subclasses say which intents answer their questions (``form_intents``) and
    list their questions (``questions``).
    """

    form_intents: FrozenSet[str] = frozenset()
    #: Intents a reply to "确认吗？" may carry.
    answer_intents: FrozenSet[str] = frozenset(ANSWER_INTENTS)

    def __init__(self, dispatcher: Optional[CollectingDispatcher] = None, tracker: Optional[Tracker] = None) -> None:
        self.dispatcher: CollectingDispatcher = dispatcher or CollectingDispatcher()
        self.tracker: Tracker = tracker  # type: ignore[assignment]  # None only on the registered instance
        if tracker is None:
            return
        #: The question open before this message; the turn clears it when the buyer moves to another order.
        self.requested: Optional[str] = tracker.get_slot(REQUESTED_SLOT)
        self.asked = self.requested
        self.intent = latest_intent(tracker)
        self.text = latest_text(tracker)
        self.purpose = self.purpose_of(tracker)
        self.stopped: Optional[Buyer] = None
        #: The order number a stranger proved who they are with, this turn: the order they asked about
        #: unless the message that opened the form named another.
        self.verified_with: Optional[str] = None
        self._customer: Optional[CustomerView] = None
        self._remembered: Dict[Tuple[Any, ...], Any] = {}

    # -- rasa_sdk's form validation, one fresh turn per message -------------------------------

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if self.tracker is None:  # the registered action: every message gets its own turn, in a worker thread
            turn = type(self)(dispatcher, tracker)
            return await asyncio.get_running_loop().run_in_executor(
                None, lambda: asyncio.run(turn.run(dispatcher, tracker, domain))
            )
        return await super().run(dispatcher, tracker, domain)

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        return self.questions()

    @abc.abstractmethod
    def questions(self) -> List[str]:
        """The form's questions for what this turn knows (``bot.forms.questions``)."""

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        if self.coming_back() or ends_form(self.form_name(), self.intent, self.asked, self.corrects()):
            return []  # the digression was answered / "算了" goes to the stop rule: nothing to read
        if self.asked == "order_confirm" and self.answered_aside():
            return [SlotSet("order_confirm", None)]  # a question about another order answered; the yes is asked again
        if self.intent == "complain" and COMPLAINT_WORDS.search(self.text):
            return []  # "过了两个钟头就不管了？？我要投诉": the complaint rule takes it, nothing in it answers the form
        if self.asked == "order_confirm" and self.is_digression():
            # "哦对了 之前买的充电器保修多久" while a change waits for its yes: the rules answer it, the yes is
            # asked again; the charger it names is not the order to change
            return []
        events = await super().get_extraction_events(dispatcher, tracker, domain)
        if self.asked and not any(event["name"] == self.asked for event in events):
            if self.is_digression():
                return []  # Rasa rejects the form and the rules answer; the question comes back after
            events.append(SlotSet(self.asked, None))  # heard but not usable: asked again, not a digression
        return events

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        """Every slot read this turn is kept (``validate_<slot>`` may still change it).

        rasa_sdk keeps only the form's questions; ours also carry slots that are
        never asked: the candidates shown, the apology said, orders named together.
        """
        slots = dict(tracker.slots_to_validate())
        for name, value in list(slots.items()):
            validate = getattr(self, f"validate_{name}", None)
            if validate is not None:
                checked = validate(value, dispatcher, tracker, domain)
                slots.update(checked)
                tracker.slots.update(checked)
        return [SlotSet(name, value) for name, value in slots.items()]

    async def next_requested_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Optional[EventType]:
        """Always the form's own choice (None ends the form), never the domain's placeholder list."""
        return SlotSet(REQUESTED_SLOT, next_question(self.questions(), tracker.slots))

    # -- shared reading ------------------------------------------------------------------------

    def slot(self, name: str) -> Any:
        return self.tracker.get_slot(name)

    def remembered(self, key: Tuple[Any, ...], look_up: Callable[[], T]) -> T:
        """A CRM look-up made once per turn: the questions are listed several times while one message is read."""
        if key not in self._remembered:
            self._remembered[key] = look_up()
        return cast(T, self._remembered[key])

    def purpose_of(self, tracker: Tracker) -> Purpose:
        return purpose_of(tracker)

    def answered_aside(self) -> bool:
        """Hook: a question about another order, asked while this one waits for its yes, answered by the form."""
        return False

    def is_digression(self) -> bool:
        """An intent the form does not read, unless a chat label hides an answer: "帆布鞋 没下过地 就是不喜欢了"
        (read as out of scope) names the item and the reason the open question asks for."""
        if not is_digression(self.intent, self.form_intents):
            return False
        if self.intent in CHAT_MISREADS and self.requested is not None:
            return not (first_entity(latest_entities(self.tracker), "product") or reason_kind(self.text))
        return True

    def coming_back(self) -> bool:
        """True when the form runs again on a message it rejected (the rules answered a digression).

        Not when a rule or another action opened the form just now: that message is still to be read.
        """
        form = self.form_name()
        for event in reversed(self.tracker.events):
            if event.get("event") == "user":
                return False
            if event.get("event") == "action_execution_rejected" and event.get("name") == form:
                return True
        return False

    # -- who the buyer is ------------------------------------------------------------------------

    def customer(self) -> Optional[CustomerView]:
        """The buyer linked to this sender (by an earlier check, or by this turn's)."""
        if self._customer is None:
            self._customer = orders.identify(self.tracker.sender_id)
        return self._customer

    def buyer(self) -> Buyer:
        if self.stopped is not None:
            return self.stopped
        return Buyer.KNOWN if self.customer() is not None else Buyer.UNVERIFIED

    def extract_verify_phone(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Found:
        """Phone and order number are read together: one message usually holds both."""
        return {} if self.customer() is not None else self.read_identity()

    def extract_verify_order_no(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Found:
        return {}  # read with the phone

    def read_identity(self) -> Found:
        entities = latest_entities(self.tracker)
        phone = entity_or_match(entities, "phone", PHONE_PATTERN, self.text)
        order_no = entity_or_match(entities, "order_id", ORDER_NO_PATTERN, self.text)
        source = ((self.tracker.latest_message or {}).get("metadata") or {}).get("platform", {}).get("client_ip")
        locked = verification.locked_until(Attempt(self.tracker.sender_id, phone, order_no, source), now())
        if locked is not None:  # nothing is checked while any of these is locked, not even a right pair
            return self.stop_verifying("utter_verify_locked", locked)
        found: Found = {}
        if phone:
            found["verify_phone"] = phone
            # "啊打错了 手机是…" after a mismatch: the new phone is tried with the order number already given
            if not order_no and not self.slot("verify_order_no") and phone != self.slot("verify_phone"):
                order_no = self.slot("verify_tried_order_no") or self.order_no_said_earlier()
        if order_no and (phone or self.slot("verify_phone") or self.requested == "verify_order_no"):
            found["verify_order_no"] = order_no
        if not found and self.requested in VERIFY:
            if self.is_digression():
                return {}
            self.dispatcher.utter_message(
                response="utter_verify_invalid_phone" if self.requested == "verify_phone" else "utter_verify_invalid_order_no"
            )
            return {self.requested: None}
        pair = (found.get("verify_phone") or self.slot("verify_phone"), found.get("verify_order_no") or self.slot("verify_order_no"))
        if not all(pair):
            return found
        outcome, customer = orders.verify(self.tracker.sender_id, pair[0], pair[1], now())
        if outcome == VerifyOutcome.VERIFIED and customer is not None:
            self.dispatcher.utter_message(response="utter_verify_ok", nickname=customer.nickname)
            self._customer = customer
            self.verified_with = pair[1]
            return {**found, "verify_tried_order_no": None}
        attempt = Attempt(self.tracker.sender_id, pair[0], pair[1], source)
        locked = verification.record_failure(attempt, now(), (self.tracker.latest_message or {}).get("message_id"))
        if locked is not None:
            return self.stop_verifying("utter_verify_failed", locked)
        # keep the phone: buyers mostly mistype the long order number, and resend only that
        # ("单号发错了 是…"); a new phone in the next message replaces it
        self.dispatcher.utter_message(response="utter_verify_mismatch")
        return {**found, "verify_order_no": None, "verify_tried_order_no": pair[1]}

    def opening_messages(self) -> List[Dict[str, Any]]:
        """The buyer's messages since this form opened, the opening one first (the current one last)."""
        form, said, opened = self.form_name(), [], False
        for event in reversed(self.tracker.events):
            if event.get("event") == "user":
                said.append(event)
                if opened:
                    break
            elif event.get("event") == "active_loop" and event.get("name") == form:
                opened = True
        return list(reversed(said))

    def order_no_said_earlier(self) -> Optional[str]:
        """"查下4128…这个单到哪了" then the phone alone: the order number the buyer already gave."""
        for event in reversed(self.opening_messages()[:-1]):
            found = ORDER_NO_PATTERN.search(event.get("text") or "")
            if found:
                return found.group(0)
        return None

    def opening_reference(self) -> OrderReference:
        """What the message that opened the form said about the order ("扫地机器人到哪了"), read once the
        buyer is verified; else the order number they verified with."""
        messages = self.opening_messages()
        if len(messages) > 1:  # the opening message, not the identity answers after it, nor this one
            parse = messages[0].get("parse_data") or {}
            reference = parse_reference(messages[0].get("text") or "", parse.get("entities") or [])
            if reference.names_itself:
                return reference
        return OrderReference(order_no=self.verified_with)

    def stop_verifying(self, response: str, until: datetime) -> Found:
        """Locked out: say until when (a person can still help), forget the pair, and end the form."""
        self.dispatcher.utter_message(response=response, until=describe_opening(until, now()))
        self.stopped = Buyer.LOCKED_OUT
        return {"verify_phone": None, "verify_order_no": None, "order_id": None}

    # -- which order -------------------------------------------------------------------------------

    def extract_order_id(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Found:
        customer = self.customer()
        if customer is None or self.stopped is not None:
            return {}
        return self.which_order(customer)

    def answering_other(self) -> bool:
        """True while a later question is open, so "第二个" or a product name there is an answer, not another order."""
        return self.requested not in (None, "order_id")

    def which_order(self, customer: CustomerView) -> Found:
        """The order this turn is about: kept, or (re)resolved when the message names one."""
        order_id = self.slot("order_id")
        reference = parse_reference(self.text, latest_entities(self.tracker))
        just_proof = not reference.names_itself or reference.order_no == self.verified_with
        if self.verified_with and order_id is None and just_proof:
            reference = self.opening_reference()  # the stranger's question, now that they are known
        other = self.the_other_order(reference)
        if other is not None:
            return other
        named_elsewise = reference.names_itself
        names_order = named_elsewise or reference.latest
        if THIS_ORDER.search(self.text) and not named_elsewise and self.tracker.get_slot("focus_order_id"):
            names_order = False  # "我这单买了运费险没": the order being talked about, not the newest one
        elif THIS_ORDER.search(self.text) and not named_elsewise and order_id is None and self.order_no_said_earlier():
            # "对 就这单 取消掉" after the list: the order number the buyer typed a moment ago, not the newest order
            reference, named_elsewise, names_order = OrderReference(order_no=self.order_no_said_earlier()), True, True
        answering_other = self.answering_other()
        # "啊打错了 最后一位是8 …" while proving who they are corrects the number typed, not the order asked about
        correction = None if self.asked in VERIFY else (
            self.correction() or self.another_order_at_confirmation(customer, reference))
        if correction is not None:
            # "不是 我说的是黑色那件 / 说错了 是键盘 鼠标我还要": not an answer to the open question, another order
            reference, names_order, answering_other = correction, True, False
        if not (order_id is None or reference.order_no or (names_order and not answering_other)):
            return {}
        found = self.resolve_order(customer, reference, names_order)
        chosen = found.get("order_id")
        if chosen is not None:
            found["focus_order_id"] = chosen  # a follow-up in the middle of the form is about this order
        if order_id is not None and chosen not in (None, order_id):
            # "不是这单，是…": a different order now; its later answers start afresh
            self.requested = None
            found.update(self.forget_for_another_order())
        return found

    def corrects(self) -> bool:
        """A "no" that says what was meant: another item or order, or the right phone or order number
        ("哎呀记错了，是13800000004")."""
        if self.asked in VERIFY and (PHONE_PATTERN.search(self.text) or ORDER_NO_PATTERN.search(self.text)):
            return True
        return self.correction() is not None

    def correction(self) -> Optional[OrderReference]:
        """What a correcting message names instead ("不是T恤 是帆布鞋"), when it names something."""
        corrected = corrected_reference(self.text, latest_entities(self.tracker))
        return corrected if corrected is not None and corrected.names_itself else None

    def another_order_at_confirmation(self, customer: CustomerView, reference: OrderReference) -> Optional[OrderReference]:
        """"黑色的那件" asked to confirm cancelling the 奶白 one: another order meant, neither yes nor no.

        Only a message that answers neither, and names an order of the buyer's other than the one
        awaiting its yes, moves the form; "确认换40码" stays an answer about the order asked.
        """
        order_id = self.slot("order_id")
        if self.requested == "order_confirm" and order_id and self.purpose in CHANGES:
            # "算了 鼠标还是要的 把键盘取消了吧": the clause asking the change names another order, whatever else is said
            moved = changed_order(self.text, latest_entities(self.tracker), orders.candidates(customer.id), self.purpose)
            if moved is not None and moved != order_id:
                return OrderReference(order_no=moved)
        if self.requested != "order_confirm" or not order_id or not reference.names_itself or reference.order_no:
            return None
        if interpret_confirmation(self.text, self.intent, self.answer_intents) is not None:
            return None
        result = resolve(reference, orders.candidates(customer.id), Purpose.STATUS)
        return reference if result.outcome == Outcome.FOUND and result.order_no != order_id else None

    def the_other_order(self, reference: OrderReference) -> Optional[Found]:
        """"另一件呢": the order shown beside the one picked; asked among them when several were shown."""
        others = list(self.slot("other_orders") or [])
        if reference.order_no or self.answering_other() or not OTHER_ORDER.search(self.text):
            return None
        if not others:
            others = self.same_product_as_focus()  # "黑色的留着 把另一件取消掉": the other jacket
        if not others:
            return None
        if len(others) > 1:
            self.requested = "order_id"
            return {"order_id": None, "order_candidates": others}
        self.requested = None
        return {"order_id": others[0], "focus_order_id": others[0], "other_orders": [self.slot("focus_order_id")]
                if self.slot("focus_order_id") else None, **self.forget_for_another_order()}

    def tell_shipped(self, shipped: List[OrderCandidate]) -> None:
        """"另一件（黑色 M）已经发货了，地址改不了": the same product's orders this change cannot reach."""
        response = "utter_sibling_shipped_address" if self.purpose == Purpose.CHANGE_ADDRESS else "utter_sibling_shipped_cancel"
        for sibling in shipped[:2]:
            self.dispatcher.utter_message(response=response, order_no=sibling.order_no, product=sibling.product_names[0],
                                          variant="，".join(sibling.variants[:1]) or "—")

    def same_product_as_focus(self) -> List[str]:
        """The buyer's other orders of the product in the order in focus ("另一件" beside the black jacket)."""
        focus, customer = self.slot("focus_order_id"), self.customer()
        if not focus or customer is None:
            return []
        candidates = orders.candidates(customer.id)
        focused = next((c for c in candidates if c.order_no == focus), None)
        if focused is None or not focused.product_names:
            return []
        names = [n for n in focused.product_names if len(n) >= 2]  # its name and aliases ("羽绒服")
        return [c.order_no for c in candidates
                if c.order_no != focus and any(name in other for name in names for other in c.product_names)]

    def forget_for_another_order(self) -> Found:
        """Hook: the answers that belonged to the previous order."""
        return {}

    def resolve_order(self, customer: CustomerView, reference: OrderReference, names_order: bool) -> Found:
        if not names_order and self.requested == "order_id" and self.is_digression():
            return {}
        candidates = orders.candidates(customer.id)
        if self.purpose in ASKS_ABOUT_SEVERAL and self.requested is None:
            several = several_orders(self.text, latest_entities(self.tracker), candidates, self.purpose)
            if not several and not reference.names_itself and asks_about_all(self.text) and len(candidates) >= 2:
                several = recent_orders(candidates)  # "最近买的几样东西都到了没": each order, none to pick
            if not several and self.purpose == Purpose.LOGISTICS:
                several = one_on_the_way(reference, candidates)  # "我羽绒服到哪了": the one on its way, and the other
            if several:  # "羽绒服到哪了？跑鞋啥时候发？": each is answered, none is asked about again
                return {"several_orders": several, "order_id": several[0], "order_candidates": None}
        shown = list(self.slot("order_candidates") or [])
        focus = self.tracker.get_slot("focus_order_id")
        focused = next((c for c in candidates if c.order_no == focus), None) if focus else None
        focus_relevant = focused is not None and focused.status in RELEVANT_STATUSES[self.purpose]
        if self.purpose in CHANGES and self.requested is None:
            changed = changed_order(self.text, latest_entities(self.tracker), candidates, self.purpose)
            if changed is not None:  # "黑色那件到哪了 … 另外那件奶白色的 能不能改个地址": the one to change
                return {"order_id": changed, "order_candidates": None}
        if not names_order and focused is not None and self.requested is None:
            follow_up = self.purpose in (Purpose.STATUS, Purpose.LOGISTICS) and bool(asked_facets(self.text))
            if follow_up or focus_relevant or self.purpose in CHANGES:
                return {"order_id": focus}
        picking = self.requested == "order_id"
        result = resolve(reference, candidates, self.purpose, shown if picking else [], today=now())
        if result.outcome == Outcome.AMBIGUOUS and focus_relevant and not picking and not (reference.product or reference.choice):
            # "那换个黑色可以吗" about the hoodie just discussed: a colour no order has is the one wanted
            return {"order_id": focus, "order_candidates": None}
        if result.outcome == Outcome.FOUND:
            others = [n for n in shown if n != result.order_no] if picking else []
            shipped = shipped_siblings(reference, candidates, result.order_no, self.purpose)  # type: ignore[arg-type]
            self.tell_shipped(shipped)
            others = others or [o.order_no for o in shipped]
            return {"order_id": result.order_no, "order_candidates": None, "other_orders": others or None}
        if result.outcome == Outcome.NO_ORDERS:
            self.dispatcher.utter_message(response="utter_no_orders")
            self.stopped = Buyer.NO_ORDERS
            return {"order_id": None}
        if result.outcome == Outcome.NOT_FOUND:
            self.dispatcher.utter_message(response="utter_order_not_found", order_no=reference.order_no)
        elif result.outcome == Outcome.NO_MATCH:
            self.dispatcher.utter_message(response="utter_no_product_order", product=reference.product)
        return {"order_candidates": result.candidates or None, "order_id": None}

    # -- yes or no -------------------------------------------------------------------------------

    def extract_order_confirm(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Found:
        """Only an answer to the confirmation just asked confirms anything."""
        if self.requested != "order_confirm":  # a yes kept from an earlier question confirms nothing now
            return {"order_confirm": None} if self.slot("order_confirm") is not None else {}
        answer = interpret_confirmation(self.text, self.intent, self.answer_intents)
        return {} if answer is None else {"order_confirm": answer}
