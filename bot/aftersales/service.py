"""Reading a buyer's after-sales requests (the full request flow extends this module)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import List, Optional

from sqlalchemy import select

from bot.crm.db import session_factory
from bot.crm.models import Order, ReturnRequest


@dataclass(frozen=True)
class ReturnSummary:
    rma_no: str
    order_no: str
    kind: str
    status: str
    refund_amount: Optional[Decimal]
    updated_at: datetime

    def line(self) -> str:
        amount = f"，退款¥{self.refund_amount:.2f}" if self.refund_amount is not None else ""
        return f"· {self.rma_no}（订单 {self.order_no}，{self.kind}）：{self.status}{amount}，更新于 {self.updated_at:%m月%d日 %H:%M}"


def requests_of(customer_id: int, url: Optional[str] = None, limit: int = 5) -> List[ReturnSummary]:
    with session_factory(url)() as session:
        rows = session.execute(
            select(ReturnRequest, Order.order_no)
            .join(Order, Order.id == ReturnRequest.order_id)
            .where(ReturnRequest.customer_id == customer_id)
            .order_by(ReturnRequest.updated_at.desc())
            .limit(limit)
        ).all()
        return [ReturnSummary(r.rma_no, order_no, r.kind, r.status, r.refund_amount, r.updated_at) for r, order_no in rows]
