"""The customer archive on the seeded demo shop, SQLite and PostgreSQL: every buyer sorted, tiers written back."""

from __future__ import annotations

from sqlalchemy import select

from bot.crm.db import session_factory, session_scope
from bot.crm.models import Customer
from bot.customers.archive import CustomerArchive
from bot.customers.segments import sizes
from tests.conftest import AS_OF


def test_every_buyer_is_sorted_and_tiers_are_kept_current(seeded_db_url: str) -> None:
    archive = CustomerArchive(sessions=session_factory(seeded_db_url))
    found = archive.profiles(AS_OF)
    counted = sizes(found)
    assert sum(counted.tiers.values()) == sum(counted.lifecycles.values()) == 220
    assert set(counted.tiers) <= {"金牌", "银牌", "普通"} and counted.lifecycles.get("活跃", 0) > 0
    assert all(1 <= score <= 5 for p in found if p.recency_days is not None for score in p.rfm)
    archive.refresh_tiers(AS_OF)
    assert archive.refresh_tiers(AS_OF) == 0  # a second run changes nothing
    tiers = {p.customer_id: p.tier for p in found}
    with session_scope(seeded_db_url) as session:
        for customer in session.execute(select(Customer)).scalars():
            assert customer.tier == tiers[customer.id]
