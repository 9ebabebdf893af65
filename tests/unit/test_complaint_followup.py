"""Reading the buyer's 1–5 answer, and what each score means for the shop."""

from __future__ import annotations

from typing import Optional

import pytest

from bot.complaints.followup import outcome_of, read_rating


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("5", 5),
        ("5分", 5),
        ("4分吧", 4),
        ("打3分", 3),
        ("给2分", 2),
        ("1分。", 1),
        ("五星", 5),
        ("给个四星吧", 4),
        ("三分", 3),
        ("两分", 2),
        ("⭐⭐⭐⭐⭐", 5),
        ("★★★", 3),
        ("非常满意", 5),
        ("很满意，谢谢你们", 5),
        ("满意", 4),
        ("挺好的", 4),
        ("一般般吧", 3),
        ("还行", 3),
        ("不太满意", 2),
        ("不满意", 2),
        ("很不满意", 1),
        ("太差了", 1),
        ("不好意思刚看到，5分", 5),
        ("4分，还行", 4),  # the number wins over the word
    ],
)
def test_scores_are_read_from_numbers_stars_and_words(text: str, score: int) -> None:
    assert read_rating(text) == score


@pytest.mark.parametrize(
    "text",
    ["", "好的", "谢谢", "我的快递到哪了", "9637241508601779", "13800000006", "0", "6分", "10分", "⭐⭐⭐⭐⭐⭐", "不好意思"],
)
def test_anything_else_is_not_a_score(text: Optional[str]) -> None:
    assert read_rating(text) is None


@pytest.mark.parametrize(("score", "outcome"), [(5, "content"), (4, "at_risk"), (3, "at_risk"), (2, "reopen"), (1, "reopen")])
def test_five_is_content_three_or_four_at_risk_one_or_two_reopens(score: int, outcome: str) -> None:
    assert outcome_of(score) == outcome
