"""What staff read first about a handed-over conversation: what the buyer wanted, in their language."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

#: The buyer's latest intent, as staff say it.
WANTED = {
    "human_handoff": "要求人工客服",
    "complain": "投诉",
    "nlu_fallback": "机器人没看懂",
    "query_order": "查订单",
    "query_logistics": "查物流",
    "urge_shipment": "催发货",
    "change_address": "改地址",
    "cancel_order": "取消订单",
    "request_return": "退货退款",
    "request_exchange": "换货",
    "request_refund": "仅退款 / 退差价",
    "query_refund_status": "查退款进度",
    "report_quality_issue": "质量问题",
    "report_damaged": "运输破损",
    "report_wrong_or_missing": "错发漏发",
    "cancel_aftersales": "撤销售后",
    "ask_product": "商品咨询",
    "ask_price_promo": "价格优惠",
    "ask_payment": "付款发票",
    "ask_policy": "售后政策",
    "inform": "补充信息",
    "bot_challenge": "问是不是机器人",
    "technical_fault": "系统故障，机器人未能回复",
}

#: The after-sales case being asked for (aftersales_form's as_kind), as staff say it.
AFTERSALES_KIND = {
    "return": "退货",
    "refund": "退款",
    "no_reason_return": "七天无理由退货",
    "exchange": "换货",
    "quality_issue": "质量问题退换",
    "damaged": "运输破损",
    "wrong_or_missing": "错发漏发",
    "not_received": "没收到货",
    "price_difference": "退差价",
}


def handoff_summary(
    intent: str, last_messages: List[str], order_no: Optional[str], aftersales_kind: Optional[str] = None
) -> Dict[str, Any]:
    """The summary stored with the handoff; ``wanted`` is the line staff read in the queue."""
    wanted = WANTED.get(intent, intent or "未知")
    if aftersales_kind:
        wanted = f"{wanted}（{AFTERSALES_KIND.get(aftersales_kind, aftersales_kind)}）"
    return {"wanted": wanted, "intent": intent, "order_id": order_no, "last_messages": last_messages}
