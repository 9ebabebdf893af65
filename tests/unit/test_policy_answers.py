"""Policy questions get the matching rule, with the figures of shop_policy.yml filled in."""

import re
from pathlib import Path

import pytest
import yaml

from bot.policy.answers import follow_up_topics, insurance_note, policy_response, policy_responses, policy_values, return_rule_for
from bot.policy.model import load_policy

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "question, response",
    [
        ("运费险怎么赔", "utter_policy_shipping"),
        ("退货邮费谁出", "utter_policy_shipping"),
        ("拆封了还能退吗", "utter_policy_no_reason"),
        ("你们支持七天无理由吗", "utter_policy_no_reason"),
        ("耳机保修多久", "utter_policy_warranty"),
        ("收到就碎了怎么办", "utter_policy_damage"),
        ("是正品吗 假一赔三吗", "utter_policy_counterfeit"),
        ("可以换尺码吗", "utter_policy_exchange"),
        ("退款多久到账", "utter_policy_refund_time"),
        ("你们的售后规则是什么", "utter_policy"),
        ("到了不想要能直接拒收吗", "utter_policy_refuse_delivery"),
        ("ok 寄回去的地址发我一下", "utter_policy_return_address"),
        ("退货的地址是哪", "utter_policy_return_address"),
    ],
)
def test_question_picks_the_rule(question: str, response: str) -> None:
    assert policy_response(question) == response


def test_every_policy_response_is_fully_filled_from_the_policy() -> None:
    # the per-product warranty replies also name the product and its warranty from the catalogue
    values = {**policy_values(load_policy()), "product": "智能扫地机器人", "warranty_days": 730,
              "note": "食品一经售出不支持7天无理由退换", "category": "食品", "insurance": insurance_note(True),
              "order_no": "4128503961731106"}
    names = [name for name in DOMAIN["responses"] if name.startswith("utter_policy")]
    assert len(names) == 20  # utter_policy_return_not_shipped added for "跑步鞋也能退吗 那个还没发货吧"
    for name in names:
        for variant in DOMAIN["responses"][name]:
            placeholders = set(re.findall(r"{(\w+)}", variant["text"]))
            assert placeholders <= set(values), (name, placeholders - set(values))
            assert "{" not in variant["text"].format(**values)
    assert "7天" in DOMAIN["responses"]["utter_policy_no_reason"][0]["text"].format(**values)


@pytest.mark.parametrize(
    "text, product, note, expected",
    [
        ("面膜拆开了能退吗", "玻尿酸补水面膜10片装", "面膜属于个人护理用品，拆封后不支持7天无理由退换", "utter_policy_no_reason_product_excluded"),
        ("羽绒服不合身能退吧", "加厚白鸭绒羽绒服", None, "utter_policy_no_reason_product"),
        ("吃的东西能七天无理由退吗", None, None, "utter_policy_no_reason_category"),
        ("七天无理由怎么算", None, None, None),  # no product: the general rule
        ("运费险怎么赔", "加厚白鸭绒羽绒服", None, None),  # not a return question
    ],
)
def test_a_return_question_about_a_product_gets_its_own_rule(text: str, product, note, expected) -> None:  # type: ignore[no-untyped-def]
    found = return_rule_for(policy_response(text), text, product, note, load_policy())
    assert (found[0] if found else None) == expected
    if found and note:
        assert found[1]["note"] == note.rstrip("。") and found[1]["product"] == product


def test_the_buyers_own_order_says_who_pays_return_shipping() -> None:
    assert "运费险" in insurance_note(True) and "您承担" in insurance_note(False) and insurance_note(None) == ""


def test_a_message_asking_two_rules_gets_both() -> None:
    assert policy_responses("那要是质量问题呢 超过七天还能退吗 运费谁出") == ["utter_policy_shipping", "utter_policy_quality"]
    assert policy_responses("退款多久到账") == ["utter_policy_refund_time"]
    assert policy_responses("你好") == ["utter_policy"]


@pytest.mark.parametrize("fragment", ["收件电话", "电话多少", "收件人写谁", "那联系电话是啥"])
def test_who_to_send_to_asks_the_return_address_again(fragment: str) -> None:
    assert follow_up_topics(fragment, "utter_policy_return_address") == ["utter_policy_return_address"]
