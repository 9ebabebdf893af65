"""Policy questions get the matching rule, with the figures of shop_policy.yml filled in."""

import re
from pathlib import Path

import pytest
import yaml

from bot.policy.answers import policy_response, policy_values
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
    ],
)
def test_question_picks_the_rule(question: str, response: str) -> None:
    assert policy_response(question) == response


def test_every_policy_response_is_fully_filled_from_the_policy() -> None:
    # the per-product warranty replies also name the product and its warranty from the catalogue
    values = {**policy_values(load_policy()), "product": "智能扫地机器人", "warranty_days": 730}
    names = [name for name in DOMAIN["responses"] if name.startswith("utter_policy")]
    assert len(names) == 14
    for name in names:
        for variant in DOMAIN["responses"][name]:
            placeholders = set(re.findall(r"{(\w+)}", variant["text"]))
            assert placeholders <= set(values), (name, placeholders - set(values))
            assert "{" not in variant["text"].format(**values)
    assert "7天" in DOMAIN["responses"]["utter_policy_no_reason"][0]["text"].format(**values)
