"""Reading a buyer's satisfaction score (1–5) from how they answer the follow-up question.

Buyers answer with a digit, stars, "5分", "五星", or words ("很满意", "一般",
"不太满意"); anything else is not a score, and the bot does not guess one.
"""

from __future__ import annotations

import re
from typing import Optional

#: Longest phrases first where one contains another (不满意 ⊃ 满意).
WORDS = [
    (("非常不满意", "很不满意", "特别不满意", "极不满意", "太差", "很差", "差劲", "垃圾", "非常失望", "很失望", "太失望"), 1),
    (("不太满意", "不怎么满意", "不满意", "不大满意", "失望", "不好"), 2),
    (("非常满意", "特别满意", "很满意", "超满意", "十分满意", "满分", "太满意", "非常好", "特别好", "超级好"), 5),
    (("一般般", "一般", "还行", "凑合", "马马虎虎", "还凑合", "中规中矩", "勉强", "还好"), 3),
    (("满意", "挺好", "不错", "还可以", "可以", "挺满意", "蛮好"), 4),
]

CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
SCORE = re.compile(r"(?<![0-9])([1-5一二两三四五])\s*(?:分|星|颗星|个星)")
BARE = re.compile(r"^\s*(?:打|给|评)?\s*([1-5])\s*(?:分|星)?\s*[。.!！~～]*\s*$")
STARS = re.compile(r"^[\s⭐★🌟]+$")


def read_rating(text: str) -> Optional[int]:
    """The 1–5 score in the buyer's answer, or None when there is none."""
    if not text:
        return None
    stripped = text.strip()
    if STARS.match(stripped):
        count = sum(stripped.count(star) for star in "⭐★🌟")
        return count if 1 <= count <= 5 else None
    bare = BARE.match(stripped)
    if bare:
        return int(bare.group(1))
    if re.search(r"\d{3,}", stripped):
        return None  # an order number or phone, not a score
    scored = SCORE.search(stripped)
    if scored:
        value = scored.group(1)
        return int(value) if value.isdigit() else CHINESE_DIGITS[value]
    words = stripped.replace("不好意思", "")  # "sorry", not a verdict
    for phrases, score in WORDS:
        if any(phrase in words for phrase in phrases):
            return score
    return None


def outcome_of(score: int) -> str:
    """What a score means for the shop: 5 content, 3–4 at risk, 1–2 the complaint is reopened."""
    if score >= 5:
        return "content"
    if score >= 3:
        return "at_risk"
    return "reopen"
