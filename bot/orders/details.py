"""Follow-up questions about one order: who signed, when, which address, the courier's phone, what was paid …

Once a conversation is about an order, buyers ask about its details in a few
words ("哪天签收的", "谁签收的 放哪儿了", "地址现在是哪个", "怎么被取消了",
"付了多少钱"). Each such question names one or more *facets*; this module reads
them from the text and builds one reply per facet from the order's data, so the
bot answers about the order in focus instead of listing every order again.
Pure functions: the text and an ``OrderView`` in, domain responses and values out.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import Enum
from typing import List, Optional, Tuple

from bot.crm.models import OrderStatus
from bot.nlu.simplified import to_simplified
from bot.orders import rules
from bot.orders.replies import Reply, awaiting_shipment, base_values, fmt_day, fmt_time
from bot.orders.service import OrderView

S = OrderStatus


class Facet(str, Enum):
    SIGNED = "signed"  # who signed, when, where the parcel was left
    ADDRESS = "address"  # the delivery address on the order
    COURIER = "courier"  # the delivering courier and their phone
    AMOUNT = "amount"  # what was paid, shipping fee, payment method
    TRACKING = "tracking"  # carrier and tracking number
    ETA = "eta"  # when it arrives
    CANCEL_REASON = "cancel_reason"  # why / when it was cancelled
    SHIP_BY = "ship_by"  # when it ships
    INSURANCE = "insurance"  # whether the order has 运费险
    ITEMS = "items"  # what is in the order
    NEXT_STOP = "next_stop"  # where the parcel is now
    PLACED = "placed"  # when the order was placed


#: What buyers type for each facet. A facet is read only when no verb of change is in the message
#: (see ``CHANGE_WORDS``): "改地址" is a request, "地址是哪个" a question.
FACET_PATTERNS: Tuple[Tuple[Facet, "re.Pattern[str]"], ...] = (
    (Facet.CANCEL_REASON, re.compile(r"(为什么|为啥|凭什么|啥原因).{0,6}取消|(怎么|咋)(被|就|给)?取消了|被取消|取消(的)?原因|自动(关闭|取消)")),
    (Facet.SIGNED, re.compile(r"签收|簽收|谁签|誰簽|谁收的|誰收的|谁拿|签的|簽的|放(在)?哪|放哪儿|快递柜|驿站|代收")),
    (Facet.ADDRESS, re.compile(r"地址|地點|送(到)?哪(里|儿|个地方)?(了|的|去)|寄(到)?哪|收件人|收货人|寄给谁|送去哪")),
    (Facet.COURIER, re.compile(r"(快递员|快遞員|派件|派送员|配送员|送货员|快递小哥|小哥|师傅|師傅).{0,8}(电话|電話|手机|号码|联系|是谁|姓|哪位)"
                               r"|(电话|手机|号码).{0,4}(快递员|派件|小哥|师傅)|送货的(是)?谁|谁(在)?(送|派)[^，,。\s]{0,4}[\s，,]*(电话|手机|号码)")),
    (Facet.AMOUNT, re.compile(r"花了多少|付了多少|付的多少|(一共|总共)(花|付)了|实付|多少钱买的|(运费|邮费)(收了|付了|是多少|了没|有没有收)"
                              r"|(收|付|算)(了)?(运费|邮费)|怎么付的|用什么付|用啥付|啥方式付|支付方式|付款方式|哪个(账户|账号)付"
                              r"|多少钱来着|(那单|这单|那个|这个).{0,3}多少钱[?？]?$|(怎么|咋|为啥|为什么)(付|扣|收)了|多收|多扣|付了\d+"
                              r"|(扣|花|付)了(我)?多少|(订单|这单|那单|我买的).{0,12}(一(件|个|双)多少钱|单价)|(花呗|支付宝|微信|信用卡|银行卡)(付|支付)的")),
    (Facet.PLACED, re.compile(r"(哪天|几号|什么时候|啥时候|哪一天)(下|拍|买)的(单)?|下单(时间|日期|是哪天|是几号)")),
    (Facet.TRACKING, re.compile(r"单号|單號|运单|快递单|(什么|啥|哪家|哪个)快递|(顺丰|中通|圆通|韵达|京东|申通)(的)?(吗|送的|发的|？|\?)")),
    (Facet.ETA, re.compile(r"(哪天|几号|幾號|什么时候|啥时候|多久|何时|今天|明天|后天|大概).{0,4}(能)?(到|送到|送达|收到)|送到不|能到吗|到不了|预计")),
    (Facet.SHIP_BY, re.compile(r"(哪天|几号|什么时候|啥时候|多久|何时|几天).{0,3}(能)?发(货|出)?|发货没|发了没|发出没|还没发|还不发|咋不发|怎么不发")),
    (Facet.INSURANCE, re.compile(r"(这单|那单|我这|我那|这个订单|那个订单|我的|这件|那件).{0,8}(买|有|带|含)(了)?运费险|运费险(买了没|有没有买|买了吗)")),
    (Facet.ITEMS, re.compile(r"(买|下单|拍)的(是)?(什么|啥|哪些|哪个|几)(颜色|尺码|码|规格|件)?(东西)?|买了(什么|啥|几件)"
                             r"|(包裹|里面|这单|那单|一起).{0,6}(还有|有)(啥|什么|哪些)")),
    (Facet.NEXT_STOP, re.compile(r"下一站|到哪(了|儿|里)|在哪(了|儿|里)?|走到哪")),
)
#: Words that make a message a request to change something, not a question about the order.
CHANGE_WORDS = re.compile(r"改|更正|换(成|个|一下|地址)|填错|写错|选错|新地址|搬家|退货|退款|换货|退了|退掉|不要了|帮我取消|要取消|"
                          r"怎么取消|取消(一下|吧|掉|订单)|催")
#: "电话给我 / 号码多少": a number asked for.
NUMBER_WANTED = re.compile(r"(电话|手机|号码)(号)?(给|发)(我|下|一下)|(电话|手机|号码)(号)?(是)?多少")
#: An address or a phone number in the message: the buyer is giving details, not asking.
ANSWER_CONTENT = re.compile(r"\d{5,}|[省市区县].{0,12}(路|街|道|巷|号)")
#: A policy question mentions the rule, not this order ("运费险怎么赔", "多久发货" asked in general).
GENERAL_WORDS = re.compile(r"怎么赔|怎么算|怎么理赔|一般|通常|你们(家)?(店)?")


def asked_facets(text: str) -> List[Facet]:
    """The facets a follow-up asks about, in the order of FACET_PATTERNS; empty for anything else."""
    text = to_simplified(text)
    facets = [facet for facet, pattern in FACET_PATTERNS if pattern.search(text)]
    if Facet.CANCEL_REASON in facets:
        return facets  # "怎么被取消了" contains 取消 but changes nothing
    if Facet.COURIER in facets and NUMBER_WANTED.search(text):
        return [Facet.COURIER]  # "派件师傅电话给我 我跟他说不要了": the phone is asked, whatever it is for
    if CHANGE_WORDS.search(text):
        return []
    if facets == [Facet.INSURANCE] and GENERAL_WORDS.search(text):
        return []
    if ANSWER_CONTENT.search(text):
        return []  # "新地址是杭州市…", "收件人张伟 151…": an answer to the form, not a question
    return facets


SIGNER = re.compile(r"签收人[：:]\s*([^。，,]+)")
COURIER = re.compile(r"快递员([^\s，,正]+?（\d{11}）)")


def signer_of(order: OrderView) -> Optional[str]:
    for track in order.tracks:
        found = SIGNER.search(track.description)
        if found:
            return found.group(1)
    return None


def courier_of(order: OrderView) -> Optional[str]:
    for track in order.tracks:
        found = COURIER.search(track.description)
        if found:
            return found.group(1)
    return None


def facet_reply(order: OrderView, facet: Facet, order_rules: rules.OrderRules = rules.DEFAULT_RULES,
                now: Optional[datetime] = None) -> Reply:
    """The reply to one facet of one order; a facet that does not apply yet says where the order stands."""
    values = base_values(order)
    values.update(
        delivered_at=fmt_time(order.delivered_at),
        shipped_at=fmt_time(order.shipped_at),
        created_at=fmt_time(order.created_at),
        shipping_fee=f"{order.shipping_fee:.2f}",
        payment_method=order.payment_method or "",
        address=order.address,
        recipient=order.recipient,
        phone=order.recipient_phone_masked,
    )
    shipped = order.status in (S.SHIPPED, S.DELIVERED, S.COMPLETED)
    delivered = order.status in (S.DELIVERED, S.COMPLETED)
    if facet == Facet.SIGNED:
        if not delivered:
            return _not_yet(order, values, now, order_rules)
        values["signer"] = signer_of(order) or "未记录"
        return Reply("utter_detail_signed", values)
    if facet == Facet.ADDRESS:
        return Reply("utter_detail_address", values)
    if facet == Facet.COURIER:
        courier = courier_of(order)
        if courier is None:
            return _not_yet(order, values, now, order_rules)
        values["courier"] = courier
        return Reply("utter_detail_courier", values)
    if facet == Facet.AMOUNT:
        # "一件多少钱": each item's price beside the total
        values["items"] = "、".join(
            f"{item.name}{f'（{item.variant}）' if item.variant else ''} ¥{item.unit_price:.2f}×{item.quantity}" for item in order.items
        ) or values["items"]
        if order.paid_at is None:
            return Reply("utter_detail_amount_unpaid", values)
        return Reply("utter_detail_amount", values)
    if facet == Facet.CANCEL_REASON:
        if order.status != S.CANCELLED:
            return Reply("utter_detail_not_cancelled", values)
        values["cancelled_at"] = fmt_time(order.cancelled_at)
        values["cancel_reason"] = order.cancel_reason or "未注明"
        values["refund_note"] = "已付款项会原路退回。" if order.paid_at else "这个订单没有付款，不会产生费用。"
        return Reply("utter_detail_cancelled", values)
    if facet == Facet.INSURANCE:
        return Reply("utter_detail_insurance_yes" if order.freight_insurance else "utter_detail_insurance_no", values)
    if facet == Facet.ITEMS:
        return Reply("utter_detail_items", values)
    if facet == Facet.PLACED:
        return Reply("utter_detail_placed", values)
    if not shipped:  # TRACKING, ETA, SHIP_BY, NEXT_STOP before the parcel left
        return _not_yet(order, values, now, order_rules)
    if facet == Facet.SHIP_BY:
        return Reply("utter_detail_shipped_at", values)
    if delivered:
        values["signer"] = signer_of(order) or "未记录"
        return Reply("utter_detail_signed", values)
    values["eta"] = fmt_day(order.estimated_delivery)
    return Reply("utter_detail_in_transit", values)


def _not_yet(order: OrderView, values: dict, now: Optional[datetime], order_rules: rules.OrderRules) -> Reply:
    """Where an order stands when the asked detail does not exist yet (not shipped, not signed …)."""
    if order.status == S.AWAITING_SHIPMENT:
        return awaiting_shipment("utter_detail_not_shipped", values, order, now, order_rules)
    response = {
        S.PENDING_PAYMENT: "utter_detail_unpaid",
        S.AWAITING_SHIPMENT: "utter_detail_not_shipped",
        S.SHIPPED: "utter_detail_in_transit",
        S.CANCELLED: "utter_detail_is_cancelled",
    }.get(order.status, "utter_detail_in_transit")
    if order.status == S.CANCELLED:
        values["cancel_reason"] = order.cancel_reason or "未注明"
    return Reply(response, values)


def detail_replies(order: OrderView, facets: List[Facet], now: Optional[datetime] = None) -> List[Reply]:
    """One reply per asked facet, without saying the same thing twice."""
    replies: List[Reply] = []
    for facet in facets:
        reply = facet_reply(order, facet, now=now)
        if all(reply.response != r.response for r in replies):
            replies.append(reply)
    return replies
