"""Answering 店铺规则 questions from the same policy file the decisions use.

A question about 运费险 gets the shipping rule, one about 保修 the warranty rule,
and so on; anything else gets the summary. The figures always come from
shop_policy.yml, so the bot never quotes a rule the shop does not apply.
"""

from __future__ import annotations

import re
from typing import Dict, List, Tuple

from bot.policy.model import Policy

TOPICS: List[Tuple[str, re.Pattern]] = [
    ("utter_policy_counterfeit", re.compile(r"假|正品|赔三")),
    ("utter_policy_warranty", re.compile(r"保修|维修|质保")),
    ("utter_policy_damage", re.compile(r"破损|碎|压坏|摔坏|漏了|坏了")),
    ("utter_policy_shipping", re.compile(r"运费|邮费|快递费|运费险")),
    ("utter_policy_exchange", re.compile(r"换货|换尺码|换码|换颜色|换个")),
    ("utter_policy_refund_time", re.compile(r"多久到账|退款.*(多久|几天)|什么时候退")),
    ("utter_policy_no_reason", re.compile(r"无理由|七天|7天|拆封|吊牌|能退吗|可以退吗|退货")),
]


def policy_values(policy: Policy) -> Dict[str, object]:
    """Placeholders every policy response may use."""
    excluded = "、".join(sorted(policy.no_reason_excluded_categories)) or "无"
    return {
        "no_reason_days": policy.no_reason_days,
        "excluded": excluded,
        "exchange_days": policy.exchange_days,
        "quality_days": policy.quality_return_days,
        "repair_days": policy.quality_repair_days,
        "damage_hours": policy.damage_report_hours,
        "wrong_days": policy.wrong_or_missing_days,
        "price_days": policy.price_protection_days,
        "refund_to": policy.refund_to,
        "refund_after_days": policy.refund_after_received_days,
        "refund_arrival_days": policy.refund_arrival_days,
        "counterfeit": policy.counterfeit_compensation,
        "return_address": policy.return_address.text(),
    }


def policy_response(text: str) -> str:
    """The domain response that answers this policy question."""
    for response, pattern in TOPICS:
        if pattern.search(text or ""):
            return response
    return "utter_policy"
