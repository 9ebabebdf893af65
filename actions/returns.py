"""After-sales actions: the return / exchange / refund form, its record, its status and its withdrawal.

``aftersales_form`` collects what the policy needs (which order, which item and
how many, the reason, a wanted size or colour, reship or refund, photos),
states the outcome with the rule behind it and asks for a yes; then
``action_aftersales_request`` records it exactly once or explains why not.
Decisions come from ``bot.policy``, records from ``bot.aftersales``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    POLICY,
    ThreadedAction,
    just_asked,
    latest_entities,
    latest_intent,
    latest_text,
    now,
    orders,
    recent_user_messages,
    say,
)
from actions.form_step import AFTERSALES_FORM, FormTurn
from actions.support import complaints, hand_to_staff
from bot.aftersales import replies as as_replies
from bot.aftersales import stages
from bot.aftersales.reading import (
    Evidence,
    Resolution,
    evidence_in,
    mentions_use,
    quantity_in,
    reason_kind,
    resolution_in,
    wanted_variant,
)
from bot.aftersales.service import (
    AftersalesService,
    CaseOrder,
    ItemChoice,
    Submission,
    SubmitOutcome,
    initial_status,
)
from bot.crm.formats import RMA_PATTERN
from bot.crm.models import OrderStatus, ReturnStatus
from bot.forms.aftersales import (
    INTENT_KIND,
    assessed_kind,
    new_kind,
    owes_apology,
    reason_answer,
    request_kind,
    stated_reason,
)
from bot.forms.questions import OFFERS_TO_CONFIRM, AftersalesCase, aftersales_questions
from bot.handoff import hours
from bot.nlu.shop_rules import ANGER, ASKING_WHETHER
from bot.nlu.simplified import to_simplified
from bot.orders.confirm import ANSWER_INTENTS, EXPLICIT_YES, REFUSAL, interpret_confirmation
from bot.orders.reference import Outcome, Purpose, corrected_part, first_entity, parse_choice, parse_reference, resolve
from bot.orders.replies import cancelled_refund_line
from bot.orders.service import CustomerView, OrderView
from bot.policy.answers import insurance_note, policy_values
from bot.policy.decisions import Decision, Offer, Request, RequestKind

#: The case the buyer was just asked to confirm withdrawing (cleared once they answer).
PENDING_CASE_CANCEL = "pending_case_cancel"
#: Intents an answer to "确认撤销 RMA… 吗？" may carry ("确认撤销" reads as a cancellation request).
CASE_CANCEL_ANSWERS = frozenset(ANSWER_INTENTS | {"cancel_aftersales"})

aftersales = AftersalesService(POLICY)

#: Intents that answer aftersales_form's questions; anything else is a digression for the rules.
AFTERSALES_FORM_INTENTS = frozenset({"inform", "affirm", "deny", "nlu_fallback", *INTENT_KIND})
AFTERSALES_SLOTS = [
    "as_kind",
    "as_item",
    "as_quantity",
    "as_reason",
    "as_variant",
    "as_resolution",
    "as_photos",
    "order_id",
    "order_candidates",
    "order_confirm",
    "verify_phone",
    "verify_order_no",
    "as_apologised",
]
#: Answers that depend on the kind of case; forgotten when the buyer changes their mind.
KIND_SLOTS = ["as_reason", "as_variant", "as_resolution", "as_photos", "order_confirm"]
#: Questions open before the reason is asked: an answer to them may state the reason too.
BEFORE_THE_REASON = (None, "verify_phone", "verify_order_no", "order_id", "as_item", "as_quantity")
#: Answers that belong to one item; forgotten when the buyer corrects which item they meant.
ITEM_SLOTS = ["as_quantity", "as_variant", "as_resolution", "as_photos", "order_confirm"]
SETTLED_STATUSES = {OrderStatus.DELIVERED, OrderStatus.COMPLETED}


def goes_ahead(case: CaseOrder, tracker: Tracker) -> bool:
    """Whether the form may pick an item and decide: the goods are here, or a price drop on a parcel on its way
    ("羽绒服还在路上 降价了能补差价吗": price protection counts from payment, not from delivery)."""
    status = case.facts.status
    return status in SETTLED_STATUSES or (
        status == OrderStatus.SHIPPED and _assessed_kind(tracker) == RequestKind.PRICE_DIFFERENCE
    )


def cleared_aftersales_form() -> List[Dict[Text, Any]]:
    return [SlotSet(name, None) for name in AFTERSALES_SLOTS]


def item_id_of(tracker: Tracker) -> Optional[int]:
    raw = tracker.get_slot("as_item")
    return int(raw) if raw not in (None, "") else None


class ValidateAftersalesForm(FormTurn):
    """aftersales_form's turn: the kind of case, who and which order, which item and how many, why,
    then what the policy's offer needs (size/colour, reship or refund, photos) and a yes."""

    form_intents = AFTERSALES_FORM_INTENTS
    answer_intents = frozenset(ANSWER_INTENTS | set(INTENT_KIND))

    def name(self) -> Text:
        return "validate_aftersales_form"

    def purpose_of(self, tracker: Tracker) -> Purpose:
        return Purpose.AFTERSALES

    def questions(self) -> List[str]:
        return aftersales_questions(self.progress())

    # -- what the turn knows ----------------------------------------------------------------------

    def progress(self) -> AftersalesCase:
        buyer, reason_needed = self.buyer(), request_kind(self.slot("as_kind")) is None
        case = self.case()
        if case is None:
            return AftersalesCase(buyer, reason_needed=reason_needed)
        delivered = goes_ahead(case, self.tracker)
        item = self.item()
        if not delivered or item is None:
            return AftersalesCase(buyer, delivered, reason_needed=reason_needed)
        if self.closed(item):
            return AftersalesCase(buyer, delivered, item_closed=True, reason_needed=reason_needed)
        decision = self.decision()
        if decision is None:
            refused = self.refused_whatever_the_quantity()
            if refused is not None:
                return AftersalesCase(buyer, delivered, False, reason_needed, refused.offer, False, quantity_needed=False)
            return AftersalesCase(buyer, delivered, item_closed=False, reason_needed=reason_needed)
        return AftersalesCase(
            buyer, delivered, False, reason_needed, decision.offer, decision.eligible, decision.needs_photos
        )

    def case(self) -> Optional[CaseOrder]:
        customer, order_id = self.customer(), self.slot("order_id")
        if customer is None or not order_id:
            return None
        return self.remembered(("case", order_id), lambda: aftersales.case_order(customer.id, order_id))

    def item(self) -> Optional[ItemChoice]:
        """The chosen line of a delivered order."""
        case = self.case()
        if case is None or not goes_ahead(case, self.tracker) or not self.slot("as_item"):
            return None
        return case.item(int(self.slot("as_item")))

    def closed(self, item: ItemChoice) -> bool:
        """Nothing to ask about this item: a case is already open on it, or nothing is left to send back."""
        if item.returnable == 0:
            return True
        customer = self.customer()
        return customer is not None and self.remembered(("open case", item.id), lambda: aftersales.open_request(customer.id, item.id) is not None)

    def open_item(self) -> Optional[ItemChoice]:
        item = self.item()
        return None if item is None or self.closed(item) else item

    def assessed(self) -> Optional[Decision]:
        """The policy's answer for the open item with the answers so far (one piece while "几件" is open)."""
        case, item = self.case(), self.open_item()
        if case is None or item is None:
            return None
        key = ("decision", case.order_no, item.id, self.slot("as_quantity"), self.slot("as_kind"), self.slot("as_reason"))
        assessed = self.remembered(key, lambda: _assessed(self.tracker, case))
        return assessed[0] if assessed else None

    def decision(self) -> Optional[Decision]:
        """The policy's answer once item, quantity and kind are known."""
        return None if self.slot("as_quantity") is None else self.assessed()

    def refused_whatever_the_quantity(self) -> Optional[Decision]:
        """Before "几件？": the policy's answer for one piece, when even that is out of policy (too late …)."""
        if self.slot("as_quantity") is not None:
            return None
        assessed = self.assessed()
        return assessed if assessed is not None and not assessed.eligible else None

    def offered(self, offer: Offer) -> Optional[Decision]:
        decision = self.decision()
        return decision if decision is not None and decision.eligible and decision.offer == offer else None

    # -- what is asked for --------------------------------------------------------------------

    def extract_as_kind(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """The intent that opened the form says what the buyer asks for; a fault is apologised for first."""
        found = self.read_kind()
        found.update(self.apologise_for_a_fault())
        return found

    def read_kind(self) -> Dict[Text, Any]:
        current = self.slot("as_kind")
        kind = new_kind(self.intent, current, answering_reason=self.requested == "as_reason")
        if kind is None:
            return {}
        found: Dict[Text, Any] = {"as_kind": kind}
        if current is not None:  # a change of mind: the answers about the other kind are forgotten
            self.requested = None
            found = {**{name: None for name in KIND_SLOTS}, **found}
        reason = stated_reason(kind, self.text, recent_user_messages(self.tracker, 5)[:-1])
        return {**found, "as_reason": reason} if reason else found

    def apologise_for_a_fault(self) -> Dict[Text, Any]:
        """Goods arrived damaged, wrong or faulty: say sorry before the first question, once per case."""
        if self.slot("as_apologised"):
            return {}
        if not owes_apology(self.intent, self.text):
            return {}
        customer = orders.identify(self.tracker.sender_id)
        if customer is not None and ANGER.search(self.text):
            # "什么垃圾质量 不给解决我就打12315": a complaint as well as a case; both are recorded
            moment = now()
            view = complaints.record(
                customer.id, self.text, moment, sender_id=self.tracker.sender_id,
                order_no=self.tracker.get_slot("focus_order_id"),
                message_id=(self.tracker.latest_message or {}).get("message_id"),
            )
            due = hours.describe_opening(view.due_at, moment) if view.due_at else "今天"
            self.dispatcher.utter_message(response="utter_as_sorry_recorded", complaint_no=view.complaint_no, due=due)
        else:
            self.dispatcher.utter_message(response="utter_as_sorry")
        return {"as_apologised": True}

    def forget_for_another_order(self) -> Dict[Text, Any]:
        return {name: None for name in ("as_item", "as_quantity", *KIND_SLOTS)}

    # -- which item, how many ---------------------------------------------------------------

    def extract_as_item(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        case = self.case()
        if case is None or not goes_ahead(case, self.tracker):
            return {}
        current = self.item()
        corrected = self.corrected_item(case)
        if corrected is not None and (current is None or corrected.id != current.id):
            # "不是T恤 是帆布鞋": the other line of the same order; why and what kind still hold
            self.requested = None
            return {"as_item": str(corrected.id), **{name: None for name in ITEM_SLOTS}}
        if current is not None:
            return {}
        picked = _pick_item(case, self.text, latest_entities(self.tracker), self.requested == "as_item")
        if picked is None:
            picked = self.item_said_earlier(case)
        if picked is None and len(case.items) == 1:
            picked = case.items[0]
        return {"as_item": str(picked.id)} if picked is not None else {}

    def answered_aside(self) -> bool:
        """"等下 先问个事 普洱发霉了 能退吗" while the shoes' exchange waits for its yes: the tea's rule, from the
        same policy decision a case would get, and the exchange is asked again (nothing is moved to the tea)."""
        customer = self.customer()
        if customer is None or not ASKING_WHETHER.search(self.text):
            return False
        entities = latest_entities(self.tracker)
        reference = parse_reference(self.text, entities)
        if not reference.product:
            return False
        result = resolve(reference, orders.candidates(customer.id), Purpose.AFTERSALES, today=now())
        if result.outcome != Outcome.FOUND or result.order_no == self.slot("order_id"):
            return False
        other = aftersales.case_order(customer.id, result.order_no)  # type: ignore[arg-type]
        item = _pick_item(other, self.text, entities, False) if other is not None else None
        if other is None or item is None:
            return False
        kind = reason_kind(self.text) or RequestKind.NO_REASON_RETURN
        decision = aftersales.decide_on(other, item, Request(kind, 1, mentions_use(self.text)), now())
        if kind not in (RequestKind.NO_REASON_RETURN, RequestKind.EXCHANGE, RequestKind.PRICE_DIFFERENCE):
            self.dispatcher.utter_message(response="utter_as_sorry")
        response = "utter_as_aside_eligible" if decision.eligible else "utter_as_aside_refused"
        self.dispatcher.utter_message(response=response, item=item.name, rule=decision.rule)
        return True

    def item_said_earlier(self, case: CaseOrder) -> Optional[ItemChoice]:
        """"我买的帆布鞋小了 想换大一码", then the identity check: the item the opening message named."""
        for event in reversed(self.opening_messages()[:-1]):
            parse = event.get("parse_data") or {}
            picked = _pick_item(case, event.get("text") or "", parse.get("entities") or [], False)
            if picked is not None:
                return picked
        return None

    def corrected_item(self, case: CaseOrder) -> Optional[ItemChoice]:
        """The line of this order a correction names ("不是T恤 是帆布鞋" → the shoes)."""
        part = corrected_part(self.text, latest_entities(self.tracker))
        return _pick_item(case, *part, False) if part is not None else None

    def extract_as_quantity(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        item = self.open_item()
        if item is None:
            return {}
        if item.returnable == 1:
            return {} if self.slot("as_quantity") == 1.0 else {"as_quantity": 1.0}
        if self.slot("as_quantity"):
            return {}
        quantity = quantity_in(self.text, latest_entities(self.tracker), item.returnable)
        if quantity is not None and 1 <= quantity <= item.returnable:
            return {"as_quantity": float(quantity)}
        if self.requested != "as_quantity" or (quantity is None and self.is_digression()):
            return {}
        dispatcher.utter_message(response="utter_as_quantity_invalid", available=item.returnable)
        return {"as_quantity": None}

    # -- why ---------------------------------------------------------------------------------

    def extract_as_reason(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        asked = self.slot("as_kind")
        if self.open_item() is None or request_kind(asked) is not None or self.slot("as_reason"):
            return {}
        answering = self.requested == "as_reason"
        if answering or self.requested in BEFORE_THE_REASON:  # "T恤 两件都退 颜色不太喜欢" answers three questions
            reason = reason_answer(self.text, self.intent, asked, answering, self.is_digression())
            if reason is not None:
                return {"as_reason": reason}
        if not answering or self.is_digression():
            return {}
        dispatcher.utter_message(response="utter_as_reason_unclear")
        return {"as_reason": None}

    # -- the offer's own questions, then yes or no --------------------------------------------

    def extract_as_variant(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        item = self.open_item()
        if item is None or self.offered(Offer.EXCHANGE) is None or self.slot("as_variant"):
            return {}
        quantity = int(self.slot("as_quantity") or 1)
        options, current = aftersales.variants(item.id)
        match, named = wanted_variant(self.text, options, current)
        if not named:
            return {}
        if match is None:
            dispatcher.utter_message(response="utter_as_variant_unknown", options=_in_stock_text(options, quantity))
        elif current is not None and match.id == current.id:
            dispatcher.utter_message(response="utter_as_variant_same", variant=match.label())
        elif match.stock < quantity:
            dispatcher.utter_message(
                response="utter_as_variant_out_of_stock", variant=match.label(), options=_in_stock_text(options, quantity)
            )
        else:
            return {"as_variant": str(match.id)}
        return {"as_variant": None}

    def extract_as_resolution(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if self.offered(Offer.RESHIP_OR_REFUND) is None or self.slot("as_resolution"):
            return {}
        found = resolution_in(self.text)
        if found is None and self.requested == "as_resolution" and EXPLICIT_YES.search(to_simplified(self.text)) \
                and interpret_confirmation(self.text, self.intent, self.answer_intents) is True:
            found = Resolution.RESHIP  # "行 确认" to "补发还是退款？（回复确认就补发）": the reship the question offered
            self.agreed_to_reship = True
            return {"as_resolution": found.value, "order_confirm": True}
        return {"as_resolution": found.value} if found is not None else {}

    #: True when this turn's "确认" answered "回复确认就按补发办理": that yes was the one asked for.
    agreed_to_reship = False

    def extract_order_confirm(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if self.agreed_to_reship:
            return {}
        return super().extract_order_confirm(dispatcher, tracker, domain)

    def extract_as_photos(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        decision = self.decision()
        if decision is None or not decision.needs_photos or self.slot("as_photos"):
            return {}
        answering = self.requested == "as_photos"
        found = evidence_in(self.text, self.intent if answering else "")
        if found is None and answering and self.intent == "deny":
            found = Evidence.NONE
        return {"as_photos": found.value} if found is not None else {}


def _pick_item(case: CaseOrder, text: str, entities: List[Dict[str, Any]], answering: bool) -> Optional[ItemChoice]:
    """The order line the buyer named: by product, by position in the list shown, or by the button's name."""
    product = first_entity(entities, "product")
    for needle in filter(None, (product, text.strip())):
        hits = [i for i in case.items if _names_item(i, needle)]
        if len(hits) == 1:
            return hits[0]
    if answering:
        choice = parse_choice(text)
        if choice == -1:
            return case.items[-1]
        if choice is not None and 1 <= choice <= len(case.items):
            return case.items[choice - 1]
    return None


def _names_item(item: ItemChoice, needle: str) -> bool:
    needle = needle.lower()
    names = [item.name, *item.aliases]
    return any(n and (n.lower() in needle or (len(needle) >= 2 and needle in n.lower())) for n in names)


def _in_stock_text(options: List[Any], quantity: int) -> str:
    available = [o.label() for o in options if o.stock >= quantity]
    return "、".join(available[:12]) if available else "暂时都没有货"


# --- asking -----------------------------------------------------------------------------------


class ActionAskAsItem(ThreadedAction):
    """Lists the order's items as numbered choices with buttons."""

    def name(self) -> Text:
        return "action_ask_as_item"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        case = _case(tracker)
        if case is None:
            return []
        lines = [f"{n}. {item.label()}" for n, item in enumerate(case.items, start=1)]
        buttons = [{"title": f"{n}. {item.name}", "payload": f"第{n}件"} for n, item in enumerate(case.items, start=1)]
        dispatcher.utter_message(response="utter_ask_as_item", item_list="\n".join(lines), buttons=buttons)
        return []


class ActionAskAsQuantity(ThreadedAction):
    def name(self) -> Text:
        return "action_ask_as_quantity"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        case = _case(tracker)
        item = case.item(item_id_of(tracker)) if case else None
        if item is not None:
            dispatcher.utter_message(response="utter_ask_as_quantity", item=item.name, available=item.returnable,
                                     rule=fault_rule(tracker, case))
        return []


class ActionAskAsReason(ThreadedAction):
    """Asks why, with the reasons that lead to different rules as buttons."""

    def name(self) -> Text:
        return "action_ask_as_reason"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        refund = tracker.get_slot("as_kind") == "refund"
        if not refund:  # "卫衣" signed ten days ago: the 7 days are over, so only a fault still counts
            lapsed = no_reason_lapsed(tracker)
            if lapsed is not None:
                dispatcher.utter_message(text=f"{lapsed.rule}。")
        dispatcher.utter_message(response="utter_ask_as_reason_refund" if refund else "utter_ask_as_reason_return")
        return []


def no_reason_lapsed(tracker: Tracker) -> Optional[Decision]:
    """The no-reason rule's refusal for the chosen item (its 7 days over, or a product it never covers);
    None while it applies."""
    case = _case(tracker)
    item = case.item(item_id_of(tracker)) if case is not None else None
    if case is None or item is None or case.facts.status not in SETTLED_STATUSES:
        return None
    decision = aftersales.decide_on(case, item, Request(RequestKind.NO_REASON_RETURN, 1), now())
    return decision if not decision.eligible and item.returnable > 0 else None  # past 7 days, or not for this product


class ActionAskAsVariant(ThreadedAction):
    """Asks which size/colour, listing those in stock."""

    def name(self) -> Text:
        return "action_ask_as_variant"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        item_id = item_id_of(tracker)
        if item_id is None:
            return []
        options, current = aftersales.variants(item_id)
        quantity = int(tracker.get_slot("as_quantity") or 1)
        others = [o for o in options if current is None or o.id != current.id]
        dispatcher.utter_message(
            response="utter_ask_as_variant",
            current=current.label() if current else "",
            options=_in_stock_text(others, quantity),
        )
        return []


class ActionAskAsPhotos(ThreadedAction):
    """Asks for the photos this kind of case needs."""

    def name(self) -> Text:
        return "action_ask_as_photos"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        kind = _assessed_kind(tracker)
        response = {
            RequestKind.DAMAGED: "utter_ask_as_photos_damaged",
            RequestKind.WRONG_OR_MISSING: "utter_ask_as_photos_wrong",
        }.get(kind, "utter_ask_as_photos_quality")
        # the rule that lets the case go ahead comes first: the buyer asked "还能退吗", not only for photos;
        # the goods it is about before that ("那就退了吧" after a complaint names nothing itself)
        case = _case(tracker)
        dispatcher.utter_message(response=response, rule=case_subject(tracker, case) + rule_sentence(tracker, case))
        return []


class ActionAskAftersalesConfirm(ThreadedAction):
    """States the outcome (rule, postage, address, refund timing) and asks for a yes."""

    def name(self) -> Text:
        return "action_ask_aftersales_form_order_confirm"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        case = _case(tracker)
        facts = _assessed(tracker, case)
        if facts is None or case is None:
            return []
        decision, item, quantity = facts
        exchange_to = None
        if tracker.get_slot("as_variant"):
            options, _ = aftersales.variants(item.id)
            exchange_to = next((o.label() for o in options if str(o.id) == tracker.get_slot("as_variant")), None)
        say(
            dispatcher,
            as_replies.offer_reply(
                decision,
                item,
                quantity,
                POLICY,
                tracker.get_slot("as_resolution"),
                exchange_to,
                tracker.get_slot("as_photos"),
                auto_approved=initial_status(_assessed_kind(tracker) or RequestKind.NO_REASON_RETURN, POLICY)
                == ReturnStatus.APPROVED,
                order_no=case.order_no,
            ),
        )
        return []


def _buyer_case(tracker: Tracker) -> Tuple[Optional[CustomerView], Optional[CaseOrder]]:
    """The buyer, and the order the form is about with its items (None for a stranger or no order yet)."""
    customer = orders.identify(tracker.sender_id)
    order_id = tracker.get_slot("order_id")
    return customer, aftersales.case_order(customer.id, order_id) if customer and order_id else None


def _case(tracker: Tracker) -> Optional[CaseOrder]:
    return _buyer_case(tracker)[1]


#: Cases the shop caused: the buyer hears the rule that applies before any question about them.
FAULTS = (RequestKind.DAMAGED, RequestKind.QUALITY_ISSUE, RequestKind.WRONG_OR_MISSING)


def case_subject(tracker: Tracker, case: Optional[CaseOrder]) -> str:
    """"订单 7415…（男士商务真皮皮鞋）：": which goods the next question is about; "" before an order is known."""
    if case is None:
        return ""
    item = case.item(item_id_of(tracker))
    names = [f"{item.name}（{item.variant}）" if item.variant else item.name] if item is not None \
        else sorted({i.name for i in case.items})
    return f"订单 {case.order_no}（{'、'.join(names)}）：" if names else f"订单 {case.order_no}："


def rule_sentence(tracker: Tracker, case: Optional[CaseOrder]) -> str:
    """The rule the policy applies to the form's answers so far, as a sentence to put before a question."""
    assessed = _assessed(tracker, case)
    return f"{assessed[0].rule}。" if assessed is not None else ""


def fault_rule(tracker: Tracker, case: Optional[CaseOrder]) -> str:
    """"坚果破了" 50 hours after signing: "超过签收后48小时，不再按运输破损处理；…" before "几件？"."""
    return rule_sentence(tracker, case) if _assessed_kind(tracker) in FAULTS else ""


def _assessed_kind(tracker: Tracker) -> Optional[RequestKind]:
    return assessed_kind(tracker.get_slot("as_kind"), tracker.get_slot("as_reason"))


def _assessed(tracker: Tracker, case: Optional[CaseOrder]) -> Optional[Tuple[Decision, ItemChoice, int]]:
    """(decision, item, quantity) for the form's current answers on ``case``, or None when something is missing."""
    kind = _assessed_kind(tracker)
    item = case.item(item_id_of(tracker)) if case else None
    if case is None or item is None or kind is None:
        return None
    quantity = int(tracker.get_slot("as_quantity") or 1)
    used = mentions_use(tracker.get_slot("as_reason") or "")
    return aftersales.decide_on(case, item, Request(kind, quantity, used), now()), item, quantity


# --- carrying out -----------------------------------------------------------------------------


class ActionAftersalesRequest(ThreadedAction):
    """Records the confirmed case exactly once, or explains why there is nothing to record."""

    writes = True

    def name(self) -> Text:
        return "action_aftersales_request"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        events = cleared_aftersales_form()
        customer, case = _buyer_case(tracker)
        if customer is None or case is None:
            return events  # the form already said why (no orders, failed check)
        events.append(SlotSet("focus_order_id", case.order_no))
        item = case.item(item_id_of(tracker))
        if not goes_ahead(case, tracker) or item is None:
            decision = _decision_before_delivery(case, tracker)
            return events + refuse(dispatcher, tracker, decision, case.order_no)
        if tracker.get_slot("order_confirm") is True:
            # the service re-checks everything in one transaction: a duplicate or a race ends in EXISTING
            quantity = int(tracker.get_slot("as_quantity") or 1)
            return events + self.submit(dispatcher, tracker, customer.id, case, item, quantity)
        existing = aftersales.open_request(customer.id, item.id)
        if existing is not None:
            say(dispatcher, as_replies.existing_reply(existing, POLICY.refund_to))
        elif item.returnable == 0:
            assessed = _assessed(tracker, case)
            if assessed is not None and assessed[0].claimed_before:
                events += refuse(dispatcher, tracker, assessed[0], case.order_no)  # past the rule's window anyway
            else:
                dispatcher.utter_message(response="utter_as_nothing_left", item=item.name)
        else:
            assessed = _assessed(tracker, case)
            if assessed is not None and (not assessed[0].eligible or assessed[0].offer not in OFFERS_TO_CONFIRM):
                events += refuse(dispatcher, tracker, assessed[0], case.order_no)
            elif assessed is not None:
                dispatcher.utter_message(response="utter_as_kept")
        return events

    def submit(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        customer_id: int,
        case: CaseOrder,
        item: ItemChoice,
        quantity: int,
    ) -> List[EventType]:
        """Record the case; what to say, and a handoff when the service found it beyond policy after all."""
        kind = _assessed_kind(tracker)
        assert kind is not None
        variant = tracker.get_slot("as_variant")
        submission = Submission(
            customer_id=customer_id,
            order_no=case.order_no,
            item_id=item.id,
            kind=kind,
            quantity=quantity,
            reason=tracker.get_slot("as_reason") or ("换尺码/颜色" if kind == RequestKind.EXCHANGE else ""),
            resolution=tracker.get_slot("as_resolution"),
            exchange_variant_id=int(variant) if variant else None,
            evidence=tracker.get_slot("as_photos"),
            used=mentions_use(tracker.get_slot("as_reason") or ""),
            sender_id=tracker.sender_id,
        )
        result = aftersales.submit(submission, now())
        if result.outcome == SubmitOutcome.CREATED and result.request is not None:
            say(dispatcher, as_replies.created_reply(result.request, POLICY))
        elif result.outcome == SubmitOutcome.EXISTING and result.request is not None:
            say(dispatcher, as_replies.existing_reply(result.request, POLICY.refund_to))
        elif result.outcome == SubmitOutcome.OUT_OF_STOCK:
            dispatcher.utter_message(response="utter_as_stock_gone")
        elif result.decision is not None:
            return refuse(dispatcher, tracker, result.decision, case.order_no)
        return []


def refuse(dispatcher: CollectingDispatcher, tracker: Tracker, decision: Decision, order_no: str) -> List[EventType]:
    """Explain why not; a case beyond what the policy lets the bot settle goes to staff at once (bot paused)."""
    say(dispatcher, as_replies.refusal_reply(decision, order_no))
    if decision.offer == Offer.HUMAN:
        return hand_to_staff(dispatcher, tracker, "beyond_policy", priority=2)
    return []


def _decision_before_delivery(case: CaseOrder, tracker: Tracker) -> Decision:
    """Not delivered yet: the policy says cancel instead, refuse the parcel, or wait."""
    kind = _assessed_kind(tracker) or RequestKind.NO_REASON_RETURN
    item = case.item(item_id_of(tracker)) or case.items[0]
    return aftersales.decide_on(case, item, Request(kind, 1), now())


class ActionStopAftersalesForm(ThreadedAction):
    """The buyer changed their mind ("算了不退了"): acknowledge and forget the half-filled form."""

    def name(self) -> Text:
        return "action_stop_aftersales_form"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_as_stopped")
        return cleared_aftersales_form()


class ActionResetAftersalesForm(ThreadedAction):
    """Silently forgets a half-filled aftersales_form when the buyer moved on."""

    def name(self) -> Text:
        return "action_reset_aftersales_form"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        return cleared_aftersales_form()


# --- status and withdrawal ----------------------------------------------------------------------


#: How far back a cancelled, paid order still counts as a refund the buyer may ask about.
CANCELLED_REFUND_DAYS = 14


def recently_cancelled_paid(customer_id: int, moment: datetime) -> List[OrderView]:
    """Paid orders cancelled lately: their money is on its way back, and "钱退哪" is about them first."""
    numbers = [c.order_no for c in orders.candidates(customer_id) if c.status == OrderStatus.CANCELLED]
    return [
        o for o in orders.orders(customer_id, numbers)
        if o.paid_at and o.cancelled_at and moment - o.cancelled_at <= timedelta(days=CANCELLED_REFUND_DAYS)
    ]


class ActionRefundStatus(ThreadedAction):
    """Where each of the buyer's cases stands: stage, amount, what happens next and by when."""

    def name(self) -> Text:
        return "action_refund_status"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        customer = orders.identify(tracker.sender_id)
        if customer is None:  # "退款多久到账啊" from anyone: the rule; their own case after the check
            dispatcher.utter_message(response="utter_policy_refund_time", **policy_values(POLICY))
            dispatcher.utter_message(response="utter_need_verification")
            return []
        found = aftersales.requests_of(customer.id)
        moment = now()
        cancelled = recently_cancelled_paid(customer.id, moment)
        still_open = aftersales.requests_of(customer.id, open_only=True, limit=10)
        weighed = self.order_being_weighed(tracker, bool(still_open or cancelled))  # a case closed long ago is no answer
        on_record = {r.order_no for r in found} | {o.order_no for o in cancelled}
        if weighed and weighed not in on_record:
            order = orders.order(customer.id, weighed)
            if order is not None:
                say(dispatcher, as_replies.refund_route_reply(order, POLICY, *self.chosen_item(tracker, customer, weighed)))
                return []
        if not found and not cancelled:
            dispatcher.utter_message(response="utter_refund_status_none")
            return []
        lines = "\n".join([*(cancelled_refund_line(o) for o in cancelled),
                           *(as_replies.status_line(r, POLICY, moment) for r in found)])
        cancellable = any(r.status in stages.BUYER_CANCELLABLE for r in found)
        dispatcher.utter_message(
            response="utter_refund_status_cancellable" if cancellable else "utter_refund_status", lines=lines
        )
        self.say_insurance(dispatcher, tracker, customer, found[0].order_no if found else None)
        return []

    @staticmethod
    def say_insurance(dispatcher: CollectingDispatcher, tracker: Tracker, customer: CustomerView,
                      newest_case_order: Optional[str]) -> None:
        """"我记得买了运费险的吧 钱退回哪里": whether the order has 运费险, beside where the money goes."""
        if "运费险" not in to_simplified(latest_text(tracker)):
            return
        order_no = tracker.get_slot("focus_order_id") or newest_case_order
        order = orders.order(customer.id, order_no) if order_no else None
        if order is not None:
            dispatcher.utter_message(text=f"订单 {order.order_no}：{insurance_note(order.freight_insurance)}")

    @staticmethod
    def order_being_weighed(tracker: Tracker, has_records: bool) -> Optional[str]:
        """The order a "钱退到哪" is about when no record answers it: the one a form is settling
        (a cancel or a return the buyer has not said yes to), else, with no records at all, the order in focus."""
        loop = (tracker.active_loop or {}).get("name")
        if loop == AFTERSALES_FORM or (loop == "order_form" and tracker.get_slot("order_purpose") == Purpose.CANCEL.value):
            return tracker.get_slot("order_id") or tracker.get_slot("focus_order_id")
        return None if has_records else tracker.get_slot("focus_order_id")

    @staticmethod
    def chosen_item(tracker: Tracker, customer: CustomerView, order_no: str) -> Tuple[Optional[ItemChoice], Optional[int]]:
        """The item and how many the after-sales form has settled, if it has."""
        item_id = item_id_of(tracker) if (tracker.active_loop or {}).get("name") == AFTERSALES_FORM else None
        if item_id is None:
            return None, None
        case = aftersales.case_order(customer.id, order_no)
        item = case.item(item_id) if case else None
        quantity = tracker.get_slot("as_quantity")
        if not quantity and item is not None:  # "退一件能退多少钱" before the form asked how many
            quantity = quantity_in(latest_text(tracker), latest_entities(tracker), item.quantity)
        return item, (int(float(quantity)) if quantity else None)


#: Words that make a withdrawal about an after-sales case, whatever else the message names.
CASE_WORDS = re.compile(r"售后|申请|退货单|换货单|退款单|RMA|撤销|撤回", re.IGNORECASE)


def names_an_order_to_cancel(text: str, entities: List[Dict[Text, Any]]) -> bool:
    """"把奶白那个取消吧": an order named by product, colour or number, and no word of a case."""
    return parse_reference(text, entities).names_itself and not CASE_WORDS.search(text or "")


class ActionCancelAftersales(ThreadedAction):
    """Withdraws the buyer's pending case after they confirm it by its number; asks which when several are open.

    "刚才那个售后现在啥进度了" was once read as a withdrawal and the case was gone
    at once; a withdrawal is irreversible for the buyer, so, like cancelling an
    order, it is asked first (naming the RMA number and the item) and only a yes
    to that very question withdraws it.
    """

    writes = True

    def name(self) -> Text:
        return "action_cancel_aftersales"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        pending = tracker.get_slot(PENDING_CASE_CANCEL)
        if pending and just_asked(tracker, self.name()):
            return self.settle(dispatcher, tracker, pending)
        if latest_intent(tracker) in ("affirm", "deny"):  # a stale question: the buyer moved on since
            dispatcher.utter_message(response="utter_how_can_help")
            return [SlotSet(PENDING_CASE_CANCEL, None)]
        customer = orders.identify(tracker.sender_id)
        if customer is None:
            dispatcher.utter_message(response="utter_need_verification")
            return []
        named = first_entity(latest_entities(tracker), "rma_no")
        if named is None:
            match = RMA_PATTERN.search(latest_text(tracker))
            named = match.group(0).upper() if match else None
        open_cases = [r for r in aftersales.requests_of(customer.id, open_only=True, limit=10) if r.status in stages.BUYER_CANCELLABLE]
        if named is None:
            if not open_cases and names_an_order_to_cancel(latest_text(tracker), latest_entities(tracker)):
                # "把奶白那个取消吧" with no case open: an order to cancel (asked to confirm), not a case
                return [SlotSet("order_purpose", "cancel"), FollowupAction("order_form")]
            if not open_cases:
                dispatcher.utter_message(response="utter_as_nothing_to_cancel")
                return []
            if len(open_cases) > 1:
                lines = "\n".join(
                    f"· {r.rma_no}｜{r.item_name}×{r.quantity}｜{r.kind.value}｜{r.status.value}" for r in open_cases
                )
                buttons = [{"title": r.rma_no, "payload": f"撤销{r.rma_no}"} for r in open_cases]
                dispatcher.utter_message(response="utter_as_which_to_cancel", lines=lines, buttons=buttons)
                return []
            named = open_cases[0].rma_no
        case = next((r for r in open_cases if r.rma_no == named), None)
        if case is None:
            return self.withdraw(dispatcher, tracker, named)  # not withdrawable: the refusal says why
        dispatcher.utter_message(response="utter_as_confirm_cancel", **as_replies.record_values(case))
        return [SlotSet(PENDING_CASE_CANCEL, named)]

    def settle(self, dispatcher: CollectingDispatcher, tracker: Tracker, rma_no: str) -> List[Dict[Text, Any]]:
        """The buyer's answer to "确认撤销 RMA… 吗？"."""
        answer = interpret_confirmation(latest_text(tracker), latest_intent(tracker), CASE_CANCEL_ANSWERS)
        if answer is None and "撤销" in latest_text(tracker) and not REFUSAL.search(latest_text(tracker)):
            answer = True  # "撤销吧" / "确认撤销"
        if answer is None:
            dispatcher.utter_message(response="utter_as_confirm_cancel_again", rma_no=rma_no)
            return []
        if not answer:
            dispatcher.utter_message(response="utter_as_cancel_kept", rma_no=rma_no)
            return [SlotSet(PENDING_CASE_CANCEL, None)]
        return [*self.withdraw(dispatcher, tracker, rma_no), SlotSet(PENDING_CASE_CANCEL, None)]

    @staticmethod
    def withdraw(dispatcher: CollectingDispatcher, tracker: Tracker, rma_no: str) -> List[Dict[Text, Any]]:
        customer = orders.identify(tracker.sender_id)
        if customer is None:
            dispatcher.utter_message(response="utter_need_verification")
            return []
        result = aftersales.cancel(customer.id, rma_no, f"buyer:{tracker.sender_id}", now())
        if result.done and result.request is not None:
            say(dispatcher, as_replies.Reply("utter_as_cancelled", as_replies.record_values(result.request)))
        else:
            dispatcher.utter_message(response="utter_as_cannot_cancel", rma_no=rma_no, rule=result.reason)
        return []
