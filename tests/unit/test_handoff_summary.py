"""The line staff read first in the queue."""

from bot.handoff.summary import handoff_summary


def test_the_summary_says_what_the_buyer_wanted_in_chinese() -> None:
    summary = handoff_summary("human_handoff", ["在吗", "转人工"], "4128503961730215")
    assert summary == {
        "wanted": "要求人工客服",
        "intent": "human_handoff",
        "order_id": "4128503961730215",
        "last_messages": ["在吗", "转人工"],
    }


def test_an_after_sales_case_names_its_kind() -> None:
    assert handoff_summary("request_return", [], None, "quality_issue")["wanted"] == "退货退款（质量问题退换）"


def test_an_unknown_intent_is_shown_as_it_is() -> None:
    assert handoff_summary("something_new", [], None)["wanted"] == "something_new"
    assert handoff_summary("", [], None)["wanted"] == "未知"
