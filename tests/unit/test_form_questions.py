"""What the forms ask next (bot.forms): tables of states and of buyers' phrasings, no CRM needed."""

from __future__ import annotations

from typing import Optional

import pytest

from bot.forms.aftersales import assessed_kind, new_kind, owes_apology, reason_answer, request_kind, stated_reason
from bot.forms.questions import (
    AftersalesCase,
    Buyer,
    OrderRequest,
    aftersales_questions,
    ends_form,
    next_question,
    order_questions,
)
from bot.orders.reference import Purpose
from bot.policy.decisions import Offer, RequestKind

ORDER = "9637241508601779"


@pytest.mark.parametrize(
    "state, questions",
    [
        (OrderRequest(Buyer.UNVERIFIED, Purpose.STATUS), ["verify_phone", "verify_order_no", "order_id"]),
        (OrderRequest(Buyer.KNOWN, Purpose.STATUS), ["order_id"]),
        (OrderRequest(Buyer.KNOWN, Purpose.LOGISTICS, refused=False), ["order_id"]),
        (OrderRequest(Buyer.KNOWN, Purpose.CANCEL), ["order_id", "order_confirm"]),
        (OrderRequest(Buyer.KNOWN, Purpose.CANCEL, refused=True), ["order_id"]),  # shipped: explained, not asked
        (OrderRequest(Buyer.KNOWN, Purpose.CHANGE_ADDRESS), ["order_id", "new_address", "order_confirm"]),
        (OrderRequest(Buyer.KNOWN, Purpose.CHANGE_ADDRESS, refused=True), ["order_id"]),
        (OrderRequest(Buyer.LOCKED_OUT, Purpose.CANCEL), []),
        (OrderRequest(Buyer.NO_ORDERS, Purpose.STATUS), []),
    ],
)
def test_order_form_questions(state: OrderRequest, questions: list) -> None:
    assert order_questions(state) == questions


@pytest.mark.parametrize(
    "state, questions",
    [
        # nothing known yet: every question an opening message may already answer is read
        (
            AftersalesCase(Buyer.KNOWN),
            ["as_kind", "order_id", "as_item", "as_quantity", "as_reason", "as_variant", "as_resolution", "as_photos",
             "order_confirm"],
        ),
        (AftersalesCase(Buyer.UNVERIFIED, delivered=False), ["as_kind", "verify_phone", "verify_order_no", "order_id"]),
        (AftersalesCase(Buyer.KNOWN, delivered=True, item_closed=True), ["as_kind", "order_id", "as_item"]),
        (
            AftersalesCase(Buyer.KNOWN, True, False, reason_needed=False, offer=Offer.EXCHANGE),
            ["as_kind", "order_id", "as_item", "as_quantity", "as_variant", "order_confirm"],
        ),
        (
            AftersalesCase(Buyer.KNOWN, True, False, False, Offer.RESHIP_OR_REFUND, needs_photos=True),
            ["as_kind", "order_id", "as_item", "as_quantity", "as_resolution", "as_photos", "order_confirm"],
        ),
        (
            AftersalesCase(Buyer.KNOWN, True, False, True, Offer.RETURN_REFUND),
            ["as_kind", "order_id", "as_item", "as_quantity", "as_reason", "order_confirm"],
        ),
        # past the policy's limits, or something only a person decides: explained, nothing to confirm
        (AftersalesCase(Buyer.KNOWN, True, False, True, Offer.RETURN_REFUND, eligible=False),
         ["as_kind", "order_id", "as_item", "as_quantity", "as_reason"]),
        (AftersalesCase(Buyer.KNOWN, True, False, False, Offer.HUMAN), ["as_kind", "order_id", "as_item", "as_quantity"]),
        (AftersalesCase(Buyer.LOCKED_OUT), []),
    ],
)
def test_aftersales_form_questions(state: AftersalesCase, questions: list) -> None:
    assert aftersales_questions(state) == questions


def test_the_first_unanswered_question_is_asked_and_an_answered_form_is_done() -> None:
    questions = ["as_kind", "order_id", "as_item", "order_confirm"]
    assert next_question(questions, {"as_kind": "return", "order_id": ORDER}) == "as_item"
    assert next_question(questions, {"as_kind": "return", "order_id": ORDER, "as_item": "3", "order_confirm": False}) is None


# --- phrasings: what the opening message already answers ----------------------------------------------


def next_after_opening(intent: str, text: str, earlier: tuple = ()) -> Optional[str]:
    """The question after "which order / item / how many" for a delivered order, given only the opening."""
    kind = new_kind(intent, None, answering_reason=False)
    assert kind is not None
    reason = stated_reason(kind, text, earlier)
    decided = request_kind(kind) is not None or reason is not None
    state = AftersalesCase(
        Buyer.KNOWN, delivered=True, item_closed=False, reason_needed=request_kind(kind) is None,
        offer=Offer.EXCHANGE if kind == RequestKind.EXCHANGE.value else Offer.RETURN_REFUND if decided else None,
    )
    answers = {"as_kind": kind, "as_reason": reason, "order_id": ORDER, "as_item": "7", "as_quantity": 1.0}
    return next_question(aftersales_questions(state), answers)


@pytest.mark.parametrize(
    "intent, text, earlier, asked_next",
    [
        ("request_return", "帆布鞋不喜欢 想退掉", (), "order_confirm"),
        ("request_return", "鞋子有点挤脚能退吗", (), "order_confirm"),
        ("request_return", "坚果不想要了 退了吧", (), "order_confirm"),
        ("request_return", "那帮我退了吧", ("穿着有点挤脚 能退吗",), "order_confirm"),
        ("request_return", "我要退货", (), "as_reason"),
        ("request_return", "退货", ("你们几点下班",), "as_reason"),
        ("request_refund", "申请退款", (), "as_reason"),
        ("report_damaged", "收到就是碎的", (), "order_confirm"),
        ("report_quality_issue", "穿了一天就开胶了", (), "order_confirm"),
        ("request_exchange", "想换个大一码的", (), "as_variant"),
        # a fault told a few messages back, a complaint in between ("那就退了吧")
        ("request_return", "那就退了吧", ("穿了一天鞋底就开胶了", "我要投诉 给我个说法", "退货运费谁掏"), "order_confirm"),
        ("request_return", "那就退了吧", ("你们几点下班", "运费谁出"), "as_reason"),
        ("request_return", "口红豆沙色涂上显黑 想退了", (), "order_confirm"),
    ],
)
def test_a_reason_in_the_opening_is_not_asked_again(intent: str, text: str, earlier: tuple, asked_next: str) -> None:
    assert next_after_opening(intent, text, earlier) == asked_next


@pytest.mark.parametrize(
    "intent, current, answering_reason, kind",
    [
        ("request_return", None, False, "return"),
        ("report_damaged", None, False, "damaged"),
        ("greet", None, False, "return"),  # opened by a rule on another intent: a return until said otherwise
        ("request_exchange", "return", False, "exchange"),  # "还是换个码吧": a change of mind
        ("request_refund", "exchange", False, "refund"),
        ("request_return", "quality_issue", False, None),  # "退1件" inside a quality case is an answer
        ("request_exchange", "return", True, None),  # answering "为什么退？" with "想换" is a reason
        ("inform", "return", False, None),
        ("request_exchange", "wrong_or_missing", False, None),  # "给我换成白色的" puts the shop's mistake right
        ("request_exchange", "damaged", False, None),
    ],
)
def test_the_kind_changes_only_between_exchange_and_money_back(
    intent: str, current: Optional[str], answering_reason: bool, kind: Optional[str]
) -> None:
    assert new_kind(intent, current, answering_reason) == kind


@pytest.mark.parametrize(
    "text, intent, kind, answering, reason",
    [
        ("尺码偏小", "inform", "return", True, "尺码偏小"),
        ("就是不想要了", "inform", "refund", False, "就是不想要了"),  # a recognised reason, asked or not
        ("朋友让我退的", "inform", "return", True, "朋友让我退的"),  # any words do for a no-reason return
        ("朋友让我退的", "inform", "refund", True, None),  # a refund's rule depends on the reason
        ("好的", "affirm", "return", True, None),
        ("你们几点下班", "ask_hours", "return", True, None),  # a digression answers nothing
        ("行 确认退", "affirm", "return", True, "无理由退货"),  # a return insisted on needs no reason
        ("行 确认退", "affirm", "refund", True, None),  # a refund's rule still depends on one
    ],
)
def test_reading_the_answer_to_why(text: str, intent: str, kind: str, answering: bool, reason: Optional[str]) -> None:
    assert reason_answer(text, intent, kind, answering, digression=intent == "ask_hours") == reason


def test_the_assessed_kind_comes_from_the_request_or_else_the_reason() -> None:
    assert assessed_kind("exchange", None) == RequestKind.EXCHANGE
    assert assessed_kind("return", "收到的时候盒子是破的 碎了") == RequestKind.DAMAGED
    assert assessed_kind("return", "不喜欢") == RequestKind.NO_REASON_RETURN
    assert assessed_kind("refund", None) is None


@pytest.mark.parametrize(
    "intent, text, sorry",
    [
        ("report_damaged", "箱子压扁了", True),
        ("request_return", "收到的杯子是碎的 要退", True),
        ("request_return", "不喜欢 想退", False),
        ("request_exchange", "换个颜色", False),
    ],
)
def test_an_apology_comes_first_for_the_shops_fault(intent: str, text: str, sorry: bool) -> None:
    assert owes_apology(intent, text) is sorry


@pytest.mark.parametrize(
    "form, intent, requested, ends",
    [
        ("order_form", "deny", "order_id", True),  # "都不是"
        ("order_form", "deny", "order_confirm", False),  # "不" to "确认取消吗？" is an answer
        ("aftersales_form", "deny", "as_reason", True),  # "算了不退了"
        ("aftersales_form", "deny", "as_photos", False),  # "没拍照" is an answer
        ("aftersales_form", "inform", "as_item", False),
    ],
)
def test_a_no_ends_the_form_only_where_it_is_not_an_answer(form: str, intent: str, requested: str, ends: bool) -> None:
    assert ends_form(form, intent, requested) is ends


def test_a_no_that_names_what_was_meant_corrects_instead_of_ending() -> None:
    """"不对 不是T恤 是帆布鞋" at "退几件？": the form goes on with the shoes."""
    assert ends_form("aftersales_form", "deny", "as_quantity", corrects=True) is False
