"""Reading yes or no to "确认取消吗？" / "确认修改吗？".

NLU labels "确认取消" as cancel_order and "算了不改了" as deny, so the intent alone
is not enough: explicit refusals win, then the affirm/deny intents, then
agreeing words typed together with the request itself.
"""

from __future__ import annotations

import re
from typing import Optional

REFUSAL = re.compile(r"不取消|别取消|不要取消|先不|不改|别改|不用改|不用了|算了|再想想|等等|不确认|还是留着|保留")
AGREEMENT = re.compile(r"确认|确定|是的|对的|没错|好的|可以|行|嗯|ok|OK|Ok|取消吧|取消掉|帮我取消|改吧|就这样|就这个|要取消")
REQUEST_INTENTS = {"cancel_order", "change_address", "inform", "nlu_fallback"}


def interpret_confirmation(text: str, intent: str) -> Optional[bool]:
    """True for yes, False for no, None when the message answers neither."""
    text = text or ""
    if REFUSAL.search(text):
        return False
    if intent == "affirm":
        return True
    if intent == "deny":
        return False
    if intent in REQUEST_INTENTS and AGREEMENT.search(text):
        return True
    return None
