"""Two kinds of question the shop can recognise by their words better than a classifier trained on our examples.

1. A follow-up about an order's details ("谁签收的", "地址现在是哪个", "付了多少钱",
   "怎么被取消了"): read by ``bot.orders.details``; it is a question about an order
   (``query_order``), answered about the order in focus.
2. A question about the shop's rules asked without naming an order ("退货地址发我下",
   "人工几点下班", "降价了能补差价吗", "一般多久发货"): ``ask_policy``, answered for anyone
   without an identity check.

Measured on an independent conversation suite, both were read as fallback, as another
order request (which asks for a phone number first) or as a policy summary. The rule only
overrides what the classifier said when the words are unambiguous, and never a request to
change something, a complaint or a call for a person.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from bot.aftersales.reading import PHOTO_PLACEHOLDER, reason_kind
from bot.crm.formats import ORDER_NO_PATTERN, PHONE_PATTERN
from bot.nlu.nonverbal import classify_nonverbal
from bot.nlu.simplified import to_simplified
from bot.orders.details import Facet, asked_facets
from bot.policy.answers import CONTACT_FRAGMENT, general_topic, policy_responses
from bot.policy.decisions import RequestKind

#: Facets the order and logistics intents already answer well ("到哪了", "什么时候发").
ANSWERED_BY_INTENT = {Facet.ETA, Facet.NEXT_STOP, Facet.SHIP_BY}
#: What a follow-up never overrides: after-sales requests, complaints, a call for a person.
ASKED_FOR_MORE = frozenset({
    "request_return", "request_exchange", "request_refund", "report_quality_issue", "report_damaged",
    "report_wrong_or_missing", "complain", "human_handoff", "cancel_aftersales", "opt_out",
})
#: Requests a classifier trained on our examples confuses with a question about an order's details; only
#: when the message names no reason ("破了", "不想要了") is the question read instead.
MISREAD_REQUESTS = frozenset({"request_return", "request_exchange", "request_refund", "cancel_aftersales", "opt_out"})
#: An order of the buyer's, not a product on the shelf.
ORDER_WORDS = re.compile(r"那单|这单|订单|那一单|这一单|我买的|我付")
#: What a stated reason turns into a case: intents the classifier gives such messages by mistake.
STATED_OVERRIDES = frozenset({"ask_policy", "goodbye", "thank", "greet", "nlu_fallback", "out_of_scope", "inform"})
REASON_INTENT = {
    "no_reason_return": "request_return",
    "quality_issue": "report_quality_issue",
    "damaged": "report_damaged",
    "wrong_or_missing": "report_wrong_or_missing",
}
RETURN_VERB = re.compile(r"想退|要退|退掉|退了吧|退一|退两|全退|都退|退货|申请售后|给我退|帮我退|退回去")
CHANGE_OF_MIND = re.compile(r"不(太)?想要了|不要了")
#: "周六日有人吗 / 国庆放假几点下班": hours on other days, never a greeting ("客服在线吗" may be one).
OFF_HOURS = re.compile(r"周六|周日|周末|礼拜[六天日]|星期[六天日]|节假日|国庆|春节|过年|放假|假期|晚上|半夜|几点")
#: A question, not an answer: question words and particles.
ASKING = re.compile(r"[?？]|吗|嘛|呢|呀|谁|哪|几|什么|啥|多少|咋|怎么|多久")
#: "给我找个人处理 / 找人工": a person asked for, however it is put.
ASKS_FOR_A_PERSON = re.compile(r"找(个|一个)?(人|真人|人工|客服|负责人|主管)(来)?(处理|帮|说|问|看|跟|吧|啊|呗|$)|转人工|人工客服|要人工|叫(你们)?(的)?人工|人工(出来|呢|在哪)")
#: "…也给下 / 也发我": more of the answer just given.
ALSO_GIVE = re.compile(r"也(给|发|说|告诉)(我|下|一下)")
#: What a message holding a phone or an order number is never: the buyer is giving it.
NOT_AN_ANSWER = frozenset({"goodbye", "thank", "greet", "deny", "nlu_fallback", "out_of_scope", "bot_challenge"})
#: "不用转人工 / 不需要人工": the buyer declines a person.
NO_PERSON_NEEDED = re.compile(r"(不用|不需要|不必|别|先不)(帮我|给我)?(转|找|叫)?(人工|客服|真人|人了|人)|不(用)?麻烦(同事|人工|客服|你们)?了")
#: "那降噪耳机呢 / 数据线也一样吗": the previous question again, about another thing; only short messages.
ELLIPSIS = re.compile(r"^(那|那么|那个|还有)?[^，,。！!？?\s]{1,10}(呢|嘞|咧)[?？]?$|^[^，,。！!？?\s]{1,8}也(一样|是|能|可以|支持)[^，,。]{0,6}[?？吗嘛]?$")
#: "那你呢 / 拜拜呢": about the bot or a farewell, not another thing.
PEOPLE = re.compile(r"^(那|那么)?(你|我|他|她|您|你们|拜拜|再见|晚安)")
#: What a classifier trained on whole questions makes of such a fragment.
ELLIPSIS_MISREAD = frozenset({"goodbye", "thank", "greet", "nlu_fallback", "out_of_scope"})
#: Words of anger: a complaint, even when it mentions the return address.
ANGER = re.compile(r"投诉|差评|垃圾|骗子|12315|太差|恶心|气死|无语|坑|离谱")
#: A question about an order (its number, a phone, shipping): read as a cancellation only with a word of cancelling.
ORDER_QUESTION = re.compile(r"\d{11,16}|发货|发了|到哪|物流|快递")
#: Words without which nothing is cancelled.
CANCEL_WORDS = re.compile(r"取消|不要|不买|退|撤|关掉|关闭|作废|算了|cancel", re.IGNORECASE)
#: "没受影响吧 / 还正常吧": is that order still all right.
STILL_FINE = re.compile(r"没受影响|不受影响|没事吧|还正常|正常吧|还在吧|没被(取消|影响)|不会被")
#: "单号发错了" / "手机号打错了": the buyer mistyped a number they gave.
TYPED_WRONG = re.compile(r"(单号|订单号|号码|手机号)(发|输|打)错")
#: Answers to the bot's questions, greetings and pre-sale questions keep the classifier's intent.
KEPT = frozenset({"inform", "affirm", "deny", "greet", "ask_product", "ask_price_promo"})
#: Reports and requests that a hypothetical ("要是…的话") turns into a rule question.
REPORTS = frozenset({"report_damaged", "report_quality_issue", "report_wrong_or_missing",
                     "request_return", "request_exchange", "request_refund"})
#: "一般 / 通常 / 你们": the rule in general, not the buyer's own case.
GENERAL = re.compile(r"一般|通常|你们|正常")
#: "要是 / 如果 / 万一 …": the buyer asks what the rule would be, nothing has happened yet.
HYPOTHETICAL = re.compile(r"要是|如果|万一|假如|假设|的话")
#: What a rule question never overrides: those, and requests that change an order.
NEVER_OVERRIDDEN = ASKED_FOR_MORE | {"cancel_order", "change_address"}
#: Rule topics that win even over a request: "人工几点下班" asks the hours, not for a person now;
#: "退货地址发我下" asks where returns go, it opens no return.
ALWAYS_A_QUESTION = {
    "utter_policy_service_hours": {"human_handoff"},
    "utter_policy_return_address": {"request_return", "request_exchange", "request_refund", "report_quality_issue"},
}
#: Question words: a message asking something states no request of its own.
QUESTION = re.compile(r"[?？]|吗|嘛|谁(出|付|承担)|多久|几天|啥时候|什么时候")
#: "运费谁出 / 我出吗": who pays for shipping.
WHO_PAYS = re.compile(r"谁(出|付|承担|掏)|我(出|付|承担)(吗|嘛|么|啊|呀)|要我(出|付)|自己出")
#: "能退吗 / 可以退不 / 能退吧": whether goods may go back.
RETURN_QUESTION = re.compile(r"(能|可以|可不可以|能不能|支不支持|让)(退|退货)(吗|嘛|么|不|吧|的吧)?|退得了"
                             r"|退(货|掉)?(总)?(行不行|可以吗|可以吧|可以不|行吗|行吧|成吗|成不)|退货总(可以|行)")
#: The buyer's own case already under way, or an order named: theirs to handle, not a rule question.
PERSONAL_CASE = re.compile(r"帮我|给我退|我要退|这单|那单|订单|\d{16}")
#: The no-reason rule named by its own words.
NO_REASON_WORDS = re.compile(r"无理由|七天|7天|七日|7日")
#: The buyer is sending goods back now: the address is part of their return, not a rule question
#: ("要我寄回去吗" asks whether, it sends nothing).
SENDING_BACK = re.compile(r"(?<!要)我(今天|马上|现在|这就|准备|要|想)?(就)?寄(回|过去)(?![^，,。\s]{0,2}[吗嘛么])|我要退|我想退|帮我退")
#: What a request to stop the shop's messages talks about; "那我先不退了 谢谢" stops nothing.
STOP_MESSAGES = re.compile(
    r"消息|信息|讯息|推送|推广|短信|通知|打扰|骚扰|提醒|广告|营销|活动|优惠|退订|订阅|群发|发送|拒收|主动|联系我|找我|发给我|给我发"
    r"|别(再)?发|不要(再)?发|少发|拉黑|屏蔽|关怀|问候|生日|祝福|回访|名单|烦|td|stop|unsub|opt|promo|msg|send",
    re.IGNORECASE,
)
#: A complaint lodged in words, whatever else is asked.
COMPLAINT_WORDS = re.compile(r"投诉|差评|12315|举报|曝光")
#: Words for one of the shop's people ("人工", "客服"): a courier's phone asks for none of them.
PERSON_WORDS = re.compile(r"人工|客服|真人|主管|经理|负责人")
#: "换40", "换个大一码", "换黑色的": another size or colour wanted, an exchange whatever the classifier says.
EXCHANGE_FOR = re.compile(r"换(成|个|一?双|一?件|一下|到)?\s*(\d{2}(码|号)?(?!\d)|(XXL|XL|XS|S|M|L)(码|号)?(?![A-Z])|大一|小一|[黑白灰红蓝绿粉黄紫棕米驼][色的])",
                          re.IGNORECASE)
#: How the buyer paid: always about an order, never about today's prices ("多少钱 用啥付的").
PAID_WITH = re.compile(r"(用|拿)(啥|什么|哪个)(付|支付)|怎么付的|付款方式|支付方式")
#: The report intents: a message with none of the words for a fault is no report.
FAULT_REPORTS = frozenset({"report_damaged", "report_quality_issue", "report_wrong_or_missing"})
#: A question about what the goods would do ("这个洗了会不会缩水"): shopping, no fault yet.
WILL_IT = re.compile(r"会不会|会.{0,6}(吗|嘛)|容不容易|容易.{0,4}(吗|嘛)|怕不怕|是否会")
#: A fragment that only makes sense after the previous answer ("从哪天开始算", "也一样吗", "以哪天为准").
RULE_FRAGMENT = re.compile(r"(从)?(哪天|哪一天|什么时候|啥时候)(开始)?算|以哪(个|天)为准|也(一样|是这样)(吗|嘛|么)?|" + CONTACT_FRAGMENT)
#: "不对 是跑步鞋那单要改": a correction that moves a change to another order.
CORRECTED_TARGET = re.compile(r"(不对|搞混|搞错|说错|弄错|不是).{0,10}是.{1,12}(那单|那件|那个|那双).{0,3}(要改|改地址|要取消|取消)")
#: "这就不给处理了？？ / 就这么算了？ / 凭啥不给退": the buyer disputes a refusal; a person looks again.
PUSHBACK = re.compile(r"不给(我)?(处理|解决|退|办|换)|就这么算了|就这样算了|这也不行|这都不行|凭(啥|什么)不(给|能|让)|"
                      r"为(啥|什么)不(给|能|让)(我)?(退|处理|办|换)|不讲理|太不讲理|自认倒霉|那(咋|怎么)(整|办)(啊|呢|嘛)?[?？]*$|不算质量问题")
#: "确认 …": a yes said first, whatever is asked after it.
CONFIRMED_FIRST = re.compile(r"^(好的?|嗯|对|行)?[，, ]?(确认|确定)(提交|申请|退货|退)?[，,。 ]")
#: "那换货呢 / 那退款呢": the rule for another kind of case, asked after a rule answer.
RULE_OF_ANOTHER_KIND = re.compile(r"^(那|那么)(换货|退货|退款|仅退款|换尺码|换码|换颜色|维修|保修)(的话)?(呢|嘞|咧)")
#: "多久能有人回复 / 大概多久有人处理": how long until a person deals with it.
WAITING_FOR_A_PERSON = re.compile(r"(多久|多长时间|什么时候|啥时候)(能|会|才)?有人(回复|处理|联系|管|理)")
#: Asking the shop to bend a rule: a person's decision.
EXCEPTION_ASKED = re.compile(r"通融|破个例|破例|网开一面|行个方便")
#: Changing an address in words ("地址就按501那个改"), not only agreeing.
ADDRESS_CHANGE = re.compile(r"地址.{0,10}改|改.{0,4}地址")
#: A greeting that asks about an order ("亲 我的羽绒服咋样了呀").
GREETING_QUESTION = re.compile(r"咋样|怎么样|到哪|发了|发货|啥情况|什么情况|到了没|签收|到没到")
#: A photo announced in words ("图发你了"); a placeholder ("[图片] 你看 就这样") is read by PHOTO_PLACEHOLDER.
PHOTO_SAID = re.compile(r"图(片)?(发|给)你了|照片(发|在)")
#: Asking to hurry an order ("帮我催一下", "加急").
URGE_WORDS = re.compile(r"帮我催|给我催|催一下|催催|催下|催一催|加急|加个急")
#: Money coming back, asked about: "几天到账", "钱咋退给我", "退我多少钱".
MONEY_BACK = re.compile(r"到账|到賬|钱(会|能)?(退)?回(到)?(花呗|支付宝|微信|信用卡|银行卡|原)|钱(咋|怎么|啥时候|什么时候|多久|几天)(退|回)|钱.{0,4}(退|回)(到|去)?哪|退(给)?我多少|退多少|多少钱.{0,2}退"
                        r"|\d+(块|元)?(能|可以)?全(额)?退|全额退(吗|嘛|吧)|能全退"
                        r"|退(到|回)哪.{0,12}(信用卡|支付宝|微信|花呗|银行卡|付的|付款)|(信用卡|支付宝|微信|花呗).{0,12}退(到|回)哪")
#: "那跑鞋那单应该还没发吧 不想要了 退钱": a change of mind about an order not yet sent is a cancellation.
NOT_SENT_YET = re.compile(r"还没发|没发货|未发货|还没寄|没寄出|还不发|不发货|迟迟不发")
#: Words about the parcel itself: "到账" is money, "送到" is the parcel.
PARCEL_WORDS = re.compile(r"快递|包裹|物流|派送|送到|到货|运单|签收了吗")
#: A question about an order asked together with the phone and order number that prove the buyer.
IDENTITY_QUESTION = re.compile(r"发货(了)?没|发了没|到哪|物流|什么情况|啥情况|状态|查(一)?下")
#: A phone or order number: an identity answer, never an exchange.
ANSWER_DIGITS = re.compile(r"\d{11,}")
THANKS = re.compile(r"谢|感谢|3q|thx|thank", re.IGNORECASE)
#: Words that ask for something beside a number: a message without them only gives the number.
REQUEST_WORDS = re.compile(r"改|取消|退|换|催|投诉|人工|不要|发货|到哪|物流|签收|查")
#: "运费险是咋赔的 / 我这单有没有买运费险": the rule, with the buyer's own order's insurance.
INSURANCE_QUESTION = re.compile(r"运费险.{0,6}(怎么|咋|如何)(赔|理赔|算|用|弄)|运费险.{0,6}(有没有|买了没|买没买|有吗|有没|买了吗|买了吧)"
                                r"|(有没有|买没买|买了没|有没)(买|带|含)?运费险")
#: "保修多久 / 还在保修期吗": the product's warranty asked, though a fault is told ("充不进电了 保修多久").
WARRANTY_QUESTION = re.compile(r"保修(多久|多长|几年|几个月|吗|嘛|么|不|期)|保(多久|几年)|(能|可以)(不能)?保修|在保(修)?期")
#: "能…退吗 / 可以七天无理由吗": asking whether, not asking to.
ASKING_WHETHER = re.compile(r"(能|可以|可不可以|能不能|支持|算不算)[^，。,.!！]{0,8}(吗|嘛|么|不|没)?[?？]?$|[吗嘛么][?？]?$|能不能|可不可以|支不支持"
                            r"|行不行|总(可以|行)吧|成不成")
#: Words that withdraw a case, and words that only ask how it is going.
WITHDRAW = re.compile(r"撤销|撤回|取消|不要了|不退了|不换了|不弄了|算了")
PROGRESS = re.compile(r"进度|进展|状态|怎么样了|到哪(一)?步|审核|处理得|处理到|有结果|结果(出来)?了?[吗没]")


def stated_request(text: str, predicted: str) -> Optional[str]:
    """The after-sales intent of a message that states what is wrong and, for a mere change of mind, asks to return.

    "衣服有质量问题 要退" was read as a rule question, "t恤下摆开线了 退一件 另一件没事" as a
    goodbye, "坚果买多了吃不完 想退一袋" as a rule question: a stated reason with a request
    (or a defect, which is a report by itself) is the buyer's own case. A question about
    whether ("…能退吗") or a hypothetical stays a rule question.
    """
    if predicted not in STATED_OVERRIDES or ASKING_WHETHER.search(text) or HYPOTHETICAL.search(text):
        return None
    if QUESTION.search(text):
        return None  # "不喜欢的无理由退货 运费谁出": a question about the rule
    kind = reason_kind(text)
    if kind is None or kind.value not in REASON_INTENT:
        return None
    if kind == RequestKind.NO_REASON_RETURN and not (RETURN_VERB.search(text) or CHANGE_OF_MIND.search(text)):
        return None
    return REASON_INTENT[kind.value]


def whether_returnable(text: str, topic: str) -> bool:
    """A question whether goods may go back under the no-reason rule, not a report of a defect."""
    if topic == "utter_policy_no_reason" and NO_REASON_WORDS.search(text):
        return True
    kind = reason_kind(text)
    return kind in (None, RequestKind.NO_REASON_RETURN) and not PERSONAL_CASE.search(text) and bool(
        RETURN_QUESTION.search(text)
    )


def rule_intent(text: Optional[str], predicted: str) -> Optional[str]:
    """The intent the shop's rules give this message, or None to keep the classifier's."""
    text = (text or "").strip()
    if not text or classify_nonverbal(text) is not None:
        return None
    if (PHOTO_PLACEHOLDER.search(text) or PHOTO_SAID.search(text)) and predicted in ("nlu_fallback", "goodbye", "greet", "thank", "out_of_scope"):
        return "inform"  # "[图片] 你看 就这样": the photo asked for
    if predicted == "urge_shipment" and URGE_WORDS.search(text):
        return None  # "我急用 帮我催下仓库 今天能发不": hurry it, though it asks when orders ship
    if predicted not in ("complain", "human_handoff", "cancel_order", "change_address") and CONFIRMED_FIRST.search(text) \
            and general_topic(text) == "utter_policy_return_address":
        return "affirm"  # "确认 寄回去地址发我下": the yes, and the address comes with the case's number
    if predicted in ("nlu_fallback", "out_of_scope", "inform", "affirm", "greet", "ask_policy") and URGE_WORDS.search(text) \
            and not STOP_MESSAGES.search(text):
        return "urge_shipment"  # "跑鞋那单帮我催一下呗"
    if predicted in ("inform", "nlu_fallback", "out_of_scope", "query_order", "request_refund") \
            and CHANGE_OF_MIND.search(text) and NOT_SENT_YET.search(text):
        return "cancel_order"  # "那跑鞋那单应该还没发吧 不想要了 退钱"
    if predicted not in NEVER_OVERRIDDEN and CORRECTED_TARGET.search(text):
        # "啊不对不对 搞混了 是跑步鞋那单要改": the change just asked, for the order now named
        return "cancel_order" if "取消" in text else "change_address"
    rest = ANSWER_DIGITS.sub("", text)
    if ANSWER_DIGITS.search(text) and predicted not in ("inform", "affirm", "deny") and len(rest) <= 16 \
            and not REQUEST_WORDS.search(rest) and not ASKING.search(rest):
        return "inform"  # "sorry少打了一位 8526130497501568": the number asked for, nothing more
    if predicted in FAULT_REPORTS and WARRANTY_QUESTION.search(to_simplified(text)) and not RETURN_VERB.search(text):
        return "ask_policy"  # "之前买的充电器充不进电了 保修多久": how long the warranty runs
    if predicted not in NEVER_OVERRIDDEN and predicted != "ask_policy" and INSURANCE_QUESTION.search(to_simplified(text)):
        return "ask_policy"  # "运费险是咋赔的呀 我这单有没有买": the rule, and whether this order has it
    fragment = RULE_FRAGMENT.search(to_simplified(text))
    if fragment and not ORDER_WORDS.search(text) and (predicted not in NEVER_OVERRIDDEN or (
            predicted == "change_address" and "改" not in text and re.fullmatch(CONTACT_FRAGMENT, to_simplified(text)))):
        return "inform"  # "从哪天开始算啊", "数据线也一样吗": the last question again, read in context
    if predicted == "urge_shipment" and Facet.ETA in asked_facets(text) and not URGE_WORDS.search(text) \
            and not NOT_SENT_YET.search(text):
        return "query_logistics"  # "能不能今天到啊 明天我要出门": when the parcel arrives, nothing to hurry
    if predicted == "complain" and general_topic(text) == "utter_policy_service_hours" and not ANGER.search(text):
        return "ask_policy"  # "等着的时候问一句 你们客服周末几点到几点": the hours, no complaint
    if predicted in ("inform", "affirm") and NO_REASON_WORDS.search(text) and (ASKING_WHETHER.search(text)
                                                                             or RETURN_QUESTION.search(text)):
        return "ask_policy"  # "那七天无理由退总行吧": whether the rule lets it go back
    if predicted in MISREAD_REQUESTS and RULE_OF_ANOTHER_KIND.search(to_simplified(text)) \
            and reason_kind(text) in (None, RequestKind.NO_REASON_RETURN) and not PERSONAL_CASE.search(text) \
            and not EXCHANGE_FOR.search(text):
        return "ask_policy"  # "那换货呢 换尺码" after the return rule: the exchange rule, nothing to exchange yet
    if WAITING_FOR_A_PERSON.search(to_simplified(text)) and predicted not in ("human_handoff", "complain"):
        return "human_handoff"  # "大概多久有人处理": the person asked after, with the promise of when
    if PUSHBACK.search(text) and predicted not in ("human_handoff", "complain", *REPORTS) and not ANGER.search(text):
        return "human_handoff"  # "我前两天签收的 一直没空拆 这就不给处理了？？": a person looks at it again
    if EXCEPTION_ASKED.search(text) and predicted not in ("human_handoff", "complain"):
        return "human_handoff"  # "不能通融一下吗": only a person may make an exception
    if predicted in ("affirm", "deny", "goodbye", "thank") and CHANGE_OF_MIND.search(text) and RETURN_QUESTION.search(text):
        return "ask_policy"  # "算了扫地机我还是不要了 能退不": whether it may go back (the buyer's own order decides)
    if predicted in ("affirm", "inform") and ADDRESS_CHANGE.search(text):
        return "change_address"  # "好 那跑鞋地址就按501那个改 确认": the address change, agreed in the same breath
    if predicted == "greet" and GREETING_QUESTION.search(text):
        return "query_order"  # "亲 我的羽绒服咋样了呀😊": a question behind the greeting
    money_asked = MONEY_BACK.search(text) and ASKING.search(text) and not PARCEL_WORDS.search(text)
    if money_asked and (predicted in ("query_logistics", "query_order", "request_refund", "nlu_fallback")
                        or (predicted == "ask_policy" and not GENERAL.search(text))):
        return "query_refund_status"  # "大概几天能到账", "拒收了钱咋退给我", "一共退我多少钱": the money, not the parcel
    if predicted == "inform" and STILL_FINE.search(text) and ORDER_WORDS.search(text):
        return "query_order"  # "羽绒服那单没受影响吧": how that order stands
    if predicted == "inform" and ANSWER_DIGITS.search(text) and IDENTITY_QUESTION.search(text):
        return "query_order"  # "跑步鞋发货没有 手机号… 订单号…": a question with the proof, not only the proof
    if predicted == "query_refund_status" and MONEY_BACK.search(text):
        return None  # "退回哪 我付的时候用的信用卡": where the money goes, not where goods are sent
    if predicted == "opt_out" and not STOP_MESSAGES.search(to_simplified(text)):
        return "thank" if THANKS.search(text) else "deny"  # "好的明白了 那我先不退了 谢谢": no message stopped
    if predicted in ("inform", "ask_product", "nlu_fallback", "out_of_scope") and EXCHANGE_FOR.search(text) \
            and not ANSWER_DIGITS.search(text):
        return "request_exchange"  # "帆布鞋39顶脚 换40": the size wanted is the request
    if NO_PERSON_NEEDED.search(text) and predicted not in ("complain", "cancel_order", "change_address", *FAULT_REPORTS):
        return "deny"  # "不用转人工哈 我就先问问": no hand-over asked for
    if predicted in ("nlu_fallback", "out_of_scope", "inform", "affirm", "urge_shipment", "query_order", "query_logistics") \
            and ASKS_FOR_A_PERSON.search(text):
        return "human_handoff"  # "通融下呗 给我找个人处理"
    if predicted == "query_refund_status" and RETURN_QUESTION.search(text) and not PROGRESS.search(text) \
            and not MONEY_BACK.search(text):
        return "ask_policy"  # "能退吗 钱退我": whether it may go back at all, before any case exists
    if (predicted not in ASKED_FOR_MORE or predicted == "human_handoff") and ALSO_GIVE.search(text) \
            and not ASKS_FOR_A_PERSON.search(text):
        return "inform"  # "收件人跟电话也给下": more of what was just answered, read in context
    if predicted in NOT_AN_ANSWER and (PHONE_PATTERN.search(text) or ORDER_NO_PATTERN.search(text)):
        return "inform"  # "不好意思打错了 是138…": a phone or an order number is an answer, never a goodbye
    every_facet = asked_facets(text)  # never with a verb of change
    if predicted == "ask_price_promo" and Facet.AMOUNT in every_facet and (ORDER_WORDS.search(text) or PAID_WITH.search(text)):
        return "query_order"  # "键盘那单多少钱来着": what the buyer paid, not today's price
    facets = [f for f in every_facet if f not in ANSWERED_BY_INTENT]
    if Facet.COURIER in facets and predicted not in ("query_order", "query_logistics", "complain") \
            and not PERSON_WORDS.search(text):
        return "query_order"  # "派件员电话多少 我跟他约下时间", "派件师傅电话给我 我跟他说不要了": the courier
    if predicted in ("inform", "ask_product") and reason_kind(text) is None and facets:
        return "query_order"  # "派件小哥电话给我下", "口红那单当时是谁签收的": a question, not an answer
    if predicted == "ask_price_promo" and set(facets) - {Facet.AMOUNT}:
        return "query_order"  # "那皮鞋是哪天签收的，谁签的字": about the order, no price asked
    if predicted == "human_handoff" and COMPLAINT_WORDS.search(text):
        return "complain"  # "我要投诉 给我转人工": the complaint is recorded, and the person comes with it

    if predicted in ("affirm", "deny") and every_facet and ASKING.search(to_simplified(text)):
        # "口紅那單是誰簽收的呀", "ok 那它下一站是哪": a question about the order, no yes or no
        return "query_order" if facets else "query_logistics"
    if predicted in FAULT_REPORTS and reason_kind(text) in (None, RequestKind.NO_REASON_RETURN) and RETURN_QUESTION.search(text):
        return "ask_policy"  # "上个月那件白T还能退不 hhh 洗过两次了": no fault told, whether it may still go back
    if predicted in ("ask_product", "nlu_fallback", "out_of_scope") and reason_kind(text) not in (None, RequestKind.NO_REASON_RETURN) \
            and not WILL_IT.search(text):
        return stated_request(text, "inform") or "ask_policy"  # "白T缩水变形了 还能退不": a fault, no shopping
    if predicted in ELLIPSIS_MISREAD and ELLIPSIS.search(text) and not PEOPLE.match(text):
        return "inform"  # "那降噪耳机呢": the last question again, about something else (read in context)
    topic = general_topic(text)
    if topic == "utter_policy_service_hours" and predicted in ("greet", "human_handoff", "nlu_fallback", "out_of_scope") \
            and (predicted != "greet" or OFF_HOURS.search(text)):
        return "ask_policy"  # "周六日有人吗" asks the hours; it is no greeting and no call for a person now
    if WHO_PAYS.search(text) and "utter_policy_shipping" in policy_responses(text) and predicted not in NEVER_OVERRIDDEN:
        return "ask_policy"  # "那运费谁出 我这单好像没买运费险": who pays, answered with the buyer's own insurance
    if predicted in KEPT:
        return None
    if predicted == "cancel_aftersales" and PROGRESS.search(text) and not WITHDRAW.search(text):
        return "query_refund_status"  # "刚才那个售后啥进度了" asks how it goes, it withdraws nothing
    if predicted == "cancel_order" and "撤销" in text and "订单" not in text:
        return "cancel_aftersales"  # "确认撤销": orders are cancelled, cases withdrawn
    if predicted == "cancel_order" and not CANCEL_WORDS.search(text) and ORDER_QUESTION.search(text):
        return "query_order"  # "跑步鞋发货没有 手机号… 订单号…": no word of cancelling, no cancellation
    stated = stated_request(text, predicted)
    if stated is not None:
        return stated
    sending_back = predicted in REPORTS and SENDING_BACK.search(text)  # "地址发我 我今天寄回去": a return under way
    angry = predicted == "complain" and ANGER.search(text)
    if topic == "utter_policy_return_address" and predicted != "human_handoff" and not angry and not sending_back:
        return "ask_policy"  # "坏了寄回去修 寄哪" is where returns go, not this order's address
    if TYPED_WRONG.search(text) and "改" not in text:
        return "inform"  # "单号发错了 是…" corrects what the buyer typed; no goods were sent wrong
    overridable = (
        predicted not in ASKED_FOR_MORE
        or (predicted in FAULT_REPORTS and reason_kind(text) is None)  # "我买的皮鞋是哪天签收的": no fault told
        or (predicted in MISREAD_REQUESTS and reason_kind(text) is None)
        or (predicted == "complain" and not ANGER.search(text))  # "快递小哥电话多少 怕他打我我没接到"
    )
    if predicted == "ask_policy" and topic and (HYPOTHETICAL.search(text) or not ORDER_WORDS.search(text)):
        return None  # "要是我先签收了再退呢 能7天无理由吗", "签收后不满意几天内能退": the rule, though it names signing
    if facets and predicted not in ("query_order", "query_logistics") and overridable:
        return "query_order"  # "地址现在是哪个" is no address change, "派件小哥电话给我下" no exchange
    if every_facet and predicted in ("nlu_fallback", "out_of_scope"):
        return "query_logistics"  # "那它下一站是哪": the parcel in focus
    if predicted in ("nlu_fallback", "out_of_scope", "cancel_order", "inform") and STILL_FINE.search(text) and ORDER_WORDS.search(text):
        return "query_order"  # "羽绒服那单没受影响吧": how that order stands
    if every_facet and predicted in ("query_order", "query_logistics"):
        return None  # "那件白T一共花了多少 运费收了没" asks about an order, though it names a rule's word
    if HYPOTHETICAL.search(text) and topic and predicted in REPORTS:
        return "ask_policy"  # "要是路上压坏了，多久之内要找你们": a rule question, not a damage report
    if predicted == "query_refund_status" and (not GENERAL.search(text) or "我" in text):
        return None  # "退款还要多久" asks about the buyer's own refund
    if topic and predicted in ALWAYS_A_QUESTION.get(topic, ()) and not sending_back:
        return "ask_policy"
    if topic == "utter_policy_shipping" and predicted in REPORTS and WHO_PAYS.search(text):
        return "ask_policy"  # "不喜欢的无理由退货 运费谁出": who pays, not a return
    if predicted in REPORTS and ASKING_WHETHER.search(text) and whether_returnable(text, topic):
        return "ask_policy"  # "吃的东西能七天无理由退吗", "面膜拆开了能退吗": whether the rule allows it, nothing asked yet
    if predicted in NEVER_OVERRIDDEN:
        return None
    if topic and predicted != "ask_policy":
        return "ask_policy"
    return None


try:
    from rasa.engine.graph import ExecutionContext, GraphComponent
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.engine.storage.resource import Resource
    from rasa.engine.storage.storage import ModelStorage
    from rasa.nlu.classifiers.classifier import IntentClassifier
    from rasa.shared.nlu.constants import INTENT, TEXT
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.nonverbal import set_rule_intent

    APPLIED = "shop_rule_applied"
except ImportError:  # pragma: no cover
    pass
else:

    @DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
    class ShopRuleClassifier(GraphComponent, IntentClassifier):
        """Overrides the predicted intent of order follow-ups and general rule questions (module docstring)."""

        @classmethod
        def create(
            cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource, execution_context: ExecutionContext
        ) -> "ShopRuleClassifier":
            return cls()

        def process(self, messages: List[Message]) -> List[Message]:
            for message in messages:
                if message.get(APPLIED):
                    continue  # a message parsed again keeps the rule's first reading, not a rule over a rule
                predicted = (message.get(INTENT) or {}).get("name") or ""
                intent = rule_intent(message.get(TEXT), predicted)
                message.set(APPLIED, True)
                if intent is not None:
                    set_rule_intent(message, intent)
            return messages
