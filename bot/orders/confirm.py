"""Reading yes or no to "确认取消吗？" / "确认修改吗？".

NLU labels "确认取消" as cancel_order and "算了不改了" as deny, and it can label
an unrelated emoji "affirm" with high confidence, so the intent alone is not
enough before an irreversible change. Explicit refusals win; a yes needs an
agreeing word or sign in the text itself; anything else is asked again.

A question asked while the confirmation waits ("等下 问一下 不喜欢的话运费谁出呀") is
answered and the confirmation asked again: its "不" is no refusal. An explicit
"…确认" closing the message is a yes whatever else it says ("茶回头再说 鞋给我换42 确认").
"""

from __future__ import annotations

import re
from typing import AbstractSet, Optional

from bot.aftersales.reading import PHOTO_PLACEHOLDER
from bot.nlu.simplified import to_simplified

REFUSAL = re.compile(
    r"不取消|别取消|不要取消|先不|不改|别改|不用改|不用了|算了|再想想|不确认|还是留着|保留|不是|不对|不行|不可以|no\b",
    re.IGNORECASE,
)
#: Refusals that stand even inside a message the NLU reads as something else.
PLAIN_REFUSAL = re.compile(r"不取消|别取消|不要取消|不改了|别改了|不用改|不用了|算了|不确认|还是留着|先不(?:取消|改|退|换|提交|申请|要)")
#: "确认 / 确认换 / 就这样确认吧" closing the message: a yes however the rest of it reads.
EXPLICIT_YES = re.compile(
    r"(?:确认|确定)(?:(?:取消|修改|改|换|退|退货|提交|申请)[^，,。？?!！吗嘛呢]{0,6})?(?:吧|了|啦|哈|呀|的|哦)?[\s!！。.~～]*$"
)
AGREEMENT = re.compile(
    r"确认|确定|是的|是啊|是滴|对|没错|好|可以|行|嗯|中|要的|没问题|改吧|取消吧|取消掉|帮我取消|就这样|就这个|ok|yes|sure|👍|👌|✅|🆗",
    re.IGNORECASE,
)
ANSWER_INTENTS = {"affirm", "deny", "cancel_order", "change_address", "inform", "nlu_fallback"}


def interpret_confirmation(text: str, intent: str, answer_intents: AbstractSet[str] = ANSWER_INTENTS) -> Optional[bool]:
    """True for yes, False for no, None when the message answers neither.

    ``answer_intents`` are the intents a reply to this question may carry
    ("确认退货" is labelled request_return, and is still a yes).
    """
    text = to_simplified(text or "")  # "確認" is 确认
    if REFUSAL.search(text):
        return False if intent in answer_intents or PLAIN_REFUSAL.search(text) else None
    if intent == "deny":
        return False
    if EXPLICIT_YES.search(text):
        return True
    if PHOTO_PLACEHOLDER.search(text):
        return None  # "[图片] 你看 就这样": the photo shows how it is, it agrees to nothing
    if intent in answer_intents and AGREEMENT.search(text):
        return True
    return None
