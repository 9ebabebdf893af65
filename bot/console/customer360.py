"""The customer 360 beside a conversation: profile, orders with items and parcels, after-sales cases, complaints.

Phone numbers and addresses are masked for agents; an admin, or an agent who
reveals them on purpose (the console logs it), sees them whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bot import clock
from bot.aftersales import stages
from bot.aftersales.service import AftersalesService, RequestView
from bot.care.book import CareBook
from bot.care.rules import KIND_LABELS
from bot.complaints.service import OPEN_COMPLAINT
from bot.console.api import complaint_json
from bot.crm.db import UsesCrm
from bot.crm.formats import mask_phone
from bot.crm.models import Complaint, Customer, Order, Shipment
from bot.customers.archive import CustomerArchive
from bot.policy.model import Policy

ORDERS_SHOWN = 8


def mask_address(address: Optional[str]) -> str:
    """Province and city stay readable (where the parcel goes); the street and number do not."""
    if not address:
        return ""
    return address[:6] + "****"


@dataclass
class Customer360:
    id: int
    name: str
    nickname: str
    phone: str
    email: str
    tier: str
    at_risk: bool
    since: str
    addresses: List[str] = field(default_factory=list)
    orders: List[Dict[str, Any]] = field(default_factory=list)
    returns: List[Dict[str, Any]] = field(default_factory=list)
    complaints: List[Dict[str, Any]] = field(default_factory=list)
    revealed: bool = False
    lifecycle: str = ""
    rfm: str = ""
    risk: List[str] = field(default_factory=list)  # why the buyer is at risk, in words
    satisfaction: List[Dict[str, Any]] = field(default_factory=list)  # every 1–5 score, newest first
    opted_out: str = ""  # when and in what words the buyer turned proactive messages off
    care: List[Dict[str, Any]] = field(default_factory=list)  # the latest proactive messages


class CustomerFile(UsesCrm):
    def __init__(self, policy: Policy, sessions: Optional[sessionmaker] = None):
        super().__init__(sessions)
        self.aftersales = AftersalesService(policy, sessions)
        self.archive = CustomerArchive(sessions=sessions)
        self.care = CareBook(sessions)

    def load(self, customer_id: int, reveal: bool, now: Optional[datetime] = None) -> Optional[Customer360]:
        phone = (lambda text: text or "") if reveal else mask_phone
        place = (lambda text: text or "") if reveal else mask_address
        with self.sessions() as session:
            customer = session.get(Customer, customer_id, options=[selectinload(Customer.addresses)])
            if customer is None:
                return None
            orders = session.execute(
                select(Order)
                .where(Order.customer_id == customer_id)
                .options(
                    selectinload(Order.items),
                    selectinload(Order.shipments).selectinload(Shipment.events),
                )
                .order_by(Order.created_at.desc())
                .limit(ORDERS_SHOWN)
            ).scalars()
            view = Customer360(
                id=customer.id,
                name=customer.real_name or customer.nickname,
                nickname=customer.nickname,
                phone=phone(customer.phone),
                email=customer.email or "",
                tier=customer.tier,
                at_risk=customer.at_risk_since is not None,
                since=f"{customer.created_at:%Y-%m-%d}",
                addresses=[f"{a.recipient} {phone(a.phone)} {place(a.province + a.city + a.district + a.detail)}"
                           for a in customer.addresses],
                orders=[_order(o, phone, place) for o in orders],
                revealed=reveal,
            )
            complaints = session.execute(
                select(Complaint).where(Complaint.customer_id == customer_id).order_by(Complaint.created_at.desc()).limit(10)
            ).scalars()
            view.complaints = [complaint_json(c) for c in complaints]
            view.satisfaction = satisfaction_history(session, customer_id)
            if customer.care_opted_out_at:
                view.opted_out = f"{customer.care_opted_out_at:%Y-%m-%d %H:%M} 退订：“{customer.care_opt_out_text or ''}”"
        view.returns = [_return(r) for r in self.aftersales.requests_of(customer_id, limit=10)]
        self._add_archive(view, now or clock.now())
        view.care = [
            {"kind": KIND_LABELS.get(m.kind, m.kind), "status": m.status, "at": f"{m.created_at:%m-%d %H:%M}"}
            for m in self.care.sent_to(customer_id, limit=8)
        ]
        return view

    def _add_archive(self, view: Customer360, now: datetime) -> None:
        """Lifecycle, RFM and why the buyer is at risk, from the customer archive (issue: customer care)."""
        profile = self.archive.profile(view.id, now)
        if profile is None:
            return
        view.tier = profile.tier
        view.lifecycle = profile.lifecycle
        view.rfm = "R{} F{} M{}".format(*profile.rfm) if profile.recency_days is not None else ""
        if view.at_risk:
            view.risk.append("回访评分偏低")
        if any(c["status"] in OPEN_COMPLAINT for c in view.complaints):
            view.risk.append("有未结投诉")
        if profile.lifecycle in ("沉睡", "流失"):
            view.risk.append(f"{profile.recency_days} 天未下单（{profile.lifecycle}）")
        view.at_risk = bool(view.risk)


def satisfaction_history(session: Session, customer_id: int) -> List[Dict[str, Any]]:
    """The buyer's 1–5 scores: complaint follow-ups and delivery check-ins, newest first."""
    scores = [
        (at, "投诉回访", no, score)
        for at, no, score in session.execute(
            select(Complaint.followed_up_at, Complaint.complaint_no, Complaint.satisfaction).where(
                Complaint.customer_id == customer_id, Complaint.satisfaction.is_not(None)
            )
        )
    ] + [
        (at, "签收回访", no, score)
        for at, no, score in session.execute(
            select(Order.rated_at, Order.order_no, Order.satisfaction).where(
                Order.customer_id == customer_id, Order.satisfaction.is_not(None)
            )
        )
    ]
    scores.sort(key=lambda row: row[0] or datetime.min, reverse=True)
    return [{"at": f"{at:%Y-%m-%d}" if at else "", "source": source, "about": about, "score": score} for at, source, about, score in scores]


def _order(order: Order, phone: Any, place: Any) -> Dict[str, Any]:
    shipment = order.shipment
    last = max(shipment.events, key=lambda e: e.occurred_at) if shipment and shipment.events else None
    return {
        "order_no": order.order_no,
        "status": order.status,
        "created_at": f"{order.created_at:%Y-%m-%d}",
        "total": f"{order.total_amount:.2f}",
        "goods": [f"{i.product_name}{(' ' + i.variant_label) if i.variant_label else ''} ×{i.quantity}" for i in order.items],
        "recipient": f"{order.recipient} {phone(order.recipient_phone)}",
        "address": place(order.address),
        "parcel": f"{shipment.carrier} {shipment.tracking_no}" if shipment else "",
        "last_event": f"{last.occurred_at:%m-%d %H:%M} {last.location} {last.description}" if last else "",
    }


def _return(request: RequestView) -> Dict[str, Any]:
    moves = [a.value for a in stages.StaffAction if stages.staff_move(request.kind, request.status, a, "原因").allowed]
    return {
        "rma_no": request.rma_no,
        "order_no": request.order_no,
        "item": f"{request.item_name} {request.item_variant} ×{request.quantity}".strip(),
        "kind": request.kind.value,
        "status": request.status.value,
        "reason": request.reason,
        "refund": f"{request.refund_amount:.2f}" if request.refund_amount is not None else "",
        "created_at": f"{request.created_at:%m-%d %H:%M}",
        "moves": moves,
    }
