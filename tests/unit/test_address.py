"""Reading a new delivery address from a buyer's message."""

import pytest

from bot.crm.formats import mask_phone, mask_phones_in
from bot.orders.address import corrected_address, parse_address


@pytest.mark.parametrize(
    "text, address, recipient, phone",
    [
        ("改成北京市朝阳区建国路88号3单元502", "北京市朝阳区建国路88号3单元502", None, None),
        ("地址改为 上海市浦东新区世纪大道100号 张三 13912345678", "上海市浦东新区世纪大道100号", "张三", "13912345678"),
        ("帮我把地址改成广东省深圳市南山区科技园南路15号 李四收", "广东省深圳市南山区科技园南路15号", "李四", None),
        ("新地址：浙江省杭州市西湖区文三路259号 王小明，13800001111", "浙江省杭州市西湖区文三路259号", "王小明", "13800001111"),
    ],
)
def test_parses_addresses(text: str, address: str, recipient: str, phone: str) -> None:
    parsed = parse_address(text)
    assert parsed is not None
    assert (parsed.address, parsed.recipient, parsed.phone) == (address, recipient, phone)


@pytest.mark.parametrize("text", ["", "北京", "改一下地址", "好的", "😀😀😀", "朝阳区", "x" * 5000])
def test_rejects_what_is_not_an_address(text: str) -> None:
    assert parse_address(text) is None


def test_mask_phone() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phones_in("手机13800000005，订单8526130497501568") == "手机138****0005，订单8526130497501568"


@pytest.mark.parametrize(
    "text, address, recipient",
    [
        ("地址我填错了 帮我改成江苏省南京市鼓楼区中山路321号", "江苏省南京市鼓楼区中山路321号", None),
        ("寄到我单位去 河南省郑州市金水区花园路100号 谢谢啦", "河南省郑州市金水区花园路100号", None),
        ("浙江省杭州市 西湖区文三路259号3栋502 张伟", "浙江省杭州市西湖区文三路259号3栋502", "张伟"),
    ],
)
def test_the_address_is_read_out_of_the_sentence_around_it(text: str, address: str, recipient: str) -> None:
    parsed = parse_address(text)
    assert parsed is not None and (parsed.address, parsed.recipient) == (address, recipient)


@pytest.mark.parametrize(
    "text, recipient",
    [("改成 上海市浦东新区张杨路500号 电话不变", None), ("好吧 那就改奶白那件 新地址 河南省郑州市郑东新区商务外环路8号世博大厦1205", None)],
)
def test_words_about_the_change_are_nobody_s_name(text: str, recipient: object) -> None:
    parsed = parse_address(text)
    assert parsed is not None and parsed.recipient == recipient


@pytest.mark.parametrize(
    "said, correction, corrected",
    [
        ("改成 上海市浦东新区张杨路500号", "啊不对不对 门牌号打错了 是张杨路501号 华润时代广场3楼", "上海市浦东新区张杨路501号华润时代广场3楼"),
        ("改成 上海市浦东新区张杨路500号", "不对 是世纪大道88号", "上海市浦东新区世纪大道88号"),
        ("浙江省杭州市西湖区文三路259号3栋502 张三", "写错了 文三路269号", "浙江省杭州市西湖区文三路269号"),
    ],
)
def test_a_retyped_street_and_number_corrects_the_pending_address(said: str, correction: str, corrected: str) -> None:
    previous = parse_address(said)
    assert previous is not None
    amended = corrected_address(previous, correction)
    assert amended is not None and amended.address == corrected
    assert amended.recipient == previous.recipient


@pytest.mark.parametrize(
    "correction",
    ["等下等下 门牌号打错了 是99号不是88", "不是88号，是99号", "88号改成99号"],
)
def test_a_house_number_named_old_and_new_corrects_only_that_number(correction: str) -> None:
    previous = parse_address("上海市徐汇区漕溪北路88号 我阿姨家")
    assert previous is not None
    amended = corrected_address(previous, correction)
    assert amended is not None and amended.address == previous.address.replace("88号", "99号")


def test_a_number_not_in_the_address_corrects_nothing() -> None:
    previous = parse_address("上海市徐汇区漕溪北路88号")
    assert previous is not None and corrected_address(previous, "是99号不是66") is None


@pytest.mark.parametrize("text", ["不对", "地址没问题", "门牌号好像打错了"])
def test_no_street_and_number_corrects_nothing(text: str) -> None:
    previous = parse_address("上海市浦东新区张杨路500号")
    assert previous is not None and corrected_address(previous, text) is None
