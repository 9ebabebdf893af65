"""Yes or no to a confirmation question, whatever intent NLU gave the reply."""

import pytest

from bot.orders.confirm import interpret_confirmation


@pytest.mark.parametrize(
    "text, intent, answer",
    [
        ("确认", "affirm", True),
        ("确认取消", "cancel_order", True),
        ("嗯 取消吧", "cancel_order", True),
        ("对的改吧", "change_address", True),
        ("算了不取消了", "deny", False),
        ("不取消了", "cancel_order", False),
        ("先不改了", "change_address", False),
        ("不用了", "affirm", False),
        ("不对", "deny", False),
        ("我还想问下运费险", "ask_policy", None),
        ("", "nlu_fallback", None),
        ("😀", "nlu_fallback", None),
        ("🤔", "affirm", None),  # NLU may call an emoji "affirm"; that is no yes to cancelling
        ("呵呵", "affirm", None),
        ("👍", "affirm", True),
        ("嗯嗯 好的", "affirm", True),
        ("不是这单", "deny", False),
        # a question asked while the yes waits holds it; its "不" refuses nothing
        ("等等 问一下 收到要是不喜欢 7天无理由退的运费谁出呀", "ask_policy", None),
        ("不是 我想问下运费险怎么赔", "ask_policy", None),
        ("算了 不改了 运费谁出", "ask_policy", False),
        # a closing "确认" is a yes whatever the rest reads as
        ("行 茶回头再说 鞋给我换42 确认", "goodbye", True),
        ("好的 确认换40码", "request_exchange", True),
        ("确认一下运费谁出", "ask_policy", None),
    ],
)
def test_interpret_confirmation(text: str, intent: str, answer: object) -> None:
    assert interpret_confirmation(text, intent) is answer
