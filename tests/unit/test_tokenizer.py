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
