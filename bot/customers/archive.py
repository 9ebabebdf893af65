"""The customer archive from the CRM: every buyer's purchases and risk, sorted by ``segments``, tiers kept current."""

from __future__ import annotations

from datetime import datetime
from typing import Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.complaints.service import OPEN_COMPLAINT
from bot.crm.db import UsesCrm
from bot.crm.models import Complaint, Customer, Order, OrderStatus
from bot.customers.segments import CareRules, Profile, Purchase, load_rules, profiles

#: Orders that were paid for and not cancelled: purchases.
PURCHASED = (OrderStatus.AWAITING_SHIPMENT.value, OrderStatus.SHIPPED.value, OrderStatus.DELIVERED.value,
             OrderStatus.COMPLETED.value)


class CustomerArchive(UsesCrm):
    def __init__(self, rules: Optional[CareRules] = None, sessions: Optional[sessionmaker] = None):
        super().__init__(sessions)
        self.rules = rules or load_rules()

    def profiles(self, now: datetime) -> List[Profile]:
        with self.sessions() as session:
            histories: Dict[int, List[Purchase]] = {cid: [] for cid in session.execute(select(Customer.id)).scalars()}
            for customer_id, paid_at, amount in session.execute(
                select(Order.customer_id, Order.paid_at, Order.total_amount).where(
                    Order.status.in_(PURCHASED), Order.paid_at.is_not(None), Order.paid_at <= now
                )
            ):
                histories.setdefault(customer_id, []).append(Purchase(paid_at, amount))
            at_risk = {cid: True for cid in session.execute(select(Customer.id).where(Customer.at_risk_since.is_not(None))).scalars()}
            for cid in session.execute(select(Complaint.customer_id).where(Complaint.status.in_(OPEN_COMPLAINT))).scalars():
                at_risk[cid] = True
        return profiles(histories, at_risk, now, self.rules)

    def profile(self, customer_id: int, now: datetime) -> Optional[Profile]:
        """One buyer's profile; RFM scores are ranks among all buyers, so all are computed."""
        return next((p for p in self.profiles(now) if p.customer_id == customer_id), None)

    def names(self) -> Dict[int, str]:
        with self.sessions() as session:
            return {cid: real or nick for cid, real, nick in session.execute(select(Customer.id, Customer.real_name, Customer.nickname))}

    def refresh_tiers(self, now: datetime, found_profiles: Optional[List[Profile]] = None) -> int:
        """Write each buyer's current tier to the CRM (what staff and the bot read); returns how many changed.

        ``found_profiles``: the profiles as of ``now`` when the caller has them already (the care job)."""
        found = {p.customer_id: p.tier for p in (found_profiles if found_profiles is not None else self.profiles(now))}
        changed = 0
        with self.sessions.begin() as session:
            for customer in session.execute(select(Customer)).scalars():
                tier = found.get(customer.id)
                if tier and customer.tier != tier:
                    customer.tier = tier
                    changed += 1
        return changed
