"""Messages without words get a rule-based intent, not a confident guess."""

import pytest

from bot.nlu.nonverbal import classify_nonverbal, unknown_words_only


@pytest.mark.parametrize(
    "text, intent",
    [
        ("", "nlu_fallback"),
        ("   ", "nlu_fallback"),
        ("🤔", "nlu_fallback"),
        ("😭😭😭", "nlu_fallback"),
        ("。。。", "nlu_fallback"),
        ("？", "nlu_fallback"),
        ("[动画表情]", "nlu_fallback"),
        ("[图片] [图片]", "nlu_fallback"),
        ("👍", "affirm"),
        ("👌👌", "affirm"),
        ("🙏", "thank"),
        ("😡😡😡", "complain"),
        ("👋", "goodbye"),
        ("👍🙏", "nlu_fallback"),  # mixed signals: ask
    ],
)
def test_messages_without_words(text: str, intent: str) -> None:
    assert classify_nonverbal(text) == intent


@pytest.mark.parametrize("text", ["好的👍", "我的快递到哪了😭", "88", "ok", "[图片]这个有货吗"])
def test_messages_with_words_are_left_to_the_model(text: str) -> None:
    assert classify_nonverbal(text) is None


@pytest.mark.parametrize(
    "text",
    ["4128503961730215", " 13800000005 ", "13800000005 4128503961730215", "13800000005，4128503961730215。", "RMA2611250001"],
)
def test_a_bare_identifier_is_an_answer(text: str) -> None:
    assert classify_nonverbal(text) == "inform"


@pytest.mark.parametrize(
    "text",
    [
        "应该是6172839405162738这个",  # read below the fallback threshold by a model trained on another CPU
        "订单 4128503961730215",
        "订单号3850274619384756",
        "单号是 6172839405162738",
        "我的手机号是13800000005",
        "手机13800000005，订单号8526130497501568",
        "嗯 是这个 4128503961730215 吧",
        "亲，售后单号RMA2611250001",
        "【4128503961730215】",
    ],
)
def test_an_identifier_in_a_few_framing_words_is_an_answer(text: str) -> None:
    """The same reading on every machine: a rule, not the classifier's margin."""
    assert classify_nonverbal(text) == "inform"


@pytest.mark.parametrize(
    "text",
    [
        "4128503961730215到哪了",
        "取消4128503961730215",
        "订单4128503961730215发货了吗",
        "是这个吗 4128503961730215",
        "不是这个，是6172839405162738",
        "撤销RMA2611250001",
        "单号是 6172839405162738 帮我看下",
        "13800000005 改成这个手机号",
    ],
)
def test_an_identifier_with_a_request_is_left_to_the_model(text: str) -> None:
    assert classify_nonverbal(text) is None


@pytest.mark.parametrize("text", ["886", "999999", "41285039617302", "4128503961730215到哪了", "SF1234567890123"])
def test_numbers_that_are_not_identifiers_or_have_words_are_left_to_the_model(text: str) -> None:
    assert classify_nonverbal(text) is None


@pytest.mark.parametrize("text", ["2", " 3 ", "3件", "5分", "4星", "12", "1。"])
def test_a_bare_small_number_answers_the_question_asked(text: str) -> None:
    """Which item, how many, what score: the form or the follow-up reads the number."""
    assert classify_nonverbal(text) == "inform"


@pytest.mark.parametrize("text", ["88", "66", "666", "520", "5分吧", "2件退货"])
def test_chat_slang_and_numbers_with_words_are_left_to_the_model(text: str) -> None:
    assert classify_nonverbal(text) is None


VOCABULARY = {"在", "吗", "发送", "退订", "hello"}


@pytest.mark.parametrize(
    ("words", "unknown"),
    [
        (["萨达萨达", "阿萨德"], True),  # keyboard mash: no word the classifier has ever seen
        (["阿斯顿", "发送到", "发"], True),
        (["阿斯顿", "发送"], False),  # one known word: the classifier has something to go on
        (["在", "吗"], False),
        (["Hello"], False),  # compared in lower case
        (["？", "！"], False),  # no words at all: the rule above decides
    ],
)
def test_a_message_of_unknown_words_only(words: list, unknown: bool) -> None:
    assert unknown_words_only(words, VOCABULARY) is unknown


def test_without_a_vocabulary_nothing_is_unknown() -> None:
    assert not unknown_words_only(["萨达萨达"], set())  # a model trained before the vocabulary was kept
