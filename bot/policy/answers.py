"""Answering 店铺规则 questions from the same policy file the decisions use.

A question about 运费险 gets the shipping rule, one about 保修 the warranty rule,
and so on; anything else gets the summary. The figures always come from
shop_policy.yml, so the bot never quotes a rule the shop does not apply.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

from bot.nlu.simplified import to_simplified
from bot.orders.rules import DEFAULT_RULES
from bot.policy.model import Policy

SHIP_WITHIN_HOURS = DEFAULT_RULES.ship_within_hours

TOPICS: List[Tuple[str, re.Pattern]] = [
    ("utter_policy_refund_time", re.compile(r"钱.{0,4}退(回)?(到)?哪|退(款|钱).{0,4}(退)?(到|回|去)哪|退(到|回)哪(个|张)?(账户|卡|里)")),
    ("utter_policy_return_address", re.compile(r"退货(的)?地址|退换货地址|寄回(去|来)?(的)?地址|退回(去|来)?的地址|寄回(去|来)?.{0,4}哪|退(回|货)?寄(到)?哪|售后地址|退回(到)?哪|退货.{0,4}(寄|发)(到)?哪|(修|维修|返修|保修).{0,6}寄(到)?哪|寄哪(里|儿)?[?？]?$|(旧|原来)(的)?[^，,\s]{0,3}寄(回|到)?哪")),
    ("utter_policy_service_hours", re.compile(r"(几点|什么时候|啥时候)(下班|上班|在线|有人)|(人工|客服).{0,6}(时间|几点|在线|上班|下班|周末|节假日|晚上|假期|过年)|服务时间|上班时间"
                                              r"|(周六|周日|周末|礼拜[六天日]|星期[六天日]|节假日|国庆|春节|过年|放假|假期|晚上|半夜).{0,6}(有人|有客服|上班|在线|几点|营业|回复)")),
    ("utter_policy_price_protection", re.compile(r"价保|保价|降价|差价|便宜了")),
    ("utter_policy_ship_time", re.compile(r"(多久|几天|多长时间|多快)(能|会|可以)?发(货|出)|发货(时间|要多久|快吗|快不快|速度)|(当天|今天|下单).{0,6}(能)?发(货)?(吗|嘛|不)")),
    ("utter_policy_refuse_delivery", re.compile(r"(能|可以|可不可以|能不能)(直接)?拒收|拒收(行|可以|吗|嘛|么)|拒收.{0,6}(怎么|咋)(退|办)")),
    ("utter_policy_counterfeit", re.compile(r"假货|假的|假冒|仿品|高仿|真假|正品|赔三|是真的")),
    ("utter_policy_warranty", re.compile(r"保修|维修|质保|保(一|两|二|三|半|几|多少|多久)(年|个月|天)?|保(用)?多久")),
    ("utter_policy_damage", re.compile(r"破损|碎|压坏|摔坏|漏了|坏了")),
    ("utter_policy_shipping", re.compile(r"运费|邮费|快递费|运费险")),
    ("utter_policy_exchange", re.compile(r"换货|换尺码|换码|换颜色|换个(码|尺码|颜色|大|小)")),
    ("utter_policy_refund_time", re.compile(r"多久(能)?到账|几天(能)?到账|退款.{0,8}(多久|几天|什么时候|啥时候)|什么时候退|钱.{0,6}(多久|几天)|到账")),
    ("utter_policy_quality", re.compile(r"质量(问题|有问题|不好|差)")),
    ("utter_policy_no_reason", re.compile(r"无理由|七天|7天|拆封|吊牌|(能|可以)退(吗|吧|不)|能不能退|退货"
                                          r"|(多久|几天|多少天)(之|以)?内.{0,3}(要)?(申请|退|办)|最晚.{0,6}(申请|退)|申请.{0,3}期限")),
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
        "ship_hours": SHIP_WITHIN_HOURS,
        "service_hours": describe_service_hours(policy),
    }


def describe_service_hours(policy: Policy) -> str:
    """'工作日 09:00–22:00，周末 10:00–20:00，法定节假日 10:00–18:00' from shop_policy.yml."""
    hours = policy.service_hours
    spans = (("工作日", hours.workday), ("周末", hours.weekend), ("法定节假日", hours.public_holiday))
    return "，".join(f"{name} {span[0]:%H:%M}–{span[1]:%H:%M}" if span else f"{name}休息" for name, span in spans)


#: "我的 / 这单 / 订单号": the buyer asks about an order of theirs, not about the shop's rules.
PERSONAL = re.compile(r"我(的|买的|那|这|下的|拍的|收到)|这单|那单|这个订单|那个订单|\d{16}")


def general_topic(text: str) -> str:
    """The policy response for a question about the shop's rules asked without naming an order; "" otherwise.

    These need no identity check: anyone may ask where returns go or how long a refund takes.
    """
    text = to_simplified(text)
    if PERSONAL.search(text):
        return ""
    response = policy_response(text)
    return "" if response == "utter_policy" else response


def policy_responses(text: str, limit: int = 2) -> List[str]:
    """Every rule a message asks about, in the order of TOPICS ("质量问题超过七天还能退吗 运费谁出": two)."""
    text = to_simplified(text)
    found = [response for response, pattern in TOPICS if pattern.search(text)]
    if "utter_policy_quality" in found and "utter_policy_no_reason" in found:
        found.remove("utter_policy_no_reason")  # "质量问题 超过七天": the quality rule answers it
    return found[:limit] or ["utter_policy"]


#: "收件人写谁 / 收件电话 / 电话多少": who or which number to send to, after the return address.
CONTACT_FRAGMENT = r"^(那)?(收件人|联系人)(写|填|是)?(谁|啥|什么|多少)|^(那)?(收件|联系|售后)?(电话|手机)(号|号码)?(写|填|是)?(谁|啥|什么|多少)?[?？]?$"


#: A follow-up about the rule just explained: "那降噪耳机呢", "从哪天开始算", "也一样吗".
FOLLOW_UP = re.compile(r"^(那|那么|那个|还有)?[^，,。]{1,16}(呢|嘞)[?？]?$|也(一样|是|能|可以|支持|保|包|给|发|说|告诉)"
                       r"|(从)?(哪天|哪一天|什么时候|啥时候)(开始)?算|怎么算|以哪(个|天)为准|算不算"
                       r"|" + CONTACT_FRAGMENT)


def follow_up_topics(text: str, previous: Optional[str]) -> List[str]:
    """The rules a message asks about; a fragment that names no rule asks the previous one again."""
    found = policy_responses(text)
    if found == ["utter_policy"] and previous and FOLLOW_UP.search(to_simplified(text)):
        return [previous]
    return found


def policy_response(text: str) -> str:
    """The domain response that answers this policy question (the first of ``policy_responses``)."""
    return policy_responses(text, limit=1)[0]


#: Rule answers about returning something: a product named in the question gets its own rule.
RETURN_TOPICS = frozenset({"utter_policy_no_reason", "utter_policy", "utter_policy_exchange"})
#: "吃的东西", "零食": the excluded food category, named without a product.
FOOD_WORDS = re.compile(r"吃的|食品|零食|食物|吃食")


def insurance_note(insured: Optional[bool]) -> str:
    """What the buyer's own order says about return shipping; "" when no order of theirs is known."""
    if insured is None:
        return ""
    if insured:
        return "您这单买了运费险，无理由退换的退货运费由运费险理赔。"
    return "您这单没有买运费险，无理由退换的来回运费需要您承担。"


def return_rule_for(
    response: str, text: str, product: Optional[str], no_reason_note: Optional[str], policy: Policy
) -> Optional[Tuple[str, Dict[str, object]]]:
    """The product's own return rule for "面膜拆开了能退吗" / "吃的能七天无理由吗"; None to keep the general answer.

    ``no_reason_note`` is the catalogue's reason a product is excluded (None when it
    qualifies). Without a product, food words get the excluded category's rule.
    """
    if response not in RETURN_TOPICS:
        return None
    values: Dict[str, object] = dict(policy_values(policy))
    if product is None:
        text = to_simplified(text)
        if "食品" in policy.no_reason_excluded_categories and FOOD_WORDS.search(text):
            values["category"] = "食品"
            return "utter_policy_no_reason_category", values
        return None
    values["product"] = product
    if no_reason_note is not None:
        values["note"] = no_reason_note.rstrip("。")
        return "utter_policy_no_reason_product_excluded", values
    return "utter_policy_no_reason_product", values
