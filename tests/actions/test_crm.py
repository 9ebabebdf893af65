"""The CRM layer on real SQLite and PostgreSQL: the demo shop, identity, and order changes."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import func, select

from bot.crm.db import session_factory, session_scope
from bot.crm.models import ChannelIdentity, Customer, LogisticsEvent, Order, OrderEvent, OrderStatus, Product
from bot.orders.address import ParsedAddress
from bot.orders.service import ActionOutcome, OrderService, VerifyOutcome
from tests.conftest import AS_OF


def test_demo_shop_is_complete(seeded_db_url: str) -> None:
    with session_scope(seeded_db_url) as session:
        assert session.execute(select(func.count(Customer.id))).scalar_one() >= 200
        assert session.execute(select(func.count(Order.id))).scalar_one() >= 1000
        products = session.execute(select(Product)).scalars().all()
        assert len(products) >= 50
        assert {p.category for p in products} == {"服装", "鞋靴", "数码", "美妆", "食品"}
        assert any(not p.no_reason_return for p in products)
        statuses = Counter(session.execute(select(Order.status)).scalars())
        assert set(statuses) == {s.value for s in OrderStatus}
        shipped = session.execute(select(Order).where(Order.status == OrderStatus.SHIPPED.value).limit(20)).scalars()
        for order in shipped:
            assert order.shipment is not None and order.shipment.events, order.order_no
            assert order.shipment.delivered_at is None
        assert session.execute(select(func.count(LogisticsEvent.id))).scalar_one() > 2000


def test_seed_is_deterministic(seeded_db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.crm import schema
    from bot.crm.demo.seed import seed_demo

    other = f"sqlite:///{tmp_path / 'again.db'}"
    schema.upgrade(other)
    with session_scope(other) as session:
        seed_demo(session, as_of=AS_OF)

    def fingerprint(url: str) -> list:
        with session_scope(url) as session:
            return session.execute(
                select(Order.order_no, Order.status, Order.total_amount, Customer.platform_uid)
                .join(Customer)
                .order_by(Order.order_no)
            ).all()

    assert fingerprint(other) == fingerprint(seeded_db_url)


def test_sender_binding_and_verification(seeded_db_url: str) -> None:
    service = OrderService(session_factory(seeded_db_url))
    assert service.identify("tb_xiaoyu").nickname == "小雨不带伞"
    assert service.identify("wx_stranger_1") is None
    outcome, _ = service.verify("wx_stranger_1", "13800000002", "4128503961730215", AS_OF)  # someone else's order
    assert outcome == VerifyOutcome.MISMATCH
    assert service.identify("wx_stranger_1") is None
    outcome, customer = service.verify("wx_stranger_1", "13800000005", "8526130497501568", AS_OF)
    assert outcome == VerifyOutcome.VERIFIED and customer.nickname == "婷婷玉立"
    assert service.identify("wx_stranger_1").nickname == "婷婷玉立"
    with session_scope(seeded_db_url) as session:
        identity = session.execute(select(ChannelIdentity).where(ChannelIdentity.sender_id == "wx_stranger_1")).scalar_one()
        assert identity.method == "phone+order"


def test_orders_are_scoped_to_their_buyer(seeded_db_url: str) -> None:
    service = OrderService(session_factory(seeded_db_url))
    xiaoyu = service.identify("tb_xiaoyu")
    assert service.order(xiaoyu.id, "5230917846201337") is None  # 王军's order
    view = service.order(xiaoyu.id, "4128503961730215")
    assert view is not None and view.carrier and view.tracks
    assert "****" in view.recipient_phone_masked


def _unshipped_order(url: str) -> tuple:
    with session_scope(url) as session:
        order = (
            session.execute(
                select(Order).where(Order.status == OrderStatus.AWAITING_SHIPMENT.value, Order.customer_id > 5).order_by(Order.id)
            )
            .scalars()
            .first()
        )
        return order.customer_id, order.order_no


def test_cancel_is_exactly_once_under_concurrency(seeded_db_url: str) -> None:
    customer_id, order_no = _unshipped_order(seeded_db_url)
    service = OrderService(session_factory(seeded_db_url))
    outcomes = []

    def cancel() -> None:
        outcomes.append(service.cancel(customer_id, order_no, "拍错了", "test", AS_OF).outcome)

    threads = [threading.Thread(target=cancel) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(ActionOutcome.DONE) == 1
    assert set(outcomes) <= {ActionOutcome.DONE, ActionOutcome.ALREADY}  # the losers learn it is already cancelled
    with session_scope(seeded_db_url) as session:
        order = session.execute(select(Order).where(Order.order_no == order_no)).scalar_one()
        assert order.status == OrderStatus.CANCELLED.value and order.cancel_reason == "拍错了"
        kinds = session.execute(select(OrderEvent.kind).where(OrderEvent.order_id == order.id)).scalars().all()
        assert kinds.count("cancelled") == 1


def test_shipped_order_cannot_be_cancelled_or_readdressed(seeded_db_url: str) -> None:
    service = OrderService(session_factory(seeded_db_url))
    xiaoyu = service.identify("tb_xiaoyu")
    assert service.cancel(xiaoyu.id, "4128503961730215", "x", "test", AS_OF).outcome == ActionOutcome.NOT_ALLOWED
    new = ParsedAddress("北京市朝阳区建国路88号3单元502")
    assert service.change_address(xiaoyu.id, "4128503961730215", new, "test", AS_OF).outcome == ActionOutcome.NOT_ALLOWED
    assert service.order(xiaoyu.id, "4128503961730215").status == OrderStatus.SHIPPED


def test_change_address_keeps_the_old_one_in_the_audit_trail(seeded_db_url: str) -> None:
    customer_id, order_no = _unshipped_order(seeded_db_url)
    with session_scope(seeded_db_url) as session:
        second = (
            session.execute(
                select(Order)
                .where(Order.status == OrderStatus.AWAITING_SHIPMENT.value, Order.order_no != order_no, Order.customer_id > 5)
                .order_by(Order.id.desc())
            )
            .scalars()
            .first()
        )
        customer_id, order_no, old_address = second.customer_id, second.order_no, second.address
    service = OrderService(session_factory(seeded_db_url))
    new = ParsedAddress("上海市浦东新区世纪大道100号", recipient="张三", phone="13912345678")
    result = service.change_address(customer_id, order_no, new, "test", AS_OF)
    assert result.outcome == ActionOutcome.DONE
    assert result.order.address == new.address and result.order.recipient == "张三"
    assert service.change_address(customer_id, order_no, new, "test", AS_OF).outcome == ActionOutcome.ALREADY
    with session_scope(seeded_db_url) as session:
        order = session.execute(select(Order).where(Order.order_no == order_no)).scalar_one()
        event = session.execute(
            select(OrderEvent).where(OrderEvent.order_id == order.id, OrderEvent.kind == "address_changed")
        ).scalar_one()
        assert event.detail["old"]["address"] == old_address
        assert order.recipient_phone == "13912345678"


def test_urge_counts_and_reports_overdue(seeded_db_url: str) -> None:
    service = OrderService(session_factory(seeded_db_url))
    wangjun = service.identify("tb_wangjun")
    first = service.urge(wangjun.id, "5230917846202448", "test", AS_OF)  # paid 80 hours ago
    second = service.urge(wangjun.id, "5230917846202448", "test", AS_OF)
    assert first.overdue and second.urge_count == first.urge_count + 1
    shipped = service.urge(service.identify("tb_xiaoyu").id, "4128503961730215", "test", AS_OF)
    assert not shipped.overdue and shipped.order.status == OrderStatus.SHIPPED
