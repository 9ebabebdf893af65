"""Which questions a form still has to ask: pure decisions over what the turn knows.

Both forms (``order_form``, ``aftersales_form``) follow the same pattern: an
unknown sender proves who they are (phone + an order number), then the order
is settled, then whatever the request needs. The list of questions depends on
what is already known (a concrete kind of case needs no reason, an order that
cannot be cancelled needs no confirmation), so it is recomputed on every turn;
the first question without an answer is the one asked next.

While something that decides the list is still unknown, the questions it may
need are listed anyway: the buyer often answers them before they are asked
("T恤不喜欢 退1件 换42码"), and only listed questions are read from a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Sequence

from bot.orders.reference import Purpose
from bot.policy.decisions import Offer

VERIFY = ["verify_phone", "verify_order_no"]
ORDER = "order_id"
CONFIRM = "order_confirm"

#: Offers the bot carries out after a yes; the rest are explained and end the form.
OFFERS_TO_CONFIRM: FrozenSet[Offer] = frozenset(
    {Offer.RETURN_REFUND, Offer.EXCHANGE, Offer.RESHIP_OR_REFUND, Offer.REFUND_ONLY, Offer.REPAIR}
)
#: What an offer needs to know before its yes-or-no: the size/colour wanted, reship or money back.
OFFER_QUESTIONS: Dict[Offer, List[str]] = {
    Offer.EXCHANGE: ["as_variant"],
    Offer.RESHIP_OR_REFUND: ["as_resolution"],
}
#: Asked when the offer is not known yet, so an answer given early is read ("换42码", "补发吧", "有照片").
ALL_OFFER_QUESTIONS = ["as_variant", "as_resolution", "as_photos"]


class Buyer(Enum):
    """How far the turn got with who the buyer is."""

    KNOWN = "known"          # linked to a customer (earlier check, or a platform login)
    UNVERIFIED = "unverified"
    LOCKED_OUT = "locked"    # too many wrong pairs: nothing more is asked, a person can still help
    NO_ORDERS = "no_orders"  # known, but nothing to talk about


@dataclass(frozen=True)
class OrderRequest:
    """What order_form knows: the buyer, what they want done, and whether the order allows it."""

    buyer: Buyer
    purpose: Purpose
    #: None while the order is not settled; True when the order cannot be changed that way
    #: (shipped, already cancelled …): the submit action explains why, nothing is asked.
    refused: Optional[bool] = None


def order_questions(state: OrderRequest) -> List[str]:
    """order_form's questions: identity, the order, then the address and a yes for a change."""
    questions = _identity_and_order(state.buyer)
    if questions is None:
        return []
    if state.refused:
        return questions
    if state.purpose == Purpose.CHANGE_ADDRESS:
        return questions + ["new_address", CONFIRM]
    if state.purpose == Purpose.CANCEL:
        return questions + [CONFIRM]
    return questions


@dataclass(frozen=True)
class AftersalesCase:
    """What aftersales_form knows. ``None`` means "not known yet" (the order or item is not chosen)."""

    buyer: Buyer
    #: False for an order not yet delivered: the submit action offers cancelling or refusing it.
    delivered: Optional[bool] = None
    #: True when the item already has an open case or nothing left to send back.
    item_closed: Optional[bool] = None
    #: False when the kind itself says which rule applies (exchange, damaged …).
    reason_needed: bool = True
    #: The policy's offer once item, quantity and kind are known; None before.
    offer: Optional[Offer] = None
    eligible: bool = True
    needs_photos: bool = False
    #: False when the case is out of policy whatever the quantity ("坚果破了" 50 hours after signing):
    #: asking "几件？" first would only delay the rule the buyer needs to hear.
    quantity_needed: bool = True


def aftersales_questions(state: AftersalesCase) -> List[str]:
    """aftersales_form's questions, in the order a 客服 asks them.

    The kind comes first: the opening message always answers it (the intent
    that opened the form), and reading it first lets an apology precede any question.
    """
    questions = _identity_and_order(state.buyer)
    if questions is None:
        return []
    questions = ["as_kind", *questions]
    if state.delivered is False:
        return questions
    questions.append("as_item")
    if state.item_closed:
        return questions
    if state.quantity_needed:
        questions.append("as_quantity")
    if state.reason_needed:
        questions.append("as_reason")
    if state.offer is None:
        return questions + ALL_OFFER_QUESTIONS + [CONFIRM]
    if not state.eligible or state.offer not in OFFERS_TO_CONFIRM:
        return questions
    questions += OFFER_QUESTIONS.get(state.offer, [])
    if state.needs_photos:
        questions.append("as_photos")
    return questions + [CONFIRM]


def next_question(questions: Sequence[str], answers: Mapping[str, Any]) -> Optional[str]:
    """The first question without an answer; None when the form has all it needs."""
    return next((name for name in questions if answers.get(name) is None), None)


def _identity_and_order(buyer: Buyer) -> Optional[List[str]]:
    if buyer in (Buyer.LOCKED_OUT, Buyer.NO_ORDERS):
        return None
    return ([] if buyer == Buyer.KNOWN else list(VERIFY)) + [ORDER]


#: Questions a plain "不/算了" answers by ending the form (the stop rule says so), per form.
STOP_WHEN_DENIED: Dict[str, FrozenSet[str]] = {
    "order_form": frozenset({ORDER, *VERIFY, "new_address"}),
    "aftersales_form": frozenset({ORDER, *VERIFY, "as_item", "as_quantity", "as_reason", "as_variant", "as_resolution"}),
}


def ends_form(form: str, intent: str, requested: Optional[str], corrects: bool = False) -> bool:
    """"算了不退了 / 都不是" while a question of ``form`` is open: the buyer is leaving, not answering.

    A "no" that names what was meant instead ("不对 不是T恤 是帆布鞋") corrects the form and keeps it going.
    """
    return intent == "deny" and not corrects and requested in STOP_WHEN_DENIED.get(form, frozenset())


def is_digression(intent: str, form_intents: FrozenSet[str]) -> bool:
    """A message with an intent the form does not read is answered by the rules; the form resumes after."""
    return intent not in form_intents
