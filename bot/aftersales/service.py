"""After-sales use cases: assess a request under the policy, record it exactly once, move it along.

The bot's form, the staff command and (later) the console all come through
here. Every function is one unit of work against the CRM and returns frozen
views, never live ORM objects.

Exactly once: each request carries an idempotency key built from the order
item and how many earlier cases on that item were closed. Two confirmations
racing for the same item compute the same key; the database's unique index
lets one insert win and the other finds and returns the winner's record.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import List, Optional, Tuple

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bot.aftersales import stages
from bot.aftersales.reading import VariantOption
from bot.crm.db import UsesCrm, next_daily_number
from bot.crm.models import (
    Order,
    OrderItem,
    OrderStatus,
    ProductVariant,
    ReturnKind,
    ReturnRequest,
    ReturnStage,
    ReturnStatus,
)
from bot.policy.decisions import Decision, ItemFacts, Offer, OrderFacts, Request, RequestKind, decide
from bot.policy.model import Policy

RMA_PREFIX = "RMA"
MAX_RMA_ATTEMPTS = 10_000  # a day's numbers; only reached if the database keeps refusing for another reason


@dataclass(frozen=True)
class ItemChoice:
    """One line of an order as the after-sales form sees it."""

    id: int
    name: str
    variant: str
    variant_id: Optional[int]
    quantity: int
    claimed: int  # already in a return that was not withdrawn or refused
    unit_price: Decimal
    category: str
    no_reason_return: bool = True
    no_reason_note: Optional[str] = None
    warranty_days: int = 0
    aliases: Tuple[str, ...] = ()
    current_price: Optional[Decimal] = None  # the catalogue price today, for 价保

    @property
    def price_drop(self) -> Decimal:
        """How much cheaper the product is now than what the buyer paid (0 when it is not)."""
        if self.current_price is None or self.current_price >= self.unit_price:
            return Decimal("0")
        return self.unit_price - self.current_price

    @property
    def returnable(self) -> int:
        return max(self.quantity - self.claimed, 0)

    def label(self) -> str:
        variant = f"（{self.variant}）" if self.variant else ""
        return f"{self.name}{variant}×{self.quantity}"


@dataclass(frozen=True)
class CaseOrder:
    """An order with what the policy needs to know about it."""

    order_no: str
    facts: OrderFacts
    items: Tuple[ItemChoice, ...]

    def item(self, item_id: Optional[int]) -> Optional[ItemChoice]:
        return next((i for i in self.items if i.id == item_id), None)


@dataclass(frozen=True)
class StageView:
    status: ReturnStatus
    note: Optional[str]
    actor: str
    at: datetime


@dataclass(frozen=True)
class RequestView:
    rma_no: str
    order_no: str
    item_name: str
    item_variant: str
    kind: ReturnKind
    status: ReturnStatus
    quantity: int
    reason: str
    rule_cited: Optional[str]
    shipping_payer: Optional[str]
    refund_amount: Optional[Decimal]
    exchange_to: Optional[str]
    evidence: Optional[str]
    created_at: datetime
    updated_at: datetime
    stages: Tuple[StageView, ...] = field(default_factory=tuple)
    paid_with: Optional[str] = None  # the order's payment method: where a refund goes back to

    def refund_route(self, policy_route: str) -> str:
        """"原支付方式（信用卡）": the policy's words, with the buyer's own payment method when known."""
        return f"{policy_route}（{self.paid_with}）" if self.paid_with else policy_route

    def stage_time(self, status: ReturnStatus) -> Optional[datetime]:
        return next((s.at for s in reversed(self.stages) if s.status == status), None)


@dataclass(frozen=True)
class Assessment:
    decision: Decision
    existing: Optional[RequestView] = None  # an open case on the same item


@dataclass(frozen=True)
class Submission:
    """What the buyer confirmed: enough to record the case and to recognise a duplicate."""

    customer_id: int
    order_no: str
    item_id: int
    kind: RequestKind
    quantity: int
    reason: str
    resolution: Optional[str] = None  # reship | refund, for wrong/missing/damaged
    exchange_variant_id: Optional[int] = None
    evidence: Optional[str] = None
    used: bool = False
    sender_id: Optional[str] = None


class SubmitOutcome(str, Enum):
    CREATED = "created"
    EXISTING = "existing"  # an open case on this item already: pointed to, nothing new
    NOT_ELIGIBLE = "not_eligible"  # the facts changed since the buyer saw the outcome
    OUT_OF_STOCK = "out_of_stock"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class SubmitResult:
    outcome: SubmitOutcome
    request: Optional[RequestView] = None
    decision: Optional[Decision] = None


@dataclass(frozen=True)
class MoveResult:
    done: bool
    reason: str = ""
    request: Optional[RequestView] = None


class AftersalesService(UsesCrm):
    """After-sales operations against one CRM database under one shop policy."""

    def __init__(self, policy: Policy, sessions: Optional[sessionmaker] = None):
        super().__init__(sessions)
        self.policy = policy

    # --- reading ----------------------------------------------------------------------

    def case_order(self, customer_id: int, order_no: str) -> Optional[CaseOrder]:
        """The buyer's own order with each item's still-returnable quantity; None for anyone else's."""
        with self.sessions() as session:
            order = _owned_order(session, customer_id, order_no)
            return _case_order(session, order) if order else None

    def variants(self, item_id: int) -> Tuple[List[VariantOption], Optional[VariantOption]]:
        """The sizes/colours of an item's product with stock, and the one bought."""
        with self.sessions() as session:
            item = session.get(OrderItem, item_id)
            if item is None:
                return [], None
            rows = session.execute(
                select(ProductVariant).where(ProductVariant.product_id == item.product_id).order_by(ProductVariant.id)
            ).scalars()
            options = [VariantOption(v.id, v.size, v.color, v.stock) for v in rows]
            return options, next((o for o in options if o.id == item.variant_id), None)

    def open_request(self, customer_id: int, item_id: int) -> Optional[RequestView]:
        with self.sessions() as session:
            found = _open_for_item(session, customer_id, item_id)
            return to_view(session, found) if found else None

    def assess(
        self, customer_id: int, order_no: str, item_id: Optional[int], request: Request, now: datetime
    ) -> Optional[Assessment]:
        """The policy's decision on a request, or the open case it would duplicate."""
        case = self.case_order(customer_id, order_no)
        if case is None:
            return None
        item = case.item(item_id) if item_id is not None else (case.items[0] if case.items else None)
        if item is None:
            return None
        return Assessment(self.decide_on(case, item, request, now), self.open_request(customer_id, item.id))

    def decide_on(self, case: CaseOrder, item: ItemChoice, request: Request, now: datetime) -> Decision:
        """The policy's decision on an order already loaded (no database work)."""
        return decide(case.facts, item_facts(item), with_price_drop(request, item), now, self.policy)

    def requests_of(self, customer_id: int, open_only: bool = False, limit: int = 5) -> List[RequestView]:
        with self.sessions() as session:
            query = select(ReturnRequest).where(ReturnRequest.customer_id == customer_id)
            if open_only:
                query = query.where(ReturnRequest.status.in_([s.value for s in stages.OPEN]))
            rows = session.execute(
                query.options(selectinload(ReturnRequest.stages))
                .order_by(ReturnRequest.updated_at.desc(), ReturnRequest.id.desc())
                .limit(limit)
            ).scalars()
            return [to_view(session, r) for r in rows]

    def find(self, rma_no: str) -> Optional[RequestView]:
        with self.sessions() as session:
            found = _by_rma(session, rma_no)
            return to_view(session, found) if found else None

    def list(self, status: Optional[ReturnStatus] = None, limit: int = 50) -> List[RequestView]:
        """For staff: newest first, optionally one stage only."""
        with self.sessions() as session:
            query = select(ReturnRequest).options(selectinload(ReturnRequest.stages))
            if status is not None:
                query = query.where(ReturnRequest.status == status.value)
            rows = session.execute(query.order_by(ReturnRequest.created_at.desc(), ReturnRequest.id.desc()).limit(limit))
            return [to_view(session, r) for r in rows.scalars()]

    # --- recording --------------------------------------------------------------------

    def submit(self, submission: Submission, now: datetime) -> SubmitResult:
        """Record the confirmed request exactly once; re-checks the policy at the moment of writing."""
        for _ in range(MAX_RMA_ATTEMPTS):
            try:
                return self._submit_once(submission, now)
            except _RmaTaken:
                # another case took this number a moment ago and is recorded: every lost race is
                # progress, so trying again with the next number always ends
                continue
            except _KeyTaken as taken:
                with self.sessions() as session:
                    winner = session.execute(select(ReturnRequest).where(ReturnRequest.idempotency_key == taken.key)).scalar_one()
                    return SubmitResult(SubmitOutcome.EXISTING, to_view(session, winner))
        raise RuntimeError("could not allocate an RMA number")  # pragma: no cover

    def _submit_once(self, submission: Submission, now: datetime) -> SubmitResult:
        session: Session
        with self.sessions.begin() as session:
            order = _owned_order(session, submission.customer_id, submission.order_no)
            item = next((i for i in order.items if i.id == submission.item_id), None) if order else None
            if order is None or item is None:
                return SubmitResult(SubmitOutcome.NOT_FOUND)
            existing = _open_for_item(session, submission.customer_id, item.id)
            if existing is not None:
                return SubmitResult(SubmitOutcome.EXISTING, to_view(session, existing))
            case = _case_order(session, order)
            choice = case.item(item.id)
            assert choice is not None
            request = with_price_drop(Request(submission.kind, submission.quantity, submission.used), choice)
            decision = decide(case.facts, item_facts(choice), request, now, self.policy)
            kind = record_kind(decision, submission.resolution)
            if kind is None:
                # a case committed a moment ago may have claimed the quantity: that one is the answer
                racing = _open_for_item(session, submission.customer_id, item.id)
                if racing is not None:
                    return SubmitResult(SubmitOutcome.EXISTING, to_view(session, racing))
                return SubmitResult(SubmitOutcome.NOT_ELIGIBLE, decision=decision)
            if kind == ReturnKind.EXCHANGE:
                wrong = _foreign_variant(session, item, submission.exchange_variant_id)
                if wrong is not None:
                    return SubmitResult(SubmitOutcome.NOT_ELIGIBLE, decision=wrong)
                if not _reserve(session, submission.exchange_variant_id, submission.quantity):
                    return SubmitResult(SubmitOutcome.OUT_OF_STOCK, decision=decision)
            key = idempotency_key(session, item.id)
            status = initial_status(submission.kind, self.policy)
            record = ReturnRequest(
                rma_no=_next_rma(session, now),
                idempotency_key=key,
                customer_id=submission.customer_id,
                order_id=order.id,
                order_item_id=item.id,
                kind=kind.value,
                status=status.value,
                quantity=submission.quantity,
                reason=submission.reason[:200] or "未说明",
                rule_cited=decision.rule[:200],
                return_shipping_payer=decision.shipping_payer if kind in stages.SHIPS_BACK else None,
                refund_amount=refund_amount(kind, decision),
                exchange_variant_id=submission.exchange_variant_id if kind == ReturnKind.EXCHANGE else None,
                evidence=submission.evidence,
                sender_id=submission.sender_id,
                created_at=now,
                updated_at=now,
            )
            record.stages.append(
                ReturnStage(status=ReturnStatus.PENDING.value, note="买家提交申请", actor=_buyer(submission), created_at=now)
            )
            if status == ReturnStatus.APPROVED:
                record.stages.append(
                    ReturnStage(status=status.value, note=f"符合规则自动同意：{decision.rule}"[:200], actor="bot", created_at=now)
                )
            session.add(record)
            try:
                session.flush()
            except IntegrityError as error:
                raise _classify_conflict(error, key) from error
            return SubmitResult(SubmitOutcome.CREATED, to_view(session, record), decision)

    # --- moving -----------------------------------------------------------------------

    def cancel(self, customer_id: int, rma_no: str, actor: str, now: datetime) -> MoveResult:
        """The buyer withdraws their own request; stock held for an exchange goes back."""
        with self.sessions.begin() as session:
            record = _by_rma(session, rma_no)
            if record is None or record.customer_id != customer_id:
                return MoveResult(False, "没有找到这个售后申请")
            move = stages.buyer_cancel(ReturnStatus(record.status))
            if not move.allowed or move.target is None:
                return MoveResult(False, move.reason, to_view(session, record))
            return self._apply(session, record, move.target, stages.BUYER_CANCELLABLE, "买家撤销申请", actor, now)

    def move(self, rma_no: str, action: stages.StaffAction, actor: str, note: Optional[str], now: datetime) -> MoveResult:
        """Staff move a request one stage on (or reject it, with a reason)."""
        with self.sessions.begin() as session:
            record = _by_rma(session, rma_no)
            if record is None:
                return MoveResult(False, f"没有售后申请 {rma_no}")
            current = ReturnStatus(record.status)
            move = stages.staff_move(ReturnKind(record.kind), current, action, note)
            if not move.allowed or move.target is None:
                return MoveResult(False, move.reason, to_view(session, record))
            return self._apply(session, record, move.target, {current}, note, actor, now)

    def _apply(
        self,
        session: Session,
        record: ReturnRequest,
        target: ReturnStatus,
        allowed_from: "frozenset[ReturnStatus] | set[ReturnStatus]",
        note: Optional[str],
        actor: str,
        now: datetime,
    ) -> MoveResult:
        """One guarded UPDATE, so two staff (or staff and buyer) cannot both move the same stage."""
        result = session.execute(
            update(ReturnRequest)
            .where(ReturnRequest.id == record.id, ReturnRequest.status.in_([s.value for s in allowed_from]))
            .values(status=target.value, updated_at=now)
            .execution_options(synchronize_session="fetch")
        )
        if result.rowcount != 1:
            session.refresh(record)
            return MoveResult(False, f"申请刚刚已变为“{record.status}”，请刷新后再试", to_view(session, record))
        session.add(
            ReturnStage(request_id=record.id, status=target.value, note=(note or "")[:200] or None, actor=actor, created_at=now)
        )
        if target in (ReturnStatus.CANCELLED, ReturnStatus.REJECTED) and record.kind == ReturnKind.EXCHANGE.value:
            _release(session, record.exchange_variant_id, record.quantity)
        session.flush()
        session.refresh(record)
        return MoveResult(True, "", to_view(session, record))


# --- policy glue (pure) -----------------------------------------------------------------


def record_kind(decision: Decision, resolution: Optional[str]) -> Optional[ReturnKind]:
    """What kind of case a positive decision becomes; None when there is nothing to record."""
    if not decision.eligible:
        return None
    if decision.offer == Offer.RESHIP_OR_REFUND:
        return ReturnKind.RESHIP if resolution == "reship" else ReturnKind.REFUND_ONLY
    return {
        Offer.RETURN_REFUND: ReturnKind.RETURN_REFUND,
        Offer.EXCHANGE: ReturnKind.EXCHANGE,
        Offer.REFUND_ONLY: ReturnKind.REFUND_ONLY,
        Offer.REPAIR: ReturnKind.REPAIR,
    }.get(decision.offer)


def with_price_drop(request: Request, item: ItemChoice) -> Request:
    """A price-protection request carries the drop measured from the catalogue, never the buyer's figure."""
    if request.kind != RequestKind.PRICE_DIFFERENCE:
        return request
    return replace(request, price_difference=item.price_drop)


def initial_status(kind: RequestKind, policy: Policy) -> ReturnStatus:
    """Approved at once when the shop's policy lets the bot settle this kind alone; else staff review it."""
    return ReturnStatus.APPROVED if kind.value in policy.auto_approve else ReturnStatus.PENDING


def refund_amount(kind: ReturnKind, decision: Decision) -> Optional[Decimal]:
    return decision.refund_amount if kind in (ReturnKind.RETURN_REFUND, ReturnKind.REFUND_ONLY) else None


def expected_refund_by(request: RequestView, policy: Policy) -> Optional[datetime]:
    """When the refund should be issued, if the case is heading for one and its clock has started."""
    if request.kind == ReturnKind.RETURN_REFUND and request.status == ReturnStatus.RECEIVED:
        received = request.stage_time(ReturnStatus.RECEIVED) or request.updated_at
        return received + timedelta(days=policy.refund_after_received_days)
    if request.kind == ReturnKind.REFUND_ONLY and request.status == ReturnStatus.APPROVED:
        approved = request.stage_time(ReturnStatus.APPROVED) or request.updated_at
        return approved + timedelta(days=policy.refund_after_received_days)
    return None


# --- persistence helpers ----------------------------------------------------------------


class _KeyTaken(Exception):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


class _RmaTaken(Exception):
    pass


def _classify_conflict(error: IntegrityError, key: str) -> Exception:
    message = str(error.orig).lower()
    if "rma_no" in message:
        return _RmaTaken()
    if "idempotency" in message or "unique" in message or "duplicate" in message:
        return _KeyTaken(key)
    return error  # pragma: no cover - a different integrity problem is a real bug


def _owned_order(session: Session, customer_id: int, order_no: str) -> Optional[Order]:
    return session.execute(
        select(Order)
        .where(Order.order_no == order_no, Order.customer_id == customer_id)
        .options(selectinload(Order.items).selectinload(OrderItem.product))
    ).scalar_one_or_none()


def _case_order(session: Session, order: Order) -> CaseOrder:
    claimed = dict(
        session.execute(
            select(ReturnRequest.order_item_id, func.sum(ReturnRequest.quantity))
            .where(
                ReturnRequest.order_id == order.id,
                ReturnRequest.status.in_([s.value for s in stages.CLAIMED]),
            )
            .group_by(ReturnRequest.order_item_id)
        ).all()
    )
    items = tuple(
        ItemChoice(
            id=i.id,
            name=i.product_name,
            variant=i.variant_label,
            variant_id=i.variant_id,
            quantity=i.quantity,
            claimed=int(claimed.get(i.id) or 0),
            unit_price=i.unit_price,
            category=i.product.category,
            no_reason_return=bool(i.product.no_reason_return),
            no_reason_note=i.product.no_reason_note,
            warranty_days=int(i.product.warranty_days or 0),
            aliases=tuple(i.product.aliases or ()),
            current_price=i.product.price,
        )
        for i in sorted(order.items, key=lambda i: i.id)
    )
    facts = OrderFacts(OrderStatus(order.status), order.paid_at, order.delivered_at, bool(order.freight_insurance))
    return CaseOrder(order.order_no, facts, items)


def item_facts(item: ItemChoice) -> ItemFacts:
    """The policy sees only the quantity still returnable, so one item cannot be returned twice."""
    return ItemFacts(
        name=item.name,
        category=item.category,
        no_reason_return=item.no_reason_return,
        no_reason_note=item.no_reason_note,
        unit_price=item.unit_price,
        quantity=item.returnable,
        warranty_days=item.warranty_days,
        bought=item.quantity,
    )


def _open_for_item(session: Session, customer_id: int, item_id: int) -> Optional[ReturnRequest]:
    return (
        session.execute(
            select(ReturnRequest)
            .where(
                ReturnRequest.customer_id == customer_id,
                ReturnRequest.order_item_id == item_id,
                ReturnRequest.status.in_([s.value for s in stages.OPEN]),
            )
            .options(selectinload(ReturnRequest.stages))
            .order_by(ReturnRequest.id.desc())
        )
        .scalars()
        .first()
    )


def _by_rma(session: Session, rma_no: str) -> Optional[ReturnRequest]:
    return session.execute(
        select(ReturnRequest).where(ReturnRequest.rma_no == rma_no.strip().upper()).options(selectinload(ReturnRequest.stages))
    ).scalar_one_or_none()


def idempotency_key(session: Session, item_id: int) -> str:
    """Same for every attempt to open a case on this item until that case closes."""
    closed = session.execute(
        select(func.count(ReturnRequest.id)).where(
            ReturnRequest.order_item_id == item_id,
            ReturnRequest.status.in_([s.value for s in stages.FINAL]),
        )
    ).scalar_one()
    return f"item:{item_id}:case:{closed + 1}"


def _next_rma(session: Session, now: datetime) -> str:
    """RMA + yymmdd + a four-digit sequence for the day: short enough to read out on the phone."""
    return next_daily_number(session, ReturnRequest.rma_no, RMA_PREFIX, now)


def _foreign_variant(session: Session, item: OrderItem, variant_id: Optional[int]) -> Optional[Decision]:
    """A refusal when the wanted variant is not another size/colour of the same product."""
    variant = session.get(ProductVariant, variant_id) if variant_id is not None else None
    if variant is None or variant.product_id != item.product_id:
        return Decision(False, Offer.NONE, "换货只能换同一款商品的其他尺码或颜色")
    if variant.id == item.variant_id:
        return Decision(False, Offer.NONE, "想换的规格和您现在的一样，不需要换货")
    return None


def _reserve(session: Session, variant_id: Optional[int], quantity: int) -> bool:
    """Hold the replacement's stock with one guarded UPDATE, so two exchanges cannot take the last one."""
    if variant_id is None:
        return False
    result = session.execute(
        update(ProductVariant)
        .where(ProductVariant.id == variant_id, ProductVariant.stock >= quantity)
        .values(stock=ProductVariant.stock - quantity)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _release(session: Session, variant_id: Optional[int], quantity: int) -> None:
    if variant_id is not None:
        session.execute(
            update(ProductVariant)
            .where(ProductVariant.id == variant_id)
            .values(stock=ProductVariant.stock + quantity)
            .execution_options(synchronize_session=False)
        )


def _buyer(submission: Submission) -> str:
    return f"buyer:{submission.sender_id}" if submission.sender_id else f"customer:{submission.customer_id}"


def to_view(session: Session, record: ReturnRequest) -> RequestView:
    item = session.get(OrderItem, record.order_item_id) if record.order_item_id else None
    order_no, paid_with = session.execute(
        select(Order.order_no, Order.payment_method).where(Order.id == record.order_id)
    ).one()
    exchange_to = None
    if record.exchange_variant_id:
        variant = session.get(ProductVariant, record.exchange_variant_id)
        exchange_to = variant.label() if variant else None
    return RequestView(
        rma_no=record.rma_no,
        order_no=order_no,
        item_name=item.product_name if item else "",
        item_variant=item.variant_label if item else "",
        kind=ReturnKind(record.kind),
        status=ReturnStatus(record.status),
        quantity=record.quantity,
        reason=record.reason,
        rule_cited=record.rule_cited,
        shipping_payer=record.return_shipping_payer,
        refund_amount=record.refund_amount,
        exchange_to=exchange_to,
        evidence=record.evidence,
        created_at=record.created_at,
        updated_at=record.updated_at,
        stages=tuple(StageView(ReturnStatus(s.status), s.note, s.actor, s.created_at) for s in record.stages),
        paid_with=paid_with,
    )
