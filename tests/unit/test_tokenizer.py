"""jieba tokens carry no whitespace and point at their text (DESIGN: jieba alignment)."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.tokenizer import ShopJiebaTokenizer


@pytest.fixture(scope="module")
def tokenizer() -> ShopJiebaTokenizer:
    config = {**ShopJiebaTokenizer.get_default_config(), "dictionary_path": "data/jieba"}
    return ShopJiebaTokenizer(config, None, None)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["hello 小二  在吗", "  我买的 羽绒服 到哪了 ", "订单 4128503961730215 查一下", "   "])
def test_no_blank_tokens_and_offsets_match(tokenizer: ShopJiebaTokenizer, text: str) -> None:
    tokens = tokenizer.tokenize(Message(data={"text": text}), "text")
    for token in tokens:
        assert token.text and token.text == token.text.strip()
        assert text[token.start : token.end] == token.text


def test_shop_terms_stay_whole(tokenizer: ShopJiebaTokenizer) -> None:
    ShopJiebaTokenizer._load_custom_dictionary("data/jieba")
    words = [t.text for t in tokenizer.tokenize(Message(data={"text": "买了运费险的羽绒服能七天无理由吗"}), "text")]
    assert "运费险" in words and "羽绒服" in words


@pytest.mark.parametrize(
    ("typed", "simplified"),
    [("我想退個貨", "我想退个货"), ("請問掃地機器人保固多久", "请问扫地机器人保修多久"), ("退款的話多久到賬", "退款的话多久到账")],
)
def test_traditional_characters_are_read_as_simplified(tokenizer: ShopJiebaTokenizer, typed: str, simplified: str) -> None:
    """The model sees the same tokens whichever script the buyer types, at the same offsets."""
    typed_tokens = tokenizer.tokenize(Message(data={"text": typed}), "text")
    simplified_tokens = tokenizer.tokenize(Message(data={"text": simplified}), "text")
    assert [(t.text, t.start, t.end) for t in typed_tokens] == [(t.text, t.start, t.end) for t in simplified_tokens]
    assert all(t.lemma == t.text for t in typed_tokens)
