"""What calls for a proactive message right now, read from the CRM: each event has a key that names it for good.

The key is what makes the job idempotent: ``shipped:<shipment>``, ``stalled:<shipment>:<last tracking
event>`` (a parcel that moves and stalls again is news again), ``checkin:<order>``, ``complaint:<id>``,
``birthday:<buyer>:<year>``, ``festival:<name>:<year>:<buyer>``, ``winback:<buyer>:<last purchase day>``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Dict, Iterable, List, Optional, Tuple

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from bot.care.rules import CareRules
from bot.crm.models import (
    ChannelIdentity,
    Complaint,
    ComplaintStatus,
    Customer,
    LogisticsEvent,
    Order,
    OrderItem,
    OrderStatus,
    ReturnRequest,
    Shipment,
)
from bot.customers.segments import Profile
from bot.handoff import hours

logger = logging.getLogger(__name__)

LIVE_BUYERS = ("新客", "活跃", "沉睡")  # who gets greetings: buyers, and not those gone for a year


@dataclass(frozen=True)
class StaffTaskSpec:
    title: str
    due_at: datetime
    detail: Dict[str, str]


@dataclass
class CareEvent:
    key: str
    kind: str
    customer_id: int
    response: str  # the domain.yml response the bot says
    placeholders: Dict[str, str]
    why: str  # for people: why this buyer gets this message now
    order_id: Optional[int] = None
    task: Optional[StaffTaskSpec] = None
    sender_id: str = ""
    extra: Dict[str, str] = field(default_factory=dict)


def display_name(real_name: Optional[str], nickname: str) -> str:
    return real_name or nickname


def items_label(names: List[str]) -> str:
    """'纯棉T恤' / '纯棉T恤等 3 件商品' — what the parcel holds, short enough for a chat line."""
    if not names:
        return "您的商品"
    return names[0] if len(names) == 1 else f"{names[0]}等 {len(names)} 件商品"


def festival_on(day: date, wanted: Iterable[str]) -> Optional[str]:
    """The configured festival whose public holiday ``day`` is, if any: the shop's service calendar
    (chinese-calendar; working weekends in lieu are not holidays; for a year the package does not
    cover yet, the fixed-date ones — 元旦, 劳动节, 国庆节 — still count)."""
    kind, name = hours.day_kind(day)
    return name if kind == hours.DayKind.PUBLIC_HOLIDAY and name in set(wanted) else None


def birthday_today(birthday: Optional[date], today: date) -> bool:
    """A 29 February birthday is greeted on 28 February in other years."""
    if birthday is None:
        return False
    if (birthday.month, birthday.day) == (today.month, today.day):
        return True
    leap = today.year % 4 == 0 and (today.year % 100 != 0 or today.year % 400 == 0)
    return (birthday.month, birthday.day) == (2, 29) and not leap and (today.month, today.day) == (2, 28)


def _when(moment: datetime) -> str:
    return f"{moment.month}月{moment.day}日 {moment:%H:%M}"


class EventFinder:
    """Collects the events of one run; one session, a handful of queries, no per-buyer round trips."""

    def __init__(self, session: Session, rules: CareRules, now: datetime):
        self.session = session
        self.rules = rules
        self.now = now
        self._names: Dict[int, str] = {}

    def all(self, profiles: List[Profile]) -> List[CareEvent]:
        self._names = {
            cid: display_name(real, nick)
            for cid, real, nick in self.session.execute(select(Customer.id, Customer.real_name, Customer.nickname))
        }
        found = [
            *self.stalled(),
            *self.shipped(),
            *self.complaint_followups(),
            *self.checkins(),
            *self.birthdays(profiles),
            *self.festivals(profiles),
            *self.winbacks(profiles),
        ]
        senders = self.senders({e.customer_id for e in found})
        for event in found:
            event.sender_id = senders[event.customer_id]
        return found

    def senders(self, customer_ids: set) -> Dict[int, str]:
        """Where each buyer is reached: the chat they last wrote from, else their platform account."""
        chosen = {
            cid: uid
            for cid, uid in self.session.execute(select(Customer.id, Customer.platform_uid).where(Customer.id.in_(customer_ids)))
        }
        for cid, sender in self.session.execute(
            select(ChannelIdentity.customer_id, ChannelIdentity.sender_id)
            .where(ChannelIdentity.customer_id.in_(customer_ids))
            .order_by(ChannelIdentity.verified_at)
        ):
            chosen[cid] = sender
        return chosen

    # --- parcels -----------------------------------------------------------------------------------

    def _open_shipments(self) -> List[Tuple[Shipment, Order]]:
        rows = self.session.execute(
            select(Shipment, Order)
            .join(Order, Order.id == Shipment.order_id)
            .where(
                Shipment.delivered_at.is_(None),
                Shipment.shipped_at <= self.now,
                Order.status == OrderStatus.SHIPPED.value,
            )
        )
        return [(shipment, order) for shipment, order in rows]

    def _items(self, order_ids: Iterable[int]) -> Dict[int, List[str]]:
        found: Dict[int, List[str]] = {}
        for order_id, name in self.session.execute(
            select(OrderItem.order_id, OrderItem.product_name).where(OrderItem.order_id.in_(list(order_ids))).order_by(OrderItem.id)
        ):
            found.setdefault(order_id, []).append(name)
        return found

    def shipped(self) -> List[CareEvent]:
        since = self.now - timedelta(hours=self.rules.shipped_within_hours)
        fresh = [(s, o) for s, o in self._open_shipments() if s.shipped_at >= since]
        items = self._items(o.id for _, o in fresh)
        return [
            CareEvent(
                key=f"shipped:{shipment.id}",
                kind="shipped",
                customer_id=order.customer_id,
                order_id=order.id,
                response="utter_care_shipped",
                placeholders={
                    "name": self._names[order.customer_id],
                    "order_no": order.order_no,
                    "items": items_label(items.get(order.id, [])),
                    "carrier": shipment.carrier,
                    "tracking_no": shipment.tracking_no,
                    "eta": f"{shipment.estimated_delivery.month}月{shipment.estimated_delivery.day}日"
                    if shipment.estimated_delivery
                    else "近日",
                },
                why=f"订单 {order.order_no} 于 {_when(shipment.shipped_at)} 发货",
            )
            for shipment, order in fresh
        ]

    def stalled(self) -> List[CareEvent]:
        open_shipments = self._open_shipments()
        last: Dict[int, LogisticsEvent] = {}
        ids = [s.id for s, _ in open_shipments]
        latest = (
            select(LogisticsEvent.shipment_id, func.max(LogisticsEvent.occurred_at).label("at"))
            .where(LogisticsEvent.shipment_id.in_(ids), LogisticsEvent.occurred_at <= self.now)
            .group_by(LogisticsEvent.shipment_id)
            .subquery()
        )
        for event in self.session.execute(
            select(LogisticsEvent).join(
                latest, and_(LogisticsEvent.shipment_id == latest.c.shipment_id, LogisticsEvent.occurred_at == latest.c.at)
            )
        ).scalars():
            last[event.shipment_id] = event
        limit = timedelta(hours=self.rules.stalled_after_hours)
        found = []
        for shipment, order in open_shipments:
            event = last.get(shipment.id)
            moved_at = event.occurred_at if event else shipment.shipped_at
            if self.now - moved_at < limit:
                continue
            hours = int((self.now - moved_at).total_seconds() // 3600)
            where = event.location if event else "发货地"
            found.append(
                CareEvent(
                    key=f"stalled:{shipment.id}:{event.id if event else 0}",
                    kind="stalled",
                    customer_id=order.customer_id,
                    order_id=order.id,
                    response="utter_care_stalled",
                    placeholders={
                        "name": self._names[order.customer_id],
                        "order_no": order.order_no,
                        "carrier": shipment.carrier,
                        "tracking_no": shipment.tracking_no,
                        "last_seen": f"{_when(moved_at)} 在{where}",
                    },
                    why=f"{shipment.carrier} {shipment.tracking_no} 已 {hours} 小时没有物流更新（最后：{_when(moved_at)} {where}）",
                    task=StaffTaskSpec(
                        title=f"联系{shipment.carrier}：运单 {shipment.tracking_no}（订单 {order.order_no}）{hours} 小时无物流更新",
                        due_at=self.now + timedelta(hours=self.rules.stalled_task_due_hours),
                        detail={
                            "carrier": shipment.carrier,
                            "tracking_no": shipment.tracking_no,
                            "order_no": order.order_no,
                            "last_seen": f"{_when(moved_at)} {where}",
                        },
                    ),
                )
            )
        return found

    # --- after delivery and after complaints ---------------------------------------------------------

    def checkins(self) -> List[CareEvent]:
        newest = self.now - timedelta(hours=self.rules.checkin_after_hours)
        oldest = self.now - timedelta(hours=self.rules.checkin_within_hours)
        troubled = select(ReturnRequest.order_id).union(select(Complaint.order_id).where(Complaint.order_id.is_not(None)))
        orders = list(
            self.session.execute(
                select(Order).where(
                    Order.status.in_((OrderStatus.DELIVERED.value, OrderStatus.COMPLETED.value)),
                    Order.delivered_at.between(oldest, newest),
                    Order.satisfaction.is_(None),
                    Order.id.not_in(troubled),  # a return or complaint already says how it went
                )
            ).scalars()
        )
        items = self._items(o.id for o in orders)
        return [
            CareEvent(
                key=f"checkin:{order.id}",
                kind="checkin",
                customer_id=order.customer_id,
                order_id=order.id,
                response="utter_care_checkin",
                placeholders={
                    "name": self._names[order.customer_id],
                    "order_no": order.order_no,
                    "items": items_label(items.get(order.id, [])),
                },
                why=f"订单 {order.order_no} 于 {_when(order.delivered_at)} 签收",
            )
            for order in orders
        ]

    def complaint_followups(self) -> List[CareEvent]:
        """Resolved complaints whose 1–5 question never went out (e.g. resolved outside the console)."""
        since = self.now - timedelta(days=self.rules.complaint_followup_days)
        rows = self.session.execute(
            select(Complaint).where(
                Complaint.status == ComplaintStatus.RESOLVED.value,
                Complaint.followup_asked_at.is_(None),
                Complaint.resolved_at.between(since, self.now),
            )
        ).scalars()
        return [
            CareEvent(
                key=f"complaint:{complaint.id}",
                kind="complaint_followup",
                customer_id=complaint.customer_id,
                order_id=complaint.order_id,
                response="utter_ask_satisfaction",
                placeholders={"name": self._names[complaint.customer_id], "complaint_no": complaint.complaint_no},
                why=f"投诉 {complaint.complaint_no} 于 {_when(complaint.resolved_at)} 解决，还没有回访",
                extra={"complaint_no": complaint.complaint_no},
            )
            for complaint in rows
        ]

    # --- greetings and win-back ------------------------------------------------------------------

    def birthdays(self, profiles: List[Profile]) -> List[CareEvent]:
        today = self.now.date()
        live = {p.customer_id for p in profiles if p.lifecycle in LIVE_BUYERS}
        found = []
        for cid, birthday in self.session.execute(select(Customer.id, Customer.birthday).where(Customer.birthday.is_not(None))):
            if cid in live and birthday_today(birthday, today):
                found.append(
                    CareEvent(
                        key=f"birthday:{cid}:{today.year}",
                        kind="birthday",
                        customer_id=cid,
                        response="utter_care_birthday",
                        placeholders={"name": self._names[cid]},
                        why=f"今天是买家生日（{birthday.month}月{birthday.day}日）",
                    )
                )
        return found

    def festivals(self, profiles: List[Profile]) -> List[CareEvent]:
        today = self.now.date()
        festival = festival_on(today, self.rules.festivals)
        if festival is None:
            return []
        return [
            CareEvent(
                key=f"festival:{festival}:{today.year}:{p.customer_id}",
                kind="festival",
                customer_id=p.customer_id,
                response="utter_care_festival",
                placeholders={"name": self._names[p.customer_id], "festival": festival},
                why=f"{today.month}月{today.day}日是{festival}假期",
            )
            for p in profiles
            if p.lifecycle in LIVE_BUYERS
        ]

    def winbacks(self, profiles: List[Profile]) -> List[CareEvent]:
        found = []
        for profile in profiles:
            if profile.lifecycle != "沉睡" or profile.last_purchase is None:
                continue
            offer = self.rules.winback_offers.get(profile.tier)
            if not offer:
                continue
            last_day = profile.last_purchase.date()  # one win-back per quiet spell: a new purchase starts a new one
            found.append(
                CareEvent(
                    key=f"winback:{profile.customer_id}:{last_day.isoformat()}",
                    kind="winback",
                    customer_id=profile.customer_id,
                    response="utter_care_winback",
                    placeholders={"name": self._names[profile.customer_id], "offer": offer, "tier": profile.tier},
                    why=f"{profile.tier}买家已 {profile.recency_days} 天没有下单（沉睡）",
                )
            )
        return found
