"""Resolving which order a buyer means, only ever among their own orders."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from bot.crm.models import OrderStatus as S
from bot.orders.reference import (
    OrderCandidate,
    OrderReference,
    Outcome,
    Purpose,
    Resolution,
    asks_about_all,
    changed_order,
    corrected_span,
    one_on_the_way,
    parse_choice,
    parse_reference,
    recent_orders,
    resolve,
    several_orders,
    shipped_siblings,
)

T0 = datetime(2026, 11, 25, 12)


def order(no: str, status: S, days_ago: float, *names: str) -> OrderCandidate:
    return OrderCandidate(no, status, T0 - timedelta(days=days_ago), list(names))


DOWN_SHIPPED = order("1000000000000001", S.SHIPPED, 2, "加厚白鸭绒羽绒服", "羽绒服")
DOWN_WAITING = order("1000000000000002", S.AWAITING_SHIPMENT, 1, "轻薄短款羽绒服", "短款羽绒服", "羽绒服")
LIPSTICK_DONE = order("1000000000000003", S.COMPLETED, 25, "丝绒哑光口红", "口红")
ORDERS = [DOWN_SHIPPED, DOWN_WAITING, LIPSTICK_DONE]


def test_parse_reads_number_product_latest_and_choice() -> None:
    ref = parse_reference("我最近买的羽绒服 订单1000000000000001", [{"entity": "product", "value": "羽绒服"}])
    assert ref == OrderReference(order_no="1000000000000001", product="羽绒服", latest=True, choice=None)


@pytest.mark.parametrize(
    "text, choice",
    [("第二个", 2), ("第3单", 3), ("2", 2), ("最后一个", -1), ("最上面那个", 1), ("随便", None), ("13800000001", None)],
)
def test_parse_choice(text: str, choice: int) -> None:
    assert parse_choice(text) == choice


def test_order_number_of_the_buyer_is_found() -> None:
    result = resolve(OrderReference(order_no="1000000000000003"), ORDERS)
    assert (result.outcome, result.order_no) == (Outcome.FOUND, "1000000000000003")


def test_someone_elses_order_number_is_not_found() -> None:
    assert resolve(OrderReference(order_no="9999999999999999"), ORDERS).outcome == Outcome.NOT_FOUND


def test_latest_order() -> None:
    assert resolve(OrderReference(latest=True), ORDERS).order_no == DOWN_WAITING.order_no


def test_product_with_two_orders_asks_which() -> None:
    result = resolve(OrderReference(product="羽绒服"), ORDERS, Purpose.LOGISTICS)
    assert result.outcome == Outcome.AMBIGUOUS
    assert set(result.candidates) == {DOWN_SHIPPED.order_no, DOWN_WAITING.order_no}


def test_product_narrowed_by_purpose() -> None:
    # only the unshipped down jacket can be cancelled
    result = resolve(OrderReference(product="羽绒服"), ORDERS, Purpose.CANCEL)
    assert (result.outcome, result.order_no) == (Outcome.FOUND, DOWN_WAITING.order_no)


def test_longer_product_name_picks_one() -> None:
    assert resolve(OrderReference(product="短款羽绒服"), ORDERS).order_no == DOWN_WAITING.order_no


def test_product_not_bought() -> None:
    assert resolve(OrderReference(product="机械键盘"), ORDERS).outcome == Outcome.NO_MATCH


def test_choice_from_shown_list() -> None:
    shown = [DOWN_SHIPPED.order_no, LIPSTICK_DONE.order_no]
    assert resolve(OrderReference(choice=2), ORDERS, shown=shown).order_no == LIPSTICK_DONE.order_no
    assert resolve(OrderReference(choice=-1), ORDERS, shown=shown).order_no == LIPSTICK_DONE.order_no


def test_choice_out_of_range_asks_again() -> None:
    result = resolve(OrderReference(choice=5), ORDERS, shown=[DOWN_SHIPPED.order_no])
    assert result.outcome == Outcome.AMBIGUOUS


def test_single_relevant_order_needs_no_question() -> None:
    result = resolve(OrderReference(), ORDERS, Purpose.URGE)
    assert (result.outcome, result.order_no) == (Outcome.FOUND, DOWN_WAITING.order_no)


def test_no_reference_and_several_orders_lists_newest_first() -> None:
    result = resolve(OrderReference(), ORDERS, Purpose.STATUS)
    assert result.outcome == Outcome.AMBIGUOUS
    assert result.candidates == [DOWN_WAITING.order_no, DOWN_SHIPPED.order_no, LIPSTICK_DONE.order_no]


def test_buyer_without_orders() -> None:
    assert resolve(OrderReference(latest=True), []).outcome == Outcome.NO_ORDERS


# --- picking among orders by what the buyer says about them ----------------------------------------

BLACK_THICK = OrderCandidate("2000000000000001", S.SHIPPED, T0 - timedelta(days=1), ["加厚白鸭绒羽绒服", "羽绒服"],
                             variants=["黑色 M"], amount=Decimal("599"))
CREAM_SHORT = OrderCandidate("2000000000000002", S.AWAITING_SHIPMENT, T0, ["轻薄短款羽绒服", "羽绒服"],
                             variants=["奶白 M"], amount=Decimal("399"))
LIPSTICK = OrderCandidate("2000000000000003", S.COMPLETED, T0 - timedelta(days=25), ["丝绒哑光口红", "口红"],
                          variants=["#02 豆沙"], amount=Decimal("159"))
JACKETS = [BLACK_THICK, CREAM_SHORT, LIPSTICK]


@pytest.mark.parametrize(
    "text, product, expected",
    [
        ("黑色羽绒服物流到哪了", "羽绒服", BLACK_THICK.order_no),  # colour
        ("白色那件羽绒服还要的", "羽绒服", CREAM_SHORT.order_no),  # 奶白 read from 白色
        ("羽绒服 已经在路上的那个", "羽绒服", BLACK_THICK.order_no),  # status words
        ("还没发的那件羽绒服", "羽绒服", CREAM_SHORT.order_no),
        ("最贵那单呢", None, BLACK_THICK.order_no),  # price among all orders
        ("最便宜的那单", None, LIPSTICK.order_no),
        ("那件奶白色M码的短款", None, CREAM_SHORT.order_no),  # both are M: the colour decides
        ("黑色M码的那件", None, BLACK_THICK.order_no),
    ],
)
def test_orders_are_picked_by_colour_status_and_price(text: str, product: str, expected: str) -> None:
    reference = parse_reference(text, [{"entity": "product", "value": product}] if product else [])
    assert reference.describes
    assert resolve(reference, JACKETS, Purpose.STATUS) == Resolution(Outcome.FOUND, expected)


def test_a_description_that_fits_no_order_leaves_the_choice_to_the_buyer() -> None:
    reference = parse_reference("绿色那件羽绒服", [{"entity": "product", "value": "羽绒服"}])
    result = resolve(reference, JACKETS, Purpose.STATUS)
    assert result.outcome == Outcome.AMBIGUOUS and set(result.candidates) == {BLACK_THICK.order_no, CREAM_SHORT.order_no}


def test_a_category_word_leaves_out_orders_of_other_categories() -> None:
    tee = OrderCandidate("3000000000000001", S.DELIVERED, T0, ["纯棉圆领短袖T恤"], categories=["clothes"])
    hoodie = OrderCandidate("3000000000000002", S.DELIVERED, T0 - timedelta(days=9), ["宽松连帽卫衣"], categories=["clothes"])
    nuts = OrderCandidate("3000000000000003", S.DELIVERED, T0 - timedelta(days=1), ["每日坚果30袋装"], categories=["food"])
    result = resolve(parse_reference("衣服有质量问题 要退"), [tee, hoodie, nuts], Purpose.AFTERSALES)
    assert result.outcome == Outcome.AMBIGUOUS and result.candidates == [tee.order_no, hoodie.order_no]


def test_one_message_about_two_orders_names_both() -> None:
    text = "我那两件羽绒服 黑色的到哪了 奶白那件发了没啊"
    assert several_orders(text, [{"entity": "product", "value": "羽绒服", "start": 4}], JACKETS, Purpose.STATUS) == [
        BLACK_THICK.order_no, CREAM_SHORT.order_no,
    ]
    assert several_orders("羽绒服到哪了", [{"entity": "product", "value": "羽绒服", "start": 0}], JACKETS, Purpose.STATUS) == []


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("啊不对不对 不是T恤 是帆布鞋 打错了", "帆布鞋"),
        ("不对不对 说错了 是键盘 鼠标我还要", "键盘"),
        ("不是 我说的是黑色那件", "黑色那件"),
        ("对 就退帆布鞋 确认", None),  # no correction at all
        ("是不是发错了", None),  # a question, not a correction
        ("还是退吧", None),
        ("不是这个", None),  # says what is wrong, not what is right
    ],
)
def test_a_correction_names_what_comes_after_its_shi(text: str, named: str) -> None:
    span = corrected_span(text)
    assert (text[span[0]:span[1]] if span else None) == named


@pytest.mark.parametrize(
    "text, every",
    [
        ("我最近买的几样东西都到了没呀", True),
        ("麻烦帮我看一下我最近在你们店里买的几样东西现在都是什么情况", True),
        ("我的订单都什么情况", True),
        ("所有订单帮我查下", True),
        ("我买的羽绒服到哪了", False),
        ("两件都改吧", False),
    ],
)
def test_asking_about_every_order(text: str, every: bool) -> None:
    assert asks_about_all(text) is every


def test_recent_orders_are_the_newest_first() -> None:
    orders = [order("1", S.COMPLETED, 40, "T恤"), order("2", S.SHIPPED, 1, "羽绒服"), order("3", S.DELIVERED, 5, "面膜")]
    assert recent_orders(orders, limit=2) == ["2", "3"]


def test_the_shipped_order_of_the_same_product_is_told_when_the_other_is_changed() -> None:
    reference = parse_reference("羽绒服的地址要改一下", [{"entity": "product", "value": "羽绒服"}])
    siblings = shipped_siblings(reference, [BLACK_THICK, CREAM_SHORT], CREAM_SHORT.order_no, Purpose.CHANGE_ADDRESS)
    assert [s.order_no for s in siblings] == [BLACK_THICK.order_no]
    assert shipped_siblings(reference, [BLACK_THICK, CREAM_SHORT], CREAM_SHORT.order_no, Purpose.STATUS) == []


@pytest.mark.parametrize(
    "text, expected",
    [("一个多月前买的那件 一共花了多少", "1"), ("上周买的那个到了没", "3"), ("前天拍的那单", "2"), ("5天前下的单", "3")],
)
def test_when_it_was_bought_picks_the_order(text: str, expected: str) -> None:
    orders = [order("1", S.COMPLETED, 40, "T恤"), order("2", S.SHIPPED, 2, "羽绒服"), order("3", S.DELIVERED, 5.2, "面膜")]
    result = resolve(parse_reference(text), orders, Purpose.STATUS, today=T0)
    assert (result.outcome, result.order_no) == (Outcome.FOUND, expected)


def test_a_change_asked_in_a_long_message_about_two_orders_is_for_the_one_named_beside_it() -> None:
    text = ("我想问下就是我前两天拍的那件黑色M码的加厚羽绒服 现在到哪了呀 然后另外那件奶白色M码的短款 "
            "能不能帮我改个地址 寄到我单位去 河南省郑州市金水区花园路100号")
    entities = [{"entity": "product", "value": "加厚羽绒服", "start": text.index("加厚"), "end": text.index("加厚") + 5}]
    assert changed_order(text, entities, JACKETS, Purpose.CHANGE_ADDRESS) == CREAM_SHORT.order_no


def test_where_a_product_is_with_one_of_its_orders_on_the_way_answers_both_the_travelling_one_first() -> None:
    jackets = parse_reference("我羽绒服到哪儿了", [{"entity": "product", "value": "羽绒服"}])
    assert one_on_the_way(jackets, JACKETS) == [BLACK_THICK.order_no, CREAM_SHORT.order_no]
    black = parse_reference("黑色羽绒服到哪了", [{"entity": "product", "value": "羽绒服"}])
    assert one_on_the_way(black, JACKETS) == []  # a colour picks one: the usual reading
    lipstick = parse_reference("口红到哪了", [{"entity": "product", "value": "口红"}])
    assert one_on_the_way(lipstick, JACKETS) == []
