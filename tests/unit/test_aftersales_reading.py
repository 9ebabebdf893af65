"""Reading buyers' after-sales answers: reason, wear, photos, resolution, quantity and the wanted size/colour.

The form trusts these pure functions to turn free Chinese text into the facts
the policy decides on, so a misreading becomes a wrong decision (a quality
case filed as 7天无理由, a worn item accepted, the wrong size reserved). The
tables below use real buyer phrasings and pin the ordering rules that resolve
messages naming more than one thing.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import pytest

from bot.aftersales.reading import (
    Evidence,
    Resolution,
    VariantOption,
    evidence_in,
    mentions_use,
    quantity_in,
    reason_kind,
    resolution_in,
    wanted_variant,
)
from bot.policy.decisions import RequestKind

K = RequestKind

# --- reason_kind ------------------------------------------------------------------------------

REASONS: List[Tuple[str, Optional[RequestKind]]] = [
    # damaged in transit
    ("收到就是碎的", K.DAMAGED),
    ("杯子碎了", K.DAMAGED),
    ("外箱破了，里面的东西压坏了", K.DAMAGED),
    ("洗发水漏液了，盒子都湿了", K.DAMAGED),
    ("快递摔坏了", K.DAMAGED),
    ("包装破损严重", K.DAMAGED),
    # wrong or missing
    ("尺码发错了", K.WRONG_OR_MISSING),
    ("颜色发错了，我买的是黑色", K.WRONG_OR_MISSING),
    ("少发了一件", K.WRONG_OR_MISSING),
    ("漏发了充电线", K.WRONG_OR_MISSING),
    ("收到的不是我买的那款", K.WRONG_OR_MISSING),
    ("赠品没给我", K.WRONG_OR_MISSING),
    ("缺了一个配件", K.WRONG_OR_MISSING),
    # not received
    ("没收到货", K.NOT_RECEIVED),
    ("显示签收但我根本没拿到", K.NOT_RECEIVED),
    ("快递丢了吧，一直收不到", K.NOT_RECEIVED),
    # price difference
    ("降价了", K.PRICE_DIFFERENCE),
    ("才买三天就便宜了50块", K.PRICE_DIFFERENCE),
    ("能退差价吗", K.PRICE_DIFFERENCE),
    ("你们有价保吗", K.PRICE_DIFFERENCE),
    # quality
    ("质量不好不想要了", K.QUALITY_ISSUE),
    ("穿了一次就开线了", K.QUALITY_ISSUE),
    ("鞋子开胶了", K.QUALITY_ISSUE),
    ("洗一次就掉色", K.QUALITY_ISSUE),
    ("耳机充不进电", K.QUALITY_ISSUE),
    ("开不了机", K.QUALITY_ISSUE),
    ("和图片不一样，色差很大", K.QUALITY_ISSUE),
    ("用了面膜脸过敏了", K.QUALITY_ISSUE),
    ("怀疑是假货", K.QUALITY_ISSUE),
    ("有点起球了不想要了", K.QUALITY_ISSUE),
    ("东西坏了", K.QUALITY_ISSUE),
    ("泵头压不下去 卡死了 根本挤不出来", K.QUALITY_ISSUE),
    # 7 days no reason
    ("用着没啥效果", K.NO_REASON_RETURN),
    ("豆沙色涂上显黑", K.NO_REASON_RETURN),
    ("不喜欢", K.NO_REASON_RETURN),
    ("不想要了", K.NO_REASON_RETURN),
    ("尺码偏小", K.NO_REASON_RETURN),
    ("太大了穿不了", K.NO_REASON_RETURN),
    ("拍错了", K.NO_REASON_RETURN),
    ("买多了一件", K.NO_REASON_RETURN),
    ("家里有了，用不上", K.NO_REASON_RETURN),
    ("颜色不好看", K.NO_REASON_RETURN),
    ("个人原因", K.NO_REASON_RETURN),
    ("东西没问题，就是不想要了", K.NO_REASON_RETURN),
    # says nothing about a reason
    ("你好", None),
    ("好的", None),
    ("发货太慢了", None),
    ("", None),
]


@pytest.mark.parametrize("text, kind", REASONS, ids=[t or "<empty>" for t, _ in REASONS])
def test_reason_kind(text: str, kind: Optional[RequestKind]) -> None:
    assert reason_kind(text) == kind


@pytest.mark.parametrize(
    "text, kind",
    [
        ("尺码发错了", K.WRONG_OR_MISSING),  # 尺码 is a no-reason word, 发错 the shop's fault
        ("质量不好不想要了", K.QUALITY_ISSUE),  # 不想要 alone would be no-reason
        ("外箱破了，质量也不行", K.DAMAGED),  # damage is checked before quality
        ("发错了，而且降价了", K.WRONG_OR_MISSING),  # wrong item before price difference
        ("不想要了，都降价了", K.PRICE_DIFFERENCE),  # price difference before no-reason
        ("没收到货，是不是少发了", K.WRONG_OR_MISSING),  # wrong/missing before not received
    ],
    ids=[
        "size-sent-wrong",
        "quality-over-dont-want",
        "damage-over-quality",
        "wrong-over-price",
        "price-over-no-reason",
        "missing-over-not-received",
    ],
)
def test_reason_kind_order_decides_mixed_messages(text: str, kind: RequestKind) -> None:
    assert reason_kind(text) == kind


@pytest.mark.parametrize(
    "text, kind",
    [
        pytest.param(
            "质量没问题，就是不喜欢",
            K.NO_REASON_RETURN,
            id="quality-fine-just-dislike",
        ),
        pytest.param(
            "没有破损，就是不想要了",
            K.NO_REASON_RETURN,
            id="no-damage-dont-want",
        ),
        pytest.param(
            "没收到赠品",
            K.WRONG_OR_MISSING,
            id="gift-not-received",
        ),
    ],
)
def test_reason_kind_reads_negations_and_gifts(text: str, kind: RequestKind) -> None:
    assert reason_kind(text) == kind


# --- mentions_use ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, used",
    [
        ("没穿过", False),
        ("还没穿", False),
        ("吊牌还在没拆", False),
        ("未拆封", False),
        ("没洗过，全新的", False),
        ("没下过水", False),
        ("手机没激活", False),
        ("全新的", False),
        ("不喜欢", False),
        ("穿了一次", True),
        ("穿过一次就开线了", True),
        ("洗过一次", True),
        ("用了两天", True),
        ("已经拆封了", True),
        ("吊牌剪了", True),
        ("剪了吊牌", True),
        ("手机激活了", True),
        ("戴过几次", True),
    ],
)
def test_mentions_use(text: str, used: bool) -> None:
    assert mentions_use(text) is used


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "穿了一次，没洗过",
            id="worn-once-not-washed",
        ),
        pytest.param(
            "没拆吊牌但穿了一天",
            id="tag-on-but-worn",
        ),
        pytest.param(
            "没用过，但是拆封了",
            id="unused-but-opened",
        ),
        pytest.param(
            "洗了一次",
            id="washed-once",
        ),
    ],
)
def test_mentions_use_per_clause(text: str) -> None:
    assert mentions_use(text) is True


def test_trying_on_is_not_use() -> None:
    assert mentions_use("只试穿了一下，不合适") is False


# --- evidence_in --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, intent, evidence",
    [
        ("[图片]", "", Evidence.SENT),
        ("[照片]", "", Evidence.SENT),
        ("[Image]", "", Evidence.SENT),
        ("[视频]", "", Evidence.SENT),
        ("你看 [图片] 这里破了", "", Evidence.SENT),
        ("照片发了", "", Evidence.SENT),
        ("已经拍好了", "", Evidence.SENT),
        ("如图", "", Evidence.SENT),
        ("等下拍给你", "", Evidence.PROMISED),
        ("稍后发图", "", Evidence.PROMISED),
        ("回家拍了发你", "", Evidence.PROMISED),
        ("我拍给你", "", Evidence.PROMISED),
        ("好的", "affirm", Evidence.PROMISED),
        ("拍不了", "", Evidence.NONE),
        ("盒子扔了", "", Evidence.NONE),
        ("没有照片", "", Evidence.NONE),
        ("不方便拍", "", Evidence.NONE),
        ("衣服是白色的", "", None),
        ("等下", "", None),  # later, but later what?
        ("好的", "", None),  # without the affirm intent a bare 好的 says nothing about photos
        ("不拍", "deny", None),  # the form turns a deny into NONE itself
    ],
)
def test_evidence_in(text: str, intent: str, evidence: Optional[Evidence]) -> None:
    assert evidence_in(text, intent) == evidence


def test_evidence_sent_in_usual_word_order() -> None:
    assert evidence_in("照片发给你了") == Evidence.SENT


# --- resolution_in ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, resolution",
    [
        ("补发", Resolution.RESHIP),
        ("重新发一个给我", Resolution.RESHIP),
        ("补寄吧", Resolution.RESHIP),
        ("换新", Resolution.RESHIP),
        ("图发你了 给我换台新的", Resolution.RESHIP),
        ("退款吧", Resolution.REFUND),
        ("直接退钱", Resolution.REFUND),
        ("仅退款", Resolution.REFUND),
        ("把钱退给我", Resolution.REFUND),
        ("补发或者退款都行", Resolution.RESHIP),  # either is fine: reship comes first
        ("两件都是黑的 给我换成白色的就行", Resolution.RESHIP),  # goods sent wrong: the right ones
        ("不换了 退款吧", Resolution.REFUND),
        ("好的", None),
        ("随便", None),
    ],
)
def test_resolution_in(text: str, resolution: Optional[Resolution]) -> None:
    assert resolution_in(text) == resolution


def test_resolution_declined_reship_means_refund() -> None:
    assert resolution_in("不用补发了，退款吧") == Resolution.REFUND


# --- quantity_in --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, entities, quantity",
    [
        ("退两件", [{"entity": "quantity", "value": "1"}], 1),  # the NLU's entity wins
        ("退一件", [{"entity": "quantity", "value": "两"}], 2),
        ("退一件", [{"entity": "quantity", "value": "几"}], 1),  # unreadable entity: fall back to the text
        ("退一件", [{"entity": "color", "value": "白色"}], 1),
        ("买了两件 退一件就行", [], 1),  # the count beside the verb, not the one bought
        ("买了两件 退一件就行", [{"entity": "quantity", "value": "两"}, {"entity": "quantity", "value": "一"}], 1),
        ("两件都退", [], 3),
        ("全部", [], 3),
        ("都退了吧", [], 3),
        ("一起退", [], 3),
        ("退1件", [], 1),
        ("先退一件吧", [], 1),
        ("退2双", [], 2),
        ("只退其中一个", [], 1),
        ("两件", [], 2),
        ("2", [], 2),
        (" 2 ", [], 2),
        ("2件", [], 2),
        ("三", [], 3),
        ("好的", [], None),
        ("不知道", [], None),
        ("1234", [], None),
        ("", [], None),
    ],
)
def test_quantity_in(text: str, entities: List[Dict[str, str]], quantity: Optional[int]) -> None:
    assert quantity_in(text, entities, available=3) == quantity


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("第二个", id="second-one"),
        pytest.param("退第2件", id="the-2nd"),
    ],
)
def test_ordinal_is_not_a_quantity(text: str) -> None:
    assert quantity_in(text, [], available=3) is None


def test_two_digit_chinese_number_is_not_truncated() -> None:
    assert quantity_in("二十件", [], available=20) in (20, None)


# --- wanted_variant -----------------------------------------------------------------------------

SIZES = ("S", "M", "L", "XL", "XXL")
COLORS = ("白色", "黑色")
OUT_OF_STOCK = {("黑色", "XXL")}


def _shirts() -> List[VariantOption]:
    options: List[VariantOption] = []
    for color in COLORS:
        for size in SIZES:
            options.append(VariantOption(len(options) + 1, size, color, 0 if (color, size) in OUT_OF_STOCK else 5))
    return options


SHIRTS = _shirts()
SHOES = [VariantOption(100 + i, size, "", 3) for i, size in enumerate(("38", "39", "40", "41", "42", "43"))]


def shirt(color: str, size: str) -> VariantOption:
    return next(o for o in SHIRTS if o.color == color and o.size == size)


WHITE_M = shirt("白色", "M")


@pytest.mark.parametrize(
    "text, current, wanted",
    [
        ("换L", WHITE_M, ("白色", "L")),  # size alone keeps the colour
        ("换成xl的", WHITE_M, ("白色", "XL")),  # lower case
        ("XL码", WHITE_M, ("白色", "XL")),  # XL must not be read as L
        ("换XXL", WHITE_M, ("白色", "XXL")),  # nor XXL as XL
        ("换m码", shirt("白色", "L"), ("白色", "M")),
        ("换黑色", WHITE_M, ("黑色", "M")),  # colour alone keeps the size
        ("我要换成黑色的L码", WHITE_M, ("黑色", "L")),
        ("换L码黑色", WHITE_M, ("黑色", "L")),
        ("换黑色XXL", WHITE_M, ("黑色", "XXL")),  # out of stock is still the one named; the form checks stock
        ("换大一码", WHITE_M, ("白色", "L")),
        ("大一号", shirt("黑色", "XL"), ("黑色", "XXL")),
        ("换个大点的", WHITE_M, ("白色", "L")),
        ("换小一码", WHITE_M, ("白色", "S")),
        ("小一号的黑色", shirt("白色", "L"), ("黑色", "M")),
        ("换M", WHITE_M, ("白色", "M")),  # the same one: the form says so
    ],
)
def test_wanted_variant_shirts(text: str, current: VariantOption, wanted: Tuple[str, str]) -> None:
    match, named = wanted_variant(text, SHIRTS, current)
    assert named is True
    assert match is not None and (match.color, match.size) == wanted


def test_wanted_variant_keeps_the_options_own_stock() -> None:
    match, _ = wanted_variant("换黑色XXL", SHIRTS, WHITE_M)
    assert match is not None and match.stock == 0 and match.id == shirt("黑色", "XXL").id


@pytest.mark.parametrize(
    "text, current",
    [
        ("你好", WHITE_M),
        ("换一个", WHITE_M),
        ("换红色", WHITE_M),  # not a colour of this product
        ("换XXXL", WHITE_M),  # not a size of this product, and not XXL/XL/L either
        ("换SM", WHITE_M),
    ],
)
def test_wanted_variant_nothing_readable(text: str, current: Optional[VariantOption]) -> None:
    assert wanted_variant(text, SHIRTS, current) == (None, False)


def test_wanted_variant_named_but_no_such_combination() -> None:
    options = [o for o in SHIRTS if not (o.color == "黑色" and o.size == "S")]
    assert wanted_variant("换黑色S码", options, WHITE_M) == (None, True)
    assert wanted_variant("换黑色", SHIRTS, None) == (None, True)  # no current size to keep


def test_bigger_than_the_biggest_is_still_named() -> None:
    assert wanted_variant("换大一码", SHIRTS, shirt("白色", "XXL")) == (None, True)


@pytest.mark.parametrize(
    "text, current, wanted",
    [
        pytest.param("M码小了，换L", WHITE_M, ("白色", "L"), id="current-size-then-wanted"),
        pytest.param("XL的太大了，换成L", shirt("白色", "XL"), ("白色", "L"), id="longer-current-size-first"),
        pytest.param("M码有点小，换大一码", WHITE_M, ("白色", "L"), id="current-size-and-bigger"),
        pytest.param("白色的不耐脏，换黑色", WHITE_M, ("黑色", "M"), id="current-colour-then-wanted"),
    ],
)
def test_wanted_variant_ignores_the_current_one_mentioned(text: str, current: VariantOption, wanted: Tuple[str, str]) -> None:
    match, named = wanted_variant(text, SHIRTS, current)
    assert named and match is not None and (match.color, match.size) == wanted


@pytest.mark.parametrize(
    "text, size",
    [
        ("换42码", "42"),
        ("42", "42"),
        ("换成41的", "41"),
        ("大一码", "41"),
        ("小一码", "39"),
        ("换成42码的黑色", "42"),  # no colours on this product: the colour is ignored
    ],
)
def test_wanted_variant_shoe_sizes(text: str, size: str) -> None:
    match, named = wanted_variant(text, SHOES, SHOES[2])  # bought 40
    assert named and match is not None and match.size == size and match.color == ""


@pytest.mark.parametrize("text", ["换成142", "换420", "换4", "换个码"])
def test_wanted_variant_shoe_size_is_a_whole_number(text: str) -> None:
    assert wanted_variant(text, SHOES, SHOES[2]) == (None, False)


def test_variant_label() -> None:
    assert WHITE_M.label() == "白色 M"
    assert SHOES[0].label() == "38"
    assert VariantOption(1, "", "", 1).label() == "标准款"


@pytest.mark.parametrize(
    "text, current",
    [
        ("换小一码", shirt("白色", "S")),  # already the smallest
        ("大一码", None),  # nothing to count from
    ],
)
def test_a_relative_size_with_nowhere_to_go_is_named_but_matches_nothing(text: str, current: Optional[VariantOption]) -> None:
    assert wanted_variant(text, SHIRTS, current) == (None, True)
