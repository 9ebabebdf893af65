"""After-sales cases on real SQLite and PostgreSQL: recording exactly once, RMA numbers, stock, and staff moves.

The seeded database is shared by every test of this module, so each test works on
order lines nobody else touches: the featured buyers' fixed orders where the story
needs them, otherwise fresh delivered orders made by ``_fresh_order``. Variants whose
stock a test sets are given back their stock at the end.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Callable, Iterator, List, Optional, Sequence, Tuple, TypeVar

import pytest
from sqlalchemy import event, select

from bot import clock
from bot.aftersales.service import AftersalesService, Submission, SubmitOutcome, SubmitResult
from bot.aftersales.stages import StaffAction
from bot.cli import main
from bot.crm.db import get_engine, session_factory, session_scope
from bot.crm.models import (
    Customer,
    Order,
    OrderItem,
    OrderStatus,
    Product,
    ProductVariant,
    ReturnKind,
    ReturnRequest,
    ReturnStage,
    ReturnStatus,
)
from bot.orders.service import OrderService
from bot.policy.decisions import Offer, Request, RequestKind
from bot.policy.model import load_policy
from tests.conftest import AS_OF

POLICY = load_policy()
SUNLI_TEES_AND_SHOES = "9637241508601779"  # 纯棉圆领短袖T恤 白色 L ×2 + 经典款帆布鞋 白色 39 ×1, 运费险, signed 30 h ago
SUNLI_HOODIE = "9637241508602881"  # signed 10 days ago, no 运费险
SUNLI_NUTS = "9637241508603992"  # 每日坚果 ×2, food, signed 50 h ago
XIAOYU_SHIPPED = "4128503961730215"  # 林小雨's order

TEE = "CL003"  # 纯棉圆领短袖T恤 ¥69
SHOES = "SH001"  # 经典款帆布鞋 ¥129
_order_numbers = itertools.count(1)

T = TypeVar("T")


# --- helpers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    sku: str
    color: str
    size: str
    quantity: int


DEFAULT_LINES = (Line(TEE, "白色", "L", 2), Line(SHOES, "白色", "39", 1))


def _service(url: str) -> AftersalesService:
    return AftersalesService(POLICY, session_factory(url))


def _customer_id(url: str, uid: str = "tb_sunli") -> int:
    return OrderService(session_factory(url)).identify(uid).id


def _variant_id(url: str, sku: str, color: str, size: str) -> int:
    with session_scope(url) as session:
        return session.execute(
            select(ProductVariant.id)
            .join(Product, Product.id == ProductVariant.product_id)
            .where(Product.sku == sku, ProductVariant.color == color, ProductVariant.size == size)
        ).scalar_one()


def _fresh_order(
    url: str,
    lines: Sequence[Line] = DEFAULT_LINES,
    uid: str = "tb_sunli",
    delivered_at: Optional[datetime] = None,
    insurance: bool = False,
) -> Tuple[str, List[int]]:
    """A new delivered order of ``uid`` nobody else has seen: (order_no, item ids in line order)."""
    delivered_at = delivered_at or AS_OF - timedelta(hours=30)
    with session_scope(url) as session:
        customer = session.execute(select(Customer).where(Customer.platform_uid == uid)).scalar_one()
        order = Order(
            order_no=f"99{next(_order_numbers):014d}",
            customer_id=customer.id,
            status=OrderStatus.DELIVERED.value,
            total_amount=Decimal("0"),
            shipping_fee=Decimal("0"),
            freight_insurance=insurance,
            payment_method="支付宝",
            recipient=customer.real_name or customer.nickname,
            recipient_phone=customer.phone,
            address="浙江省杭州市西湖区文三路1号",
            created_at=delivered_at - timedelta(days=3),
            paid_at=delivered_at - timedelta(days=3) + timedelta(minutes=5),
            shipped_at=delivered_at - timedelta(days=2),
            delivered_at=delivered_at,
        )
        total = Decimal("0")
        for line in lines:
            variant = session.execute(
                select(ProductVariant)
                .join(Product, Product.id == ProductVariant.product_id)
                .where(Product.sku == line.sku, ProductVariant.color == line.color, ProductVariant.size == line.size)
            ).scalar_one()
            product = variant.product
            order.items.append(
                OrderItem(
                    product_id=product.id,
                    variant_id=variant.id,
                    product_name=product.name,
                    variant_label=variant.label(),
                    unit_price=product.price,
                    quantity=line.quantity,
                )
            )
            total += product.price * line.quantity
        order.total_amount = total
        session.add(order)
        session.flush()
        return order.order_no, [item.id for item in order.items]


def _item_ids(url: str, order_no: str) -> List[int]:
    with session_scope(url) as session:
        order = session.execute(select(Order).where(Order.order_no == order_no)).scalar_one()
        return [item.id for item in order.items]


def _submission(
    customer_id: int, order_no: str, item_id: int, kind: RequestKind = RequestKind.NO_REASON_RETURN, quantity: int = 1, **more
) -> Submission:
    return Submission(customer_id, order_no, item_id, kind, quantity, more.pop("reason", "不想要了"), **more)


def _rows_for_item(url: str, item_id: int) -> List[Tuple[str, str, str]]:
    """(rma_no, status, idempotency_key) of every case on the item, oldest first."""
    with session_scope(url) as session:
        return [
            tuple(row)
            for row in session.execute(
                select(ReturnRequest.rma_no, ReturnRequest.status, ReturnRequest.idempotency_key)
                .where(ReturnRequest.order_item_id == item_id)
                .order_by(ReturnRequest.id)
            )
        ]


def _rows_for_order(url: str, order_no: str) -> int:
    with session_scope(url) as session:
        order_id = session.execute(select(Order.id).where(Order.order_no == order_no)).scalar_one()
        return len(session.execute(select(ReturnRequest.id).where(ReturnRequest.order_id == order_id)).all())


def _stages(url: str, rma_no: str) -> List[Tuple[str, str, Optional[str], datetime]]:
    """(status, actor, note, created_at) of every stage of a case, in order."""
    with session_scope(url) as session:
        return [
            tuple(row)
            for row in session.execute(
                select(ReturnStage.status, ReturnStage.actor, ReturnStage.note, ReturnStage.created_at)
                .join(ReturnRequest, ReturnRequest.id == ReturnStage.request_id)
                .where(ReturnRequest.rma_no == rma_no)
                .order_by(ReturnStage.id)
            )
        ]


def _stock(url: str, variant_id: int) -> int:
    with session_scope(url) as session:
        return session.get(ProductVariant, variant_id).stock


@contextmanager
def _stock_set_to(url: str, variant_id: int, stock: int) -> Iterator[None]:
    """The variant holds exactly ``stock`` inside the block; its stock is put back afterwards."""
    with session_scope(url) as session:
        variant = session.get(ProductVariant, variant_id)
        before, variant.stock = variant.stock, stock
    try:
        yield
    finally:
        with session_scope(url) as session:
            session.get(ProductVariant, variant_id).stock = before


def _all_at_once(count: int, work: Callable[[], T]) -> List[T]:
    """Run ``work`` in ``count`` threads released together; every result, or the first error raised."""
    barrier = threading.Barrier(count)
    results: List[T] = []
    errors: List[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            results.append(work())
        except BaseException as error:  # noqa: BLE001 - reported in the main thread
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    if errors:
        raise errors[0]
    return results


def _cli(url: str, *args: str) -> int:
    return main(["--database-url", url, "returns", *args])


def _rma_pattern(now: datetime) -> str:
    return rf"RMA{now:%y%m%d}\d{{4}}"


def _submit_quality(url: str, customer_id: int) -> Tuple[str, int]:
    """A pending quality return on a fresh order's T-shirts: (rma_no, item id)."""
    order_no, (tee, _) = _fresh_order(url)
    result = _service(url).submit(
        _submission(customer_id, order_no, tee, RequestKind.QUALITY_ISSUE, reason="开线了", evidence="已发照片"), AS_OF
    )
    assert result.outcome == SubmitOutcome.CREATED and result.request.status == ReturnStatus.PENDING
    return result.request.rma_no, tee


# --- recording a case ---------------------------------------------------------------------


def test_no_reason_return_is_auto_approved_with_an_rma_and_insured_postage(seeded_db_url: str) -> None:
    service = _service(seeded_db_url)
    sunli = _customer_id(seeded_db_url)
    tee, shoes = _item_ids(seeded_db_url, SUNLI_TEES_AND_SHOES)
    assert _rows_for_item(seeded_db_url, tee) == []

    result = service.submit(
        _submission(sunli, SUNLI_TEES_AND_SHOES, tee, reason="尺码偏大", sender_id="tb_sunli"),
        AS_OF,
    )

    assert result.outcome == SubmitOutcome.CREATED
    request = result.request
    assert re.fullmatch(_rma_pattern(AS_OF), request.rma_no), request.rma_no
    assert request.kind == ReturnKind.RETURN_REFUND and request.status == ReturnStatus.APPROVED
    assert request.quantity == 1 and request.refund_amount == Decimal("69.00")
    assert request.shipping_payer == "insurance"  # the order has 运费险
    assert request.order_no == SUNLI_TEES_AND_SHOES and request.item_name == "纯棉圆领短袖T恤"
    assert "7天无理由" in request.rule_cited and "运费险" in request.rule_cited
    stages = _stages(seeded_db_url, request.rma_no)
    assert [(s[0], s[1]) for s in stages] == [("待审核", "buyer:tb_sunli"), ("已同意", "bot")]
    assert all(s[3] == AS_OF for s in stages)
    assert _rows_for_item(seeded_db_url, tee) == [(request.rma_no, "已同意", f"item:{tee}:case:1")]
    # the record as stored reads back the same
    found = service.find(request.rma_no.lower())
    assert found is not None and found.refund_amount == Decimal("69.00") and found.status == ReturnStatus.APPROVED
    assert service.open_request(sunli, tee).rma_no == request.rma_no
    assert request.rma_no in [r.rma_no for r in service.requests_of(sunli, open_only=True, limit=1000)]
    # one of the two T-shirts is claimed; the shoes are untouched
    case = service.case_order(sunli, SUNLI_TEES_AND_SHOES)
    assert (case.item(tee).claimed, case.item(tee).returnable) == (1, 1)
    assert case.item(shoes).returnable == 1


@pytest.mark.parametrize(
    "kind, resolution, record_kind, refund, payer",
    [
        (RequestKind.QUALITY_ISSUE, None, ReturnKind.RETURN_REFUND, Decimal("138.00"), "shop"),
        (RequestKind.DAMAGED, "refund", ReturnKind.REFUND_ONLY, Decimal("138.00"), None),
        (RequestKind.DAMAGED, "reship", ReturnKind.RESHIP, None, None),
        (RequestKind.WRONG_OR_MISSING, "refund", ReturnKind.REFUND_ONLY, Decimal("138.00"), None),
    ],
)
def test_problem_reports_wait_for_staff(
    seeded_db_url: str,
    kind: RequestKind,
    resolution: Optional[str],
    record_kind: ReturnKind,
    refund: Optional[Decimal],
    payer: Optional[str],
) -> None:
    service = _service(seeded_db_url)
    sunli = _customer_id(seeded_db_url)
    order_no, (tee, _) = _fresh_order(seeded_db_url, insurance=True)  # 运费险 does not matter when the shop pays

    result = service.submit(
        _submission(sunli, order_no, tee, kind, quantity=2, reason="有问题", resolution=resolution, evidence="已发照片"), AS_OF
    )

    assert result.outcome == SubmitOutcome.CREATED
    request = result.request
    assert re.fullmatch(_rma_pattern(AS_OF), request.rma_no)
    assert request.kind == record_kind and request.status == ReturnStatus.PENDING
    assert request.refund_amount == refund and request.shipping_payer == payer
    assert request.evidence == "已发照片" and request.quantity == 2
    assert [(s[0], s[1]) for s in _stages(seeded_db_url, request.rma_no)] == [("待审核", f"customer:{sunli}")]
    assert _rows_for_item(seeded_db_url, tee) == [(request.rma_no, "待审核", f"item:{tee}:case:1")]


# --- exactly once -------------------------------------------------------------------------


def test_the_same_request_twice_is_recorded_once(seeded_db_url: str) -> None:
    service = _service(seeded_db_url)
    sunli = _customer_id(seeded_db_url)
    order_no, (tee, shoes) = _fresh_order(seeded_db_url)
    submission = _submission(sunli, order_no, tee)

    first = service.submit(submission, AS_OF)
    again = service.submit(submission, AS_OF)
    other_kind = service.submit(_submission(sunli, order_no, tee, RequestKind.QUALITY_ISSUE, reason="有污渍"), AS_OF)

    assert first.outcome == SubmitOutcome.CREATED
    assert again.outcome == SubmitOutcome.EXISTING and again.request.rma_no == first.request.rma_no
    assert other_kind.outcome == SubmitOutcome.EXISTING and other_kind.request.rma_no == first.request.rma_no
    assert other_kind.request.kind == ReturnKind.RETURN_REFUND and other_kind.request.reason == "不想要了"  # untouched
    assert len(_rows_for_item(seeded_db_url, tee)) == 1
    assert len(_stages(seeded_db_url, first.request.rma_no)) == 2
    assessment = service.assess(sunli, order_no, tee, Request(RequestKind.QUALITY_ISSUE), AS_OF)
    assert assessment.existing is not None and assessment.existing.rma_no == first.request.rma_no
    # the other line of the order is a case of its own
    shoes_result = service.submit(_submission(sunli, order_no, shoes), AS_OF)
    assert shoes_result.outcome == SubmitOutcome.CREATED and shoes_result.request.rma_no != first.request.rma_no
    assert _rows_for_order(seeded_db_url, order_no) == 2


def test_concurrent_identical_submits_record_one_case(seeded_db_url: str) -> None:
    service = _service(seeded_db_url)
    sunli = _customer_id(seeded_db_url)
    order_no, (tee, _) = _fresh_order(seeded_db_url)
    submission = _submission(sunli, order_no, tee, sender_id="tb_sunli")

    results: List[SubmitResult] = _all_at_once(6, lambda: service.submit(submission, AS_OF))

    outcomes = Counter(r.outcome for r in results)
    assert outcomes == Counter({SubmitOutcome.CREATED: 1, SubmitOutcome.EXISTING: 5})
    rmas = {r.request.rma_no for r in results}
    assert len(rmas) == 1
    (rma,) = rmas
    assert _rows_for_item(seeded_db_url, tee) == [(rma, "已同意", f"item:{tee}:case:1")]
    assert [s[0] for s in _stages(seeded_db_url, rma)] == ["待审核", "已同意"]


def test_concurrent_identical_exchanges_reserve_stock_once(seeded_db_url: str) -> None:
    service = _service(seeded_db_url)
    sunli = _customer_id(seeded_db_url)
    order_no, (tee, _) = _fresh_order(seeded_db_url)
    wanted = _variant_id(seeded_db_url, TEE, "灰色", "M")
    submission = _submission(
        sunli, order_no, tee, RequestKind.EXCHANGE, quantity=2, reason="换小一码", exchange_variant_id=wanted
    )

    with _stock_set_to(seeded_db_url, wanted, 10):
        results = _all_at_once(4, lambda: service.submit(submission, AS_OF))
        assert Counter(r.outcome for r in results) == Counter({SubmitOutcome.CREATED: 1, SubmitOutcome.EXISTING: 3})
        assert len({r.request.rma_no for r in results}) == 1
        assert _stock(seeded_db_url, wanted) == 8
        assert len(_rows_for_item(seeded_db_url, tee)) == 1


def test_concurrent_submits_for_different_items_get_consecutive_numbers(seeded_db_url: str) -> None:
    now = datetime(2026, 11, 28, 10, 0)  # a day no other test and no seeded case uses
    service = _service(seeded_db_url)
    sunli = _customer_id(seeded_db_url)
    delivered = now - timedelta(hours=30)
    first_order, first_items = _fresh_order(seeded_db_url, delivered_at=delivered)
    second_order, second_items = _fresh_order(seeded_db_url, delivered_at=delivered)
    third_order, third_items = _fresh_order(
        seeded_db_url, [Line(TEE, "黑色", "M", 1), Line(SHOES, "黑色", "40", 1)], delivered_at=delivered
    )
    submissions = iter(
        [_submission(sunli, first_order, item) for item in first_items]
        + [_submission(sunli, second_order, item) for item in second_items]
        + [_submission(sunli, third_order, item) for item in third_items]
    )
    lock = threading.Lock()

    def submit_next() -> SubmitResult:
        with lock:
            submission = next(submissions)
        return service.submit(submission, now)

    results = _all_at_once(6, submit_next)

    assert [r.outcome for r in results] == [SubmitOutcome.CREATED] * 6
    numbers = sorted(r.request.rma_no for r in results)
    assert numbers == [f"RMA261128{n:04d}" for n in range(1, 7)]
    for order_no in (first_order, second_order, third_order):
        assert _rows_for_order(seeded_db_url, order_no) == 2


def test_concurrent_requests_of_different_kinds_for_one_item_record_one_case(seeded_db_url: str) -> None:
    service = _service(seeded_db_url)
    sunli = _customer_id(seeded_db_url)
    order_no, (tee, _) = _fresh_order(seeded_db_url)
    kinds = iter([RequestKind.NO_REASON_RETURN, RequestKind.QUALITY_ISSUE, RequestKind.DAMAGED, RequestKind.WRONG_OR_MISSING])
    lock = threading.Lock()

    def submit() -> SubmitResult:
        with lock:
            kind = next(kinds)
        return service.submit(_submission(sunli, order_no, tee, kind, resolution="refund"), AS_OF)

    results = _all_at_once(4, submit)

    assert Counter(r.outcome for r in results) == Counter({SubmitOutcome.CREATED: 1, SubmitOutcome.EXISTING: 3})
    assert len({r.request.rma_no for r in results}) == 1
    assert len(_rows_for_item(seeded_db_url, tee)) == 1


LOSSES = 12


def test_a_buyer_who_keeps_losing_the_race_for_a_number_still_gets_one(seeded_db_url: str) -> None:
    """Deterministic burst: each time the buyer is about to store her case, another buyer's case is stored first.

    Twelve lost races in a row (more than any small retry cap) must still end with her case recorded.
    """
    now = datetime(2026, 11, 29, 10, 0)  # a day no other test and no seeded case uses
    service = _service(seeded_db_url)
    sunli = _customer_id(seeded_db_url)
    submissions = []
    for _ in range(LOSSES // 2 + 1):
        order_no, items = _fresh_order(seeded_db_url, delivered_at=now - timedelta(hours=30))
        submissions += [_submission(sunli, order_no, item) for item in items]
    hers, others = submissions[0], iter(submissions[1 : LOSSES + 1])
    buyer_thread = threading.get_ident()
    theirs: List[SubmitResult] = []

    def someone_else_first(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if threading.get_ident() != buyer_thread or not statement.lstrip().upper().startswith("INSERT INTO RETURN_REQUESTS"):
            return
        other = next(others, None)
        if other is not None:
            thread = threading.Thread(target=lambda: theirs.append(service.submit(other, now)))
            thread.start()
            thread.join()

    engine = get_engine(seeded_db_url)
    event.listen(engine, "before_cursor_execute", someone_else_first)
    try:
        result = service.submit(hers, now)
    finally:
        event.remove(engine, "before_cursor_execute", someone_else_first)

    assert [r.outcome for r in theirs] == [SubmitOutcome.CREATED] * LOSSES
    assert result.outcome == SubmitOutcome.CREATED
    assert result.request.rma_no == f"RMA261129{LOSSES + 1:04d}"


# --- withdrawing --------------------------------------------------------------------------


def test_after_cancelling_a_new_request_gets_a_new_rma(seeded_db_url: str) -> None:
    service = _service(seeded_db_url)
    sunli = _customer_id(seeded_db_url)
    order_no, (tee, _) = _fresh_order(seeded_db_url)
    first = service.submit(_submission(sunli, order_no, tee, quantity=2), AS_OF).request

    cancelled = service.cancel(sunli, first.rma_no, "buyer:tb_sunli", AS_OF + timedelta(minutes=5))

    assert cancelled.done and cancelled.request.status == ReturnStatus.CANCELLED
    assert _stages(seeded_db_url, first.rma_no)[-1][:3] == ("已撤销", "buyer:tb_sunli", "买家撤销申请")
    assert service.case_order(sunli, order_no).item(tee).returnable == 2  # a withdrawn case claims nothing
    assert service.open_request(sunli, tee) is None
    again = service.cancel(sunli, first.rma_no, "buyer:tb_sunli", AS_OF + timedelta(minutes=6))
    assert not again.done and again.reason == "这个申请已经撤销过了"

    second = service.submit(_submission(sunli, order_no, tee, RequestKind.QUALITY_ISSUE, quantity=2), AS_OF + timedelta(hours=1))

    assert second.outcome == SubmitOutcome.CREATED
    assert second.request.rma_no != first.rma_no and re.fullmatch(_rma_pattern(AS_OF), second.request.rma_no)
    assert _rows_for_item(seeded_db_url, tee) == [
        (first.rma_no, "已撤销", f"item:{tee}:case:1"),
        (second.request.rma_no, "待审核", f"item:{tee}:case:2"),
    ]
    assert len(_stages(seeded_db_url, first.rma_no)) == 3  # 待审核, 已同意, 已撤销: the second cancel added nothing


def test_cancel_is_refused_once_the_goods_are_received(seeded_db_url: str) -> None:
    service = _service(seeded_db_url)
    sunli = _customer_id(seeded_db_url)
    rma, _ = _submit_quality(seeded_db_url, sunli)
    assert service.move(rma, StaffAction.APPROVE, "staff:test", None, AS_OF + timedelta(hours=1)).done
    assert service.move(rma, StaffAction.RECEIVED, "staff:test", None, AS_OF + timedelta(hours=2)).done

    refused = service.cancel(sunli, rma, "buyer:tb_sunli", AS_OF + timedelta(hours=3))

    assert not refused.done and "仓库已经收到" in refused.reason
    assert service.find(rma).status == ReturnStatus.RECEIVED
    assert [s[0] for s in _stages(seeded_db_url, rma)] == ["待审核", "已同意", "已收到退货"]


def test_nobody_can_cancel_someone_elses_request(seeded_db_url: str) -> None:
    service = _service(seeded_db_url)
    sunli = _customer_id(seeded_db_url)
    xiaoyu = _customer_id(seeded_db_url, "tb_xiaoyu")
    rma, tee = _submit_quality(seeded_db_url, sunli)

    refused = service.cancel(xiaoyu, rma, "buyer:tb_xiaoyu", AS_OF + timedelta(minutes=1))

    assert not refused.done and refused.reason == "没有找到这个售后申请" and refused.request is None
    assert service.find(rma).status == ReturnStatus.PENDING
    assert len(_stages(seeded_db_url, rma)) == 1
    assert service.open_request(sunli, tee).rma_no == rma and service.open_request(xiaoyu, tee) is None


# --- quantities ---------------------------------------------------------------------------


def test_returning_one_of_two_leaves_one_returnable(seeded_db_url: str) -> None:
    service = _service(seeded_db_url)
    sunli = _customer_id(seeded_db_url)
    order_no, (tee, shoes) = _fresh_order(seeded_db_url)
    assert service.case_order(sunli, order_no).item(tee).returnable == 2

    result = service.submit(_submission(sunli, order_no, tee, quantity=1), AS_OF)

    assert result.outcome == SubmitOutcome.CREATED and result.request.refund_amount == Decimal("69.00")
    case = service.case_order(sunli, order_no)
    assert (case.item(tee).quantity, case.item(tee).claimed, case.item(tee).returnable) == (2, 1, 1)
    assert case.item(shoes).returnable == 1
    # once the first T-shirt is refunded the other can still be returned, but only that one
    assert service.move(result.request.rma_no, StaffAction.RECEIVED, "staff:test", None, AS_OF + timedelta(days=1)).done
    assert service.move(result.request.rma_no, StaffAction.REFUNDED, "staff:test", None, AS_OF + timedelta(days=1)).done
    assert service.case_order(sunli, order_no).item(tee).returnable == 1
    too_many = service.submit(_submission(sunli, order_no, tee, quantity=2), AS_OF + timedelta(days=2))
    assert too_many.outcome == SubmitOutcome.NOT_ELIGIBLE
    rest = service.submit(_submission(sunli, order_no, tee, quantity=1), AS_OF + timedelta(days=2))
    assert rest.outcome == SubmitOutcome.CREATED and rest.request.rma_no != result.request.rma_no
    assert service.case_order(sunli, order_no).item(tee).returnable == 0


def test_asking_for_more_than_was_bought_is_not_eligible(seeded_db_url: str) -> None:
    service = _service(seeded_db_url)
    sunli = _customer_id(seeded_db_url)
    order_no, (tee, _) = _fresh_order(seeded_db_url)

    for quantity in (3, 0):
        result = service.submit(_submission(sunli, order_no, tee, quantity=quantity), AS_OF)
        assert result.outcome == SubmitOutcome.NOT_ELIGIBLE and result.request is None
        assert result.decision.rule == "这件商品您买了2件，申请数量需在1到2件之间"
    assert _rows_for_item(seeded_db_url, tee) == []


def test_quantity_rule_does_not_misstate_how_many_were_bought(seeded_db_url: str) -> None:
    service = _service(seeded_db_url)
    sunli = _customer_id(seeded_db_url)
    order_no, (tee, _) = _fresh_order(seeded_db_url)
    rma = service.submit(_submission(sunli, order_no, tee, quantity=1), AS_OF).request.rma_no
    service.move(rma, StaffAction.RECEIVED, "staff:test", None, AS_OF + timedelta(days=1))
    service.move(rma, StaffAction.REFUNDED, "staff:test", None, AS_OF + timedelta(days=1))

    result = service.submit(_submission(sunli, order_no, tee, quantity=2), AS_OF + timedelta(days=2))

    assert result.outcome == SubmitOutcome.NOT_ELIGIBLE
    assert "您买了1件" not in result.decision.rule  # she bought 2; 1 is what is left to return


# --- the policy through the service -------------------------------------------------------


def test_hoodie_is_past_the_no_reason_window_but_inside_the_quality_window(seeded_db_url: str) -> None:
    service = _service(seeded_db_url)
    sunli = _customer_id(seeded_db_url)
    (hoodie,) = _item_ids(seeded_db_url, SUNLI_HOODIE)

    no_reason = service.assess(sunli, SUNLI_HOODIE, hoodie, Request(RequestKind.NO_REASON_RETURN), AS_OF)
    assert not no_reason.decision.eligible and no_reason.decision.offer == Offer.HUMAN
    assert no_reason.decision.rule == "已超过签收后7天的无理由退货期限"
    refused = service.submit(_submission(sunli, SUNLI_HOODIE, hoodie), AS_OF)
    assert refused.outcome == SubmitOutcome.NOT_ELIGIBLE and refused.decision.rule == no_reason.decision.rule
    other_size = _variant_id(seeded_db_url, "CL004", "黑色", "L")
    exchange = service.submit(
        _submission(sunli, SUNLI_HOODIE, hoodie, RequestKind.EXCHANGE, exchange_variant_id=other_size), AS_OF
    )
    assert exchange.outcome == SubmitOutcome.NOT_ELIGIBLE and exchange.decision.rule == "已超过签收后7天的换货期限"
    assert _rows_for_item(seeded_db_url, hoodie) == []

    quality = service.assess(sunli, SUNLI_HOODIE, hoodie, Request(RequestKind.QUALITY_ISSUE), AS_OF)
    assert quality.decision.eligible and quality.decision.offer == Offer.RETURN_REFUND
    recorded = service.submit(_submission(sunli, SUNLI_HOODIE, hoodie, RequestKind.QUALITY_ISSUE, reason="起球"), AS_OF)
    assert recorded.outcome == SubmitOutcome.CREATED
    assert recorded.request.status == ReturnStatus.PENDING and recorded.request.refund_amount == Decimal("159.00")
    assert recorded.request.shipping_payer == "shop"


def test_food_is_never_a_no_reason_return_and_late_damage_is_a_quality_case(seeded_db_url: str) -> None:
    service = _service(seeded_db_url)
    sunli = _customer_id(seeded_db_url)
    (nuts,) = _item_ids(seeded_db_url, SUNLI_NUTS)

    no_reason = service.submit(_submission(sunli, SUNLI_NUTS, nuts), AS_OF)
    assert no_reason.outcome == SubmitOutcome.NOT_ELIGIBLE
    assert no_reason.decision.rule.startswith("食品类商品不支持7天无理由退货")

    late = service.assess(sunli, SUNLI_NUTS, nuts, Request(RequestKind.DAMAGED), AS_OF)
    assert late.decision.eligible and late.decision.offer == Offer.RETURN_REFUND  # 15 days for quality, photos
    assert "48小时" in late.decision.rule and late.decision.needs_photos
    assert _rows_for_item(seeded_db_url, nuts) == []
    # the same report two hours earlier would have been in time
    in_time = service.assess(sunli, SUNLI_NUTS, nuts, Request(RequestKind.DAMAGED), AS_OF - timedelta(hours=2))
    assert in_time.decision.eligible and in_time.decision.offer == Offer.RESHIP_OR_REFUND


def test_other_buyers_orders_are_not_found(seeded_db_url: str) -> None:
    service = _service(seeded_db_url)
    sunli = _customer_id(seeded_db_url)
    xiaoyu = _customer_id(seeded_db_url, "tb_xiaoyu")
    (xiaoyu_item,) = _item_ids(seeded_db_url, XIAOYU_SHIPPED)
    (hoodie,) = _item_ids(seeded_db_url, SUNLI_HOODIE)

    assert service.case_order(sunli, XIAOYU_SHIPPED) is None
    assert service.case_order(xiaoyu, SUNLI_NUTS) is None
    assert service.assess(sunli, XIAOYU_SHIPPED, xiaoyu_item, Request(RequestKind.QUALITY_ISSUE), AS_OF) is None
    assert service.submit(_submission(sunli, XIAOYU_SHIPPED, xiaoyu_item), AS_OF).outcome == SubmitOutcome.NOT_FOUND
    # her own order number with another buyer's item, or with an item of another of her orders
    assert service.submit(_submission(sunli, SUNLI_NUTS, xiaoyu_item), AS_OF).outcome == SubmitOutcome.NOT_FOUND
    assert service.submit(_submission(sunli, SUNLI_NUTS, hoodie, RequestKind.QUALITY_ISSUE), AS_OF).outcome == (
        SubmitOutcome.NOT_FOUND
    )
    assert service.submit(_submission(sunli, "1234567890123456", xiaoyu_item), AS_OF).outcome == SubmitOutcome.NOT_FOUND
    assert _rows_for_item(seeded_db_url, xiaoyu_item) == []


# --- exchanges and stock ------------------------------------------------------------------


def test_exchange_reserves_the_chosen_variant_and_cancel_gives_it_back(seeded_db_url: str) -> None:
    service = _service(seeded_db_url)
    sunli = _customer_id(seeded_db_url)
    order_no, (tee, _) = _fresh_order(seeded_db_url)
    wanted = _variant_id(seeded_db_url, TEE, "黑色", "XL")
    bought = _variant_id(seeded_db_url, TEE, "白色", "L")
    options, current = service.variants(tee)
    assert current is not None and current.id == bought and wanted in [o.id for o in options]

    with _stock_set_to(seeded_db_url, wanted, 5):
        bought_stock = _stock(seeded_db_url, bought)
        result = service.submit(
            _submission(sunli, order_no, tee, RequestKind.EXCHANGE, quantity=2, reason="换黑色XL", exchange_variant_id=wanted),
            AS_OF,
        )

        assert result.outcome == SubmitOutcome.CREATED
        request = result.request
        assert request.kind == ReturnKind.EXCHANGE and request.status == ReturnStatus.APPROVED
        assert request.exchange_to == "黑色 XL" and request.refund_amount is None and request.shipping_payer == "buyer"
        assert _stock(seeded_db_url, wanted) == 3
        assert _stock(seeded_db_url, bought) == bought_stock  # the returned ones are not back yet

        cancelled = service.cancel(sunli, request.rma_no, "buyer:tb_sunli", AS_OF + timedelta(minutes=10))
        assert cancelled.done
        assert _stock(seeded_db_url, wanted) == 5
        assert not service.cancel(sunli, request.rma_no, "buyer:tb_sunli", AS_OF + timedelta(minutes=11)).done
        assert _stock(seeded_db_url, wanted) == 5  # given back once only


def test_exchange_is_refused_when_the_variant_has_too_little_stock(seeded_db_url: str) -> None:
    service = _service(seeded_db_url)
    sunli = _customer_id(seeded_db_url)
    order_no, (tee, _) = _fresh_order(seeded_db_url)
    wanted = _variant_id(seeded_db_url, TEE, "黑色", "XXL")

    def exchange(quantity: int) -> SubmitResult:
        return service.submit(
            _submission(sunli, order_no, tee, RequestKind.EXCHANGE, quantity=quantity, exchange_variant_id=wanted), AS_OF
        )

    with _stock_set_to(seeded_db_url, wanted, 0):
        assert exchange(1).outcome == SubmitOutcome.OUT_OF_STOCK
        assert _stock(seeded_db_url, wanted) == 0
    with _stock_set_to(seeded_db_url, wanted, 1):
        short = exchange(2)
        assert short.outcome == SubmitOutcome.OUT_OF_STOCK and short.request is None
        assert _stock(seeded_db_url, wanted) == 1
        assert _rows_for_item(seeded_db_url, tee) == []
        assert exchange(1).outcome == SubmitOutcome.CREATED  # one is enough for one
        assert _stock(seeded_db_url, wanted) == 0


def test_rejecting_an_exchange_needs_a_reason_and_gives_the_stock_back(
    seeded_db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    service = _service(seeded_db_url)
    sunli = _customer_id(seeded_db_url)
    order_no, (tee, _) = _fresh_order(seeded_db_url)
    wanted = _variant_id(seeded_db_url, TEE, "灰色", "S")

    with _stock_set_to(seeded_db_url, wanted, 4):
        rma = service.submit(
            _submission(sunli, order_no, tee, RequestKind.EXCHANGE, exchange_variant_id=wanted), AS_OF
        ).request.rma_no
        assert _stock(seeded_db_url, wanted) == 3
        capsys.readouterr()

        assert _cli(seeded_db_url, "reject", rma) == 1
        assert "拒绝申请必须填写原因" in capsys.readouterr().out
        assert _cli(seeded_db_url, "reject", rma, "--reason", "   ") == 1
        assert _stock(seeded_db_url, wanted) == 3 and service.find(rma).status == ReturnStatus.APPROVED
        assert len(_stages(seeded_db_url, rma)) == 2

        with clock.frozen(AS_OF + timedelta(hours=5)):
            assert _cli(seeded_db_url, "reject", rma, "--reason", "吊牌已剪，影响二次销售", "--by", "小李") == 0
        assert "已拒绝" in capsys.readouterr().out
        assert _stages(seeded_db_url, rma)[-1] == ("已拒绝", "staff:小李", "吊牌已剪，影响二次销售", AS_OF + timedelta(hours=5))
        assert len(_stages(seeded_db_url, rma)) == 3
        assert _stock(seeded_db_url, wanted) == 4
        assert service.find(rma).status == ReturnStatus.REJECTED


def test_two_buyers_racing_for_the_last_one_only_one_gets_it(seeded_db_url: str) -> None:
    service = _service(seeded_db_url)
    sunli = _customer_id(seeded_db_url)
    wanted = _variant_id(seeded_db_url, TEE, "黑色", "L")
    first_order, (first_tee, _) = _fresh_order(seeded_db_url)
    second_order, (second_tee, _) = _fresh_order(seeded_db_url)
    submissions = iter(
        [
            _submission(sunli, first_order, first_tee, RequestKind.EXCHANGE, exchange_variant_id=wanted),
            _submission(sunli, second_order, second_tee, RequestKind.EXCHANGE, exchange_variant_id=wanted),
        ]
    )
    lock = threading.Lock()

    def submit() -> SubmitResult:
        with lock:
            submission = next(submissions)
        return service.submit(submission, AS_OF)

    with _stock_set_to(seeded_db_url, wanted, 1):
        results = _all_at_once(2, submit)

        assert sorted(r.outcome.value for r in results) == ["created", "out_of_stock"]
        assert _stock(seeded_db_url, wanted) == 0
        assert len(_rows_for_item(seeded_db_url, first_tee) + _rows_for_item(seeded_db_url, second_tee)) == 1


def test_buyer_cancel_and_staff_reject_at_once_give_the_stock_back_once(seeded_db_url: str) -> None:
    service = _service(seeded_db_url)
    sunli = _customer_id(seeded_db_url)
    order_no, (tee, _) = _fresh_order(seeded_db_url)
    wanted = _variant_id(seeded_db_url, TEE, "灰色", "L")
    moves = iter(
        [
            lambda rma: service.cancel(sunli, rma, "buyer:tb_sunli", AS_OF + timedelta(hours=1)),
            lambda rma: service.cancel(sunli, rma, "buyer:tb_sunli", AS_OF + timedelta(hours=1)),
            lambda rma: service.move(rma, StaffAction.REJECT, "staff:小李", "不符合换货条件", AS_OF + timedelta(hours=1)),
            lambda rma: service.move(rma, StaffAction.REJECT, "staff:小王", "不符合换货条件", AS_OF + timedelta(hours=1)),
        ]
    )
    lock = threading.Lock()

    with _stock_set_to(seeded_db_url, wanted, 6):
        rma = service.submit(
            _submission(sunli, order_no, tee, RequestKind.EXCHANGE, quantity=2, exchange_variant_id=wanted), AS_OF
        ).request.rma_no
        assert _stock(seeded_db_url, wanted) == 4

        def move():  # type: ignore[no-untyped-def]
            with lock:
                action = next(moves)
            return action(rma)

        results = _all_at_once(4, move)

        assert [r.done for r in results].count(True) == 1
        assert _stock(seeded_db_url, wanted) == 6
        stages = [s[0] for s in _stages(seeded_db_url, rma)]
        assert stages[:2] == ["待审核", "已同意"] and len(stages) == 3 and stages[2] in ("已撤销", "已拒绝")
        assert service.find(rma).status.value == stages[2]


def test_an_exchange_is_only_for_another_size_or_colour_of_the_same_product(seeded_db_url: str) -> None:
    service = _service(seeded_db_url)
    sunli = _customer_id(seeded_db_url)
    order_no, (tee, _) = _fresh_order(seeded_db_url)
    coat = _variant_id(seeded_db_url, "CL006", "驼色", "M")  # 羊毛双面呢大衣 ¥899

    with _stock_set_to(seeded_db_url, coat, 3):
        result = service.submit(_submission(sunli, order_no, tee, RequestKind.EXCHANGE, exchange_variant_id=coat), AS_OF)
        if result.outcome == SubmitOutcome.CREATED:  # leave the coat's stock as it was found
            service.cancel(sunli, result.request.rma_no, "test", AS_OF)

        assert result.outcome != SubmitOutcome.CREATED, result.request.exchange_to
        assert _rows_for_item(seeded_db_url, tee) == []


# --- staff moves through the command line -------------------------------------------------


def test_staff_walk_a_quality_return_to_refunded(seeded_db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    sunli = _customer_id(seeded_db_url)
    rma, tee = _submit_quality(seeded_db_url, sunli)
    capsys.readouterr()

    for hours, verb, status in ((1, "approve", "已同意"), (20, "received", "已收到退货"), (22, "refunded", "已退款")):
        before = len(_stages(seeded_db_url, rma))
        with clock.frozen(AS_OF + timedelta(hours=hours)):
            assert _cli(seeded_db_url, verb, rma, "--by", "小王") == 0, verb
        out = capsys.readouterr().out
        assert out.startswith("已更新：") and rma in out and status in out
        stages = _stages(seeded_db_url, rma)
        assert len(stages) == before + 1
        assert stages[-1][:2] == (status, "staff:小王") and stages[-1][3] == AS_OF + timedelta(hours=hours)

    assert _service(seeded_db_url).find(rma).status == ReturnStatus.REFUNDED
    assert [s[0] for s in _stages(seeded_db_url, rma)] == ["待审核", "已同意", "已收到退货", "已退款"]
    assert _rows_for_item(seeded_db_url, tee)[0][1] == "已退款"

    assert _cli(seeded_db_url, "list", "--status", "已退款", "--limit", "1000") == 0
    listed = [line for line in capsys.readouterr().out.splitlines() if line.startswith(rma)]
    assert len(listed) == 1 and "已退款" in listed[0] and "¥69.00" in listed[0]
    assert _cli(seeded_db_url, "list", "--status", "待审核", "--limit", "1000") == 0
    assert rma not in capsys.readouterr().out

    assert _cli(seeded_db_url, "show", rma) == 0
    shown = capsys.readouterr().out
    assert f"售后单 {rma}（退货退款）：已退款" in shown
    assert "退货运费：店铺" in shown and "原因：开线了" in shown and "照片：已发照片" in shown
    for status in ("待审核", "已同意", "已收到退货", "已退款"):
        assert status in shown
    assert shown.count("staff:小王") == 3

    assert _cli(seeded_db_url, "completed", rma) == 1  # nothing follows 已退款
    assert "不能再变更" in capsys.readouterr().out
    assert len(_stages(seeded_db_url, rma)) == 4


def test_staff_cannot_skip_a_stage(seeded_db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    sunli = _customer_id(seeded_db_url)
    rma, _ = _submit_quality(seeded_db_url, sunli)
    capsys.readouterr()

    assert _cli(seeded_db_url, "refunded", rma) == 1
    assert capsys.readouterr().out.strip() == "未变更：申请当前是“待审核”，下一步应是“已同意”"
    assert _cli(seeded_db_url, "received", rma) == 1
    assert _cli(seeded_db_url, "completed", rma) == 1  # a return-and-refund never reaches 已完成
    assert "没有“已完成”这一步" in capsys.readouterr().out
    assert _service(seeded_db_url).find(rma).status == ReturnStatus.PENDING
    assert len(_stages(seeded_db_url, rma)) == 1


def test_unknown_rma_is_an_error(seeded_db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(seeded_db_url, "show", "RMA0000000000") == 1
    assert "没有售后单 RMA0000000000" in capsys.readouterr().out
    assert _cli(seeded_db_url, "approve", "RMA0000000000") == 1
    assert "没有售后申请 RMA0000000000" in capsys.readouterr().out


def test_two_staff_moving_the_same_stage_at_once_one_wins(seeded_db_url: str) -> None:
    service = _service(seeded_db_url)
    sunli = _customer_id(seeded_db_url)
    rma, _ = _submit_quality(seeded_db_url, sunli)
    names = iter(f"staff:{n}" for n in range(4))
    lock = threading.Lock()

    def approve():  # type: ignore[no-untyped-def]
        with lock:
            actor = next(names)
        return service.move(rma, StaffAction.APPROVE, actor, None, AS_OF + timedelta(hours=1))

    results = _all_at_once(4, approve)

    assert [r.done for r in results].count(True) == 1
    assert all(r.reason for r in results if not r.done)
    stages = _stages(seeded_db_url, rma)
    assert [s[0] for s in stages] == ["待审核", "已同意"]
    assert service.find(rma).status == ReturnStatus.APPROVED


def test_a_shop_that_reviews_every_case_gets_pending_no_reason_returns(seeded_db_url: str) -> None:
    from dataclasses import replace as replaced

    strict = AftersalesService(replaced(load_policy(), auto_approve=frozenset()), session_factory(seeded_db_url))
    sunli = _customer_id(seeded_db_url)
    order_no, (tee, _) = _fresh_order(seeded_db_url)
    result = strict.submit(_submission(sunli, order_no, tee), AS_OF)
    assert result.outcome == SubmitOutcome.CREATED
    assert result.request.status == ReturnStatus.PENDING and [s.status for s in result.request.stages] == [ReturnStatus.PENDING]
