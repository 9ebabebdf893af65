"""The spaCy entity matcher: products from the lexicon, order numbers, phones, quantities."""

import pytest

from bot.nlu.catalog_matcher import CatalogMatcher, chinese_number
from bot.nlu.lexicon import read_lexicon


@pytest.fixture(scope="module")
def matcher() -> CatalogMatcher:
    return CatalogMatcher(read_lexicon())


def values(matcher: CatalogMatcher, text: str) -> list:
    return [(e["entity"], e["value"]) for e in matcher.extract(text)]


def test_product_alias(matcher: CatalogMatcher) -> None:
    assert values(matcher, "我买的羽绒服到哪了") == [("product", "羽绒服")]


def test_longest_product_wins(matcher: CatalogMatcher) -> None:
    assert values(matcher, "短款羽绒服发货了吗") == [("product", "短款羽绒服")]


def test_order_phone_quantity(matcher: CatalogMatcher) -> None:
    found = values(matcher, "手机13800000001，订单4128503961730215少发了两件T恤")
    assert found == [("phone", "13800000001"), ("order_id", "4128503961730215"), ("quantity", "2"), ("product", "T恤")]


def test_entity_offsets_point_at_the_text(matcher: CatalogMatcher) -> None:
    text = "订单号4128503961730215"
    entity = matcher.extract(text)[0]
    assert text[entity["start"] : entity["end"]] == "4128503961730215"


@pytest.mark.parametrize("text", ["", "   ", "😭😭😭", "1234567890123456789", "0128503961730215"])
def test_no_false_entities(matcher: CatalogMatcher, text: str) -> None:
    assert values(matcher, text) == []


def test_very_long_input_is_bounded(matcher: CatalogMatcher) -> None:
    assert len(matcher.extract("羽绒服" * 2000)) <= 700


@pytest.mark.parametrize("text, number", [("3", 3), ("两", 2), ("十", 10), ("十二", 12), ("二十", 20), ("二十三", 23)])
def test_chinese_numbers(text: str, number: int) -> None:
    assert chinese_number(text) == number


@pytest.mark.parametrize("text", ["物流也太慢了吧，一个星期还没到", "等了两个月了", "三个小时没人回", "都过去一个礼拜了"])
def test_a_length_of_time_is_no_quantity(matcher: CatalogMatcher, text: str) -> None:
    assert [v for v in values(matcher, text) if v[0] == "quantity"] == []


def test_goods_counted_with_ge_are_still_a_quantity(matcher: CatalogMatcher) -> None:
    assert ("quantity", "3") in values(matcher, "买了三个杯子")
