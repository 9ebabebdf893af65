"""Order actions: identify the buyer, find the order they mean, answer or change it.

One form, ``order_form``, serves every order request. What it asks depends on
the purpose (set from the intent) and on the buyer: unknown senders verify
first (phone + order number), then the order is resolved, then an address and
a confirmation are collected when something is about to change. The decision
logic lives in ``bot.orders``; these classes only translate between Rasa and it.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    POLICY,
    ThreadedAction,
    just_asked,
    latest_entities,
    latest_text,
    now,
    orders,
    recent_user_messages,
    say,
)
from actions.form_step import FormTurn, purpose_of
from bot.complaints.classifier import is_upset
from bot.crm.models import OrderStatus
from bot.forms.questions import OrderRequest, order_questions
from bot.nlu.shop_rules import CORRECTED_TARGET
from bot.orders import replies, rules
from bot.orders.address import ParsedAddress, corrected_address, parse_address
from bot.orders.confirm import interpret_confirmation
from bot.orders.details import Facet, asked_facets, detail_replies
from bot.orders.reference import Purpose, parse_reference, several_orders, shortlist
from bot.orders.service import CustomerView, OrderView
from bot.policy.answers import policy_values

#: Intents that answer the form's questions or redirect it; anything else is a digression
#: the form rejects so the rules can answer it and come back.
ORDER_FORM_INTENTS = frozenset(
    {
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
)
ORDER_SLOTS_TO_RESET = [
    "order_id",
    "order_candidates",
    "new_address",
    "several_orders",
    "order_confirm",
    "order_purpose",
    "verify_phone",
    "verify_order_no",
]


def cleared_order_form() -> List[Dict[Text, Any]]:
    """Events that forget a finished or abandoned order form (the focus order stays)."""
    return [SlotSet(name, None) for name in ORDER_SLOTS_TO_RESET]


class ValidateOrderForm(FormTurn):
    """order_form's turn: who the buyer is, which order, and for a change the address and a yes."""

    form_intents = ORDER_FORM_INTENTS
    #: True once this turn read a new address: its own confirmation is still to be asked.
    address_given = False
    #: True when this turn took up the address already put to the buyer, with a yes in the same message.
    agreed_in_passing = False

    def name(self) -> Text:
        return "validate_order_form"

    def questions(self) -> List[str]:
        return order_questions(OrderRequest(self.buyer(), self.purpose, self.refused()))

    def refused(self) -> Optional[bool]:
        """True when the chosen order cannot be changed this way (the submit action says why)."""
        order = self.order()
        if order is None:
            return None
        if self.purpose == Purpose.CANCEL:
            return replies.cancel_refusal(order) is not None
        if self.purpose == Purpose.CHANGE_ADDRESS:
            return replies.address_refusal(order) is not None
        return False

    def order(self) -> Optional[OrderView]:
        customer, order_id = self.customer(), self.slot("order_id")
        if customer is None or not order_id or self.purpose not in (Purpose.CANCEL, Purpose.CHANGE_ADDRESS):
            return None
        return self.remembered(("order", order_id), lambda: orders.order(customer.id, order_id))

    def answering_other(self) -> bool:
        return self.requested in ("new_address", "order_confirm")

    def forget_for_another_order(self) -> Dict[Text, Any]:
        """Another order now: a yes given about the previous one confirms nothing about this one."""
        return {"order_confirm": None, "new_address": None}

    def extract_new_address(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if self.purpose != Purpose.CHANGE_ADDRESS or self.order() is None or self.refused():
            return {}
        typed = parse_address(self.text)
        proposed = None if typed else self.proposal_taken_up()
        if proposed is not None:
            # "就按501那个改 确认": the address already put to the buyer for this very order, and a yes to it
            self.address_given = interpret_confirmation(self.text, self.intent, self.answer_intents) is not True
            self.agreed_in_passing = not self.address_given
            return {"new_address": proposed, "order_confirm": None if self.address_given else True}
        parsed = typed or self.address_said_before() or self.address_corrected()
        if parsed is not None and self.intent != "affirm":
            # a new address always gets its own "确认修改吗？", whatever was agreed before
            self.address_given = True
            return {"new_address": json.dumps(parsed.__dict__, ensure_ascii=False), "order_confirm": None}
        if self.requested == "new_address" and BOTH.search(self.text) and self.slot("other_orders"):
            self.tell_other_shipped()  # "两件都改吧": the other one shipped, as said; this one's new address is still wanted
            return {"new_address": None}
        if self.requested == "new_address" and not self.is_digression():
            dispatcher.utter_message(response="utter_address_invalid")
            return {"new_address": None}
        return {}

    def extract_order_confirm(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if self.address_given or self.agreed_in_passing:
            return {}  # a new address this turn ("不对 改成…") gets its own question; one taken up with a yes has it
        if self.cancellation_agreed_again():
            return {"order_confirm": True}
        if self.requested == "order_confirm" and BOTH.search(self.text) and self.slot("other_orders"):
            self.tell_other_shipped()  # "两件都改": the other one shipped, as said; this one's yes is still wanted
            return {"order_confirm": None}
        return super().extract_order_confirm(dispatcher, tracker, domain)

    def cancellation_agreed_again(self) -> bool:
        """"行吧 键盘那单确认取消" after being asked to confirm cancelling the keyboard (a question came between):
        the order named is the one already put to the buyer, and the message itself says yes to cancelling it."""
        if self.purpose != Purpose.CANCEL or self.requested == "order_confirm" or not self.slot("order_id"):
            return False
        proposal = self.proposal()
        named = parse_reference(self.text, latest_entities(self.tracker)).names_itself
        return (proposal.get("purpose") == Purpose.CANCEL.value and proposal.get("order_id") == self.slot("order_id")
                and named and "取消" in self.text and interpret_confirmation(self.text, self.intent, self.answer_intents) is True)

    def tell_other_shipped(self) -> None:
        customer = self.customer()
        others = set(self.slot("other_orders") or [])
        shipped = [c for c in orders.candidates(customer.id) if c.order_no in others] if customer else []
        self.tell_shipped([c for c in shipped if c.status == OrderStatus.SHIPPED])

    def proposal(self) -> Dict[str, Any]:
        """The change last put to the buyer (``proposed_change``): its order and a new address or the cancellation."""
        try:
            found = json.loads(self.slot(PROPOSED_CHANGE) or "{}")
        except ValueError:
            return {}
        return found if isinstance(found, dict) else {}

    def proposal_taken_up(self) -> Optional[str]:
        """The address last put to the buyer for this order, when they point back at it ("就按501那个改")."""
        proposal = self.proposal()
        address = _address_from_slot(proposal.get("new_address"))
        if address is None or proposal.get("order_id") != self.slot("order_id") or not SAME_ADDRESS.search(self.text):
            return None
        number = BY_NUMBER.search(self.text)
        return proposal["new_address"] if number is None or number.group(1) in address.address else None

    def address_corrected(self) -> Optional[ParsedAddress]:
        """"不对 门牌号打错了 是张杨路501号": the address awaiting its yes, with the street the buyer retyped."""
        pending = _address_from_slot(self.slot("new_address"))
        return corrected_address(pending, self.text) if pending is not None else None

    def address_said_before(self) -> Optional[ParsedAddress]:
        """"那跑鞋那单改成这个地址", "不对 是跑步鞋那单要改": the address the buyer typed a moment ago."""
        if not (SAME_ADDRESS.search(self.text) or CORRECTED_TARGET.search(self.text)):
            return None
        for earlier in reversed(recent_user_messages(self.tracker, 4)[:-1]):
            parsed = parse_address(earlier)
            if parsed is not None:
                return parsed
        return None


#: The change last put to the buyer, kept after the form ends so a later "就按501那个改 确认" can take it up.
PROPOSED_CHANGE = "proposed_change"
#: "啥状态 / 什么情况": how the order stands, asked beside a detail.
STATUS_ASKED = re.compile(r"(啥|什么)(状态|情况)|状态(是)?(啥|什么)")
#: "两件都改 / 都改一下": every order of the product, including one that can no longer change.
BOTH = re.compile(r"(两|几|这)(件|单|个|双)(都|一起)|都(改|取消|帮我)|全(都)?(改|取消)")
#: "这个地址 / 刚才那个地址 / 同一个地址": an address given earlier in the conversation.
SAME_ADDRESS = re.compile(r"这个地址|这地址|刚才(那个|的)地址|上面(那个|的)地址|同一个地址|一样的地址|同样的地址|按刚才(说|发|给)的"
                          r"|(就)?按(照)?(刚才|之前|上面)?的?(那个|这个|\d+(号)?那个|新的那个)(地址)?改|按\d+(号)?的?(地址)?改")
#: "按501那个改": the house number that picks the address meant.
BY_NUMBER = re.compile(r"按(?:照)?(?:刚才|之前|上面)?的?(\d+)")


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
        for other in self.asked_beside(tracker, customer, order_id):  # "黑色那件到哪了 … 奶白那件改个地址": both
            say(dispatcher, replies.logistics_reply(other, now()))
        if purpose_of(tracker) == Purpose.CHANGE_ADDRESS:
            new = _address_from_slot(tracker.get_slot("new_address"))
            if new is None:
                return []
            values["new_address"] = describe_address(new)
            dispatcher.utter_message(response="utter_confirm_address", **values)
            proposal = {"order_id": order_id, "new_address": tracker.get_slot("new_address")}
        else:  # a paid order: where the money goes, before the yes ("没发货的话能直接取消吧 钱退哪")
            paid = order.paid_at is not None
            if order.status == OrderStatus.AWAITING_SHIPMENT and rules.is_ship_overdue(order.paid_at, now()):
                dispatcher.utter_message(response="utter_sorry_upset")  # "三天了还不发 不要了": our delay, said first
            dispatcher.utter_message(response="utter_confirm_cancel_paid" if paid else "utter_confirm_cancel",
                                     payment_method=order.payment_method or "原支付账户", **values)
            proposal = {"order_id": order_id, "purpose": Purpose.CANCEL.value}
        return [SlotSet(PROPOSED_CHANGE, json.dumps(proposal, ensure_ascii=False))]


    @staticmethod
    def asked_beside(tracker: Tracker, customer: CustomerView, order_id: str) -> List[OrderView]:
        """Other orders the message asks where they are, beside the change it asks for ("…到哪了 … 改个地址")."""
        if not WHERE_ASKED.search(latest_text(tracker)):
            return []
        named = several_orders(latest_text(tracker), latest_entities(tracker), orders.candidates(customer.id), Purpose.LOGISTICS)
        found = (orders.order(customer.id, no) for no in named if no != order_id)
        return [o for o in found if o is not None]


#: "现在到哪了 / 发货了没": where an order stands, asked in a message that also asks a change.
WHERE_ASKED = re.compile(r"到哪|物流|发货了|发了没|发货没|(什么时候|啥时候|哪天)(能)?到")


class ActionAskVerifyPhone(ThreadedAction):
    """Asks for the phone that proves who the buyer is; after a rule question answered meanwhile, only
    leaves the way open: anyone may ask the rules, and a stranger who turned to them is not pressed."""

    slot = "verify_phone"
    responses = ("utter_ask_verify_phone", "utter_resume_verify_phone")  # asked, and left open after a rule

    def name(self) -> Text:
        return f"action_ask_{self.slot}"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        resumed = "action_answer_policy" in actions_this_turn(tracker)
        dispatcher.utter_message(response=self.responses[1] if resumed else self.responses[0])
        return []


class ActionAskVerifyOrderNo(ActionAskVerifyPhone):
    slot = "verify_order_no"
    responses = ("utter_ask_verify_order_no", "utter_resume_verify_order_no")


def actions_this_turn(tracker: Tracker) -> List[str]:
    """The bot's actions since the buyer's latest message."""
    names: List[str] = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "action" and event.get("name"):
            names.append(event["name"])
    return names


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


def names_an_order(tracker: Tracker) -> bool:
    return parse_reference(latest_text(tracker), latest_entities(tracker)).names_itself


class ActionOrderRequest(ThreadedAction):
    """Carries out the request once order_form has what it needs, then clears the form."""

    writes = True

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
        several = orders.orders(customer.id, tracker.get_slot("several_orders") or [])
        if len(several) >= 2:
            for each in several:  # one message, several orders: where each one stands
                say(dispatcher, replies.status_reply(each, now()))
            return events + [SlotSet("focus_order_id", several[0].order_no)]
        self.carry_out(dispatcher, tracker, customer, order)
        return events + [SlotSet("focus_order_id", order_id)]

    def carry_out(self, dispatcher: CollectingDispatcher, tracker: Tracker, customer: CustomerView, order: OrderView) -> None:
        purpose = purpose_of(tracker)
        actor = f"buyer:{tracker.sender_id}"
        confirmed = tracker.get_slot("order_confirm") is True
        facets = [f for f in asked_facets(latest_text(tracker)) if purpose in (Purpose.STATUS, Purpose.LOGISTICS)]
        if purpose in (Purpose.STATUS, Purpose.LOGISTICS) and is_upset(latest_text(tracker)):
            dispatcher.utter_message(response="utter_sorry_upset")  # "还没到！！什么破快递": sorry before the trace
        if facets == [Facet.ADDRESS] and just_asked(tracker, "action_aftersales_request") and not names_an_order(tracker):
            # "寄到哪" right after a return was opened: where the goods go back, not this order's address
            dispatcher.utter_message(response="utter_policy_return_address", **policy_values(POLICY))
            return
        if facets and set(facets) - {Facet.ETA, Facet.NEXT_STOP}:
            if STATUS_ASKED.search(latest_text(tracker)):
                say(dispatcher, replies.status_reply(order, now()))  # "那它现在啥状态 寄到哪个地址": both
            for reply in detail_replies(order, facets, now()):  # "谁签收的 放哪儿了": the asked details, not the whole status
                say(dispatcher, reply)
        elif purpose == Purpose.STATUS:
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
