"""What an after-sales message says about the case: its kind, its reason, whether to apologise.

Pure reading for ``aftersales_form`` (the CRM is not needed to know that "收到就是碎的"
is a damaged parcel and its own reason). The action stores the results in slots;
``bot.forms.questions`` then decides what is still to ask.
"""

from __future__ import annotations

import re
from typing import Dict, FrozenSet, Optional, Sequence

from bot.aftersales.reading import reason_kind
from bot.policy.decisions import RequestKind

#: The intent that opened (or redirected) the form → what the buyer is asking for.
INTENT_KIND: Dict[str, str] = {
    "request_return": "return",
    "request_exchange": RequestKind.EXCHANGE.value,
    "request_refund": "refund",
    "report_quality_issue": RequestKind.QUALITY_ISSUE.value,
    "report_damaged": RequestKind.DAMAGED.value,
    "report_wrong_or_missing": RequestKind.WRONG_OR_MISSING.value,
}
#: Cases that are the shop's fault or the goods': the buyer hears an apology before any question.
FAULT_REQUESTS: FrozenSet[RequestKind] = frozenset(
    {RequestKind.QUALITY_ISSUE, RequestKind.DAMAGED, RequestKind.WRONG_OR_MISSING}
)
FAULT_KINDS = frozenset(kind.value for kind in FAULT_REQUESTS)
#: Cases the shop puts right by sending the goods again (补发): a swap asked for is that, not an exchange.
RESHIPPED_KINDS = frozenset({RequestKind.DAMAGED.value, RequestKind.WRONG_OR_MISSING.value})
#: Asked kinds that need a reason before the policy can say which rule applies
#: (a return without a reason is a 7-day no-reason return; a refund needs one).
NEEDS_REASON: Dict[str, Optional[RequestKind]] = {"return": RequestKind.NO_REASON_RETURN, "refund": None}
#: Intents that leave the answer to "为什么退？" to the reason reader, not free text.
NOT_A_REASON = frozenset({"nlu_fallback", "affirm"})
REASON_LENGTH = 200
#: "确认退 / 就退吧 / 直接退": a return insisted on in answer to "why?".
JUST_RETURN = re.compile(r"确认|就退|直接退|退吧|退了吧|退掉")


def request_kind(kind_slot: Optional[str]) -> Optional[RequestKind]:
    """The policy's kind for a slot value; None while a reason must still say which."""
    if kind_slot in NEEDS_REASON or not kind_slot:
        return None
    return RequestKind(kind_slot)


def is_exchange(kind_slot: str) -> bool:
    return kind_slot == RequestKind.EXCHANGE.value


def new_kind(intent: str, current: Optional[str], answering_reason: bool) -> Optional[str]:
    """The kind this message sets: the opening intent's, or a change between exchange and money back.

    Other after-sales intents later in the form are answers ("退1件" may be
    labelled request_return inside a quality case), not a new request.
    """
    asked = INTENT_KIND.get(intent)
    if current is None:
        return asked or "return"
    if asked is None or answering_reason or is_exchange(asked) == is_exchange(current):
        return None
    if current in RESHIPPED_KINDS and is_exchange(asked):
        return None  # "发错了 … 给我换成白色的": the shop's fault, put right by sending the right goods
    return asked


def stated_reason(kind: str, text: str, earlier: Sequence[str] = ()) -> Optional[str]:
    """The reason the buyer already gave, if any: the opening message itself ("收到就是碎的", "坚果不想要了"),
    the message just before "那帮我退了吧" ("有点挤脚 能退吗"), or a fault told a few messages earlier."""
    if is_exchange(kind):
        return None
    if request_kind(kind) is not None or reason_kind(text) is not None:
        return text[:REASON_LENGTH]
    if earlier and reason_kind(earlier[-1]) == RequestKind.NO_REASON_RETURN:
        return earlier[-1][:REASON_LENGTH]
    for message in reversed(earlier):  # "穿了一天就开胶了" … "我要投诉" … "那就退了吧": the fault told before
        if reason_kind(message) in FAULT_REQUESTS:
            return message[:REASON_LENGTH]
    return None


def reason_answer(text: str, intent: str, kind: Optional[str], answering: bool, digression: bool) -> Optional[str]:
    """The reason in a message: one the reader recognises, or (when "为什么？" was asked) any words
    for a return, whose rule does not depend on them. None when the message gives no usable reason."""
    if reason_kind(text) is not None:
        return text[:REASON_LENGTH]
    if answering and kind == "return" and JUST_RETURN.search(text):
        return "无理由退货"  # "行 确认退": no reason to give, a return all the same (its rule needs none)
    free_text = answering and intent not in NOT_A_REASON and not digression
    if free_text and NEEDS_REASON.get(kind or "") is not None:
        return text[:REASON_LENGTH]
    return None


def assessed_kind(kind_slot: Optional[str], reason: Optional[str]) -> Optional[RequestKind]:
    """The kind the policy decides on: the asked one, else the one the reason shows."""
    kind = request_kind(kind_slot)
    if kind is None:
        kind = reason_kind(reason or "") or NEEDS_REASON.get(kind_slot or "")
    return kind


def owes_apology(intent: str, text: str) -> bool:
    """Damaged, wrong or faulty goods: the shop's fault, so sorry comes before any question."""
    return INTENT_KIND.get(intent) in FAULT_KINDS or reason_kind(text) in FAULT_REQUESTS
