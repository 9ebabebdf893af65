"""The CRM schema: the shop's 顾客档案, catalogue, orders, logistics and after-sales records.

SQLAlchemy 1.4 (Rasa pins < 2.0) written in the 2.0 style: typed declarative
classes, queried with ``select()`` through ``Session.execute``. Status values are
stored as the Chinese words staff see in the console, so a row reads naturally
in any SQL client; the Python enums keep code free of string typos.

Tables that later features fill (return requests, complaints, handoffs, staff)
exist from the first migration so those features extend rather than redesign.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import List, Optional

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declarative_base, relationship

Base = declarative_base()

MONEY = Numeric(10, 2)


class StrEnum(str, enum.Enum):
    """An enum whose values are the stored (Chinese) strings."""

    def __str__(self) -> str:
        return str(self.value)


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "待付款"
    AWAITING_SHIPMENT = "待发货"
    SHIPPED = "已发货"
    DELIVERED = "已签收"
    COMPLETED = "已完成"
    CANCELLED = "已取消"


class Category(StrEnum):
    CLOTHES = "服装"
    SHOES = "鞋靴"
    ELECTRONICS = "数码"
    COSMETICS = "美妆"
    FOOD = "食品"


class ReturnKind(StrEnum):
    RETURN_REFUND = "退货退款"
    EXCHANGE = "换货"
    REFUND_ONLY = "仅退款"
    RESHIP = "补发"
    REPAIR = "维修"


class ReturnStatus(StrEnum):
    PENDING = "待审核"
    APPROVED = "已同意"
    RECEIVED = "已收到退货"
    REFUNDED = "已退款"
    COMPLETED = "已完成"  # exchange or repair sent back, reship sent
    REJECTED = "已拒绝"
    CANCELLED = "已撤销"


class ComplaintStatus(StrEnum):
    NEW = "新建"
    IN_PROGRESS = "处理中"
    COMPENSATED = "已补偿"
    RESOLVED = "已解决"
    FOLLOWED_UP = "已回访"


class HandoffStatus(StrEnum):
    QUEUED = "排队中"
    ASSIGNED = "处理中"
    HANDED_BACK = "已转回"  # staff gave the conversation back to the bot without a resolution
    RESOLVED = "已解决"


#: A handoff in one of these is open: the bot stays paused for that conversation.
OPEN_HANDOFF = (HandoffStatus.QUEUED.value, HandoffStatus.ASSIGNED.value)


class DeliveryStatus(StrEnum):
    PENDING = "待发送"
    DELIVERED = "已送达"
    FAILED = "发送失败"


class StaffRole(StrEnum):
    AGENT = "agent"
    ADMIN = "admin"


def _enum_column(enum_cls: type[StrEnum], **kwargs: object) -> Column:
    """A short string column for an enum; validated in Python, portable across DBs."""
    length = max(len(m.value) for m in enum_cls) + 4
    return Column(String(length), **kwargs)


class Customer(Base):
    """A buyer: the 顾客档案. ``platform_uid`` is the messaging sender id."""

    __tablename__ = "customers"

    id: Mapped[int] = Column(Integer, primary_key=True)
    platform_uid: Mapped[str] = Column(String(64), unique=True, nullable=False)
    nickname: Mapped[str] = Column(String(64), nullable=False)  # 网名
    real_name: Mapped[Optional[str]] = Column(String(32))
    phone: Mapped[str] = Column(String(20), nullable=False, index=True)
    email: Mapped[Optional[str]] = Column(String(128))
    birthday: Mapped[Optional[date]] = Column(Date)
    gender: Mapped[Optional[str]] = Column(String(4))
    source: Mapped[Optional[str]] = Column(String(32))  # 来源: 搜索, 直播, 老客推荐 …
    tier: Mapped[str] = Column(String(16), nullable=False, default="普通")
    at_risk_since: Mapped[Optional[datetime]] = Column(DateTime)  # set by a 3–4 satisfaction score
    care_opted_out_at: Mapped[Optional[datetime]] = Column(DateTime)  # 退订: no proactive messages from then on
    care_opt_out_text: Mapped[Optional[str]] = Column(String(200))  # the buyer's own words
    note: Mapped[Optional[str]] = Column(Text)
    created_at: Mapped[datetime] = Column(DateTime, nullable=False)

    addresses: Mapped[List["Address"]] = relationship("Address", back_populates="customer", cascade="all, delete-orphan")
    orders: Mapped[List["Order"]] = relationship("Order", back_populates="customer")


class Address(Base):
    """A saved delivery address of a customer."""

    __tablename__ = "addresses"

    id: Mapped[int] = Column(Integer, primary_key=True)
    customer_id: Mapped[int] = Column(ForeignKey("customers.id"), nullable=False, index=True)
    recipient: Mapped[str] = Column(String(32), nullable=False)
    phone: Mapped[str] = Column(String(20), nullable=False)
    province: Mapped[str] = Column(String(16), nullable=False)
    city: Mapped[str] = Column(String(16), nullable=False)
    district: Mapped[str] = Column(String(16), nullable=False)
    detail: Mapped[str] = Column(String(128), nullable=False)
    is_default: Mapped[bool] = Column(Boolean, nullable=False, default=False)

    customer: Mapped[Customer] = relationship("Customer", back_populates="addresses")

    def full_text(self) -> str:
        return f"{self.province}{self.city}{self.district}{self.detail}"


class ChannelIdentity(Base):
    """Binds a messaging sender id to a customer after verification.

    Demo buyers are bound through ``Customer.platform_uid``; any other sender
    proves who they are with phone number plus an order number, which writes a
    row here so the next conversation needs no second check.
    """

    __tablename__ = "channel_identities"

    id: Mapped[int] = Column(Integer, primary_key=True)
    sender_id: Mapped[str] = Column(String(128), unique=True, nullable=False)
    customer_id: Mapped[int] = Column(ForeignKey("customers.id"), nullable=False, index=True)
    method: Mapped[str] = Column(String(32), nullable=False)
    verified_at: Mapped[datetime] = Column(DateTime, nullable=False)


class Product(Base):
    """A catalogue entry (SPU). Sizes and colours with stock are its variants."""

    __tablename__ = "products"

    id: Mapped[int] = Column(Integer, primary_key=True)
    sku: Mapped[str] = Column(String(32), unique=True, nullable=False)
    name: Mapped[str] = Column(String(64), nullable=False)
    aliases: Mapped[list] = Column(JSON, nullable=False, default=list)
    category: Mapped[str] = _enum_column(Category, nullable=False, index=True)
    price: Mapped[Decimal] = Column(MONEY, nullable=False)
    no_reason_return: Mapped[bool] = Column(Boolean, nullable=False, default=True)
    no_reason_note: Mapped[Optional[str]] = Column(String(128))
    warranty_days: Mapped[int] = Column(Integer, nullable=False, default=0)
    description: Mapped[Optional[str]] = Column(Text)

    variants: Mapped[List["ProductVariant"]] = relationship(
        "ProductVariant", back_populates="product", cascade="all, delete-orphan"
    )

    @property
    def stock(self) -> int:
        return sum(v.stock for v in self.variants)


class ProductVariant(Base):
    """A sellable size/colour of a product with its own stock."""

    __tablename__ = "product_variants"
    __table_args__ = (UniqueConstraint("product_id", "size", "color"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    product_id: Mapped[int] = Column(ForeignKey("products.id"), nullable=False, index=True)
    sku: Mapped[str] = Column(String(48), unique=True, nullable=False)
    size: Mapped[str] = Column(String(16), nullable=False, default="")
    color: Mapped[str] = Column(String(16), nullable=False, default="")
    stock: Mapped[int] = Column(Integer, nullable=False, default=0)

    product: Mapped[Product] = relationship("Product", back_populates="variants")

    def label(self) -> str:
        return " ".join(part for part in (self.color, self.size) if part)


class Order(Base):
    """A buyer's order. The delivery address is a snapshot, editable before shipment."""

    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_customer_created", "customer_id", "created_at"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    order_no: Mapped[str] = Column(String(32), unique=True, nullable=False)
    customer_id: Mapped[int] = Column(ForeignKey("customers.id"), nullable=False)
    status: Mapped[str] = _enum_column(OrderStatus, nullable=False, index=True)
    total_amount: Mapped[Decimal] = Column(MONEY, nullable=False)
    shipping_fee: Mapped[Decimal] = Column(MONEY, nullable=False, default=Decimal("0"))
    freight_insurance: Mapped[bool] = Column(Boolean, nullable=False, default=False)  # 运费险
    payment_method: Mapped[Optional[str]] = Column(String(16))
    recipient: Mapped[str] = Column(String(32), nullable=False)
    recipient_phone: Mapped[str] = Column(String(20), nullable=False)
    address: Mapped[str] = Column(String(200), nullable=False)
    buyer_note: Mapped[Optional[str]] = Column(String(200))
    created_at: Mapped[datetime] = Column(DateTime, nullable=False)
    paid_at: Mapped[Optional[datetime]] = Column(DateTime)
    shipped_at: Mapped[Optional[datetime]] = Column(DateTime)
    delivered_at: Mapped[Optional[datetime]] = Column(DateTime)  # 签收
    completed_at: Mapped[Optional[datetime]] = Column(DateTime)
    cancelled_at: Mapped[Optional[datetime]] = Column(DateTime)
    cancel_reason: Mapped[Optional[str]] = Column(String(200))
    urge_count: Mapped[int] = Column(Integer, nullable=False, default=0)
    satisfaction: Mapped[Optional[int]] = Column(Integer)  # the buyer's 1–5 answer to the delivery check-in
    rated_at: Mapped[Optional[datetime]] = Column(DateTime)
    last_urged_at: Mapped[Optional[datetime]] = Column(DateTime)

    customer: Mapped[Customer] = relationship("Customer", back_populates="orders")
    items: Mapped[List["OrderItem"]] = relationship(
        "OrderItem", back_populates="order", cascade="all, delete-orphan", order_by="OrderItem.id"
    )
    shipments: Mapped[List["Shipment"]] = relationship(
        "Shipment", back_populates="order", cascade="all, delete-orphan", order_by="Shipment.id"
    )
    events: Mapped[List["OrderEvent"]] = relationship(
        "OrderEvent", back_populates="order", cascade="all, delete-orphan", order_by="OrderEvent.id"
    )

    @property
    def status_enum(self) -> OrderStatus:
        return OrderStatus(self.status)

    @property
    def shipment(self) -> Optional["Shipment"]:
        """The latest shipment (orders ship in one parcel in this shop)."""
        return self.shipments[-1] if self.shipments else None


class OrderItem(Base):
    """One line of an order, with name and price as they were at purchase."""

    __tablename__ = "order_items"

    id: Mapped[int] = Column(Integer, primary_key=True)
    order_id: Mapped[int] = Column(ForeignKey("orders.id"), nullable=False, index=True)
    product_id: Mapped[int] = Column(ForeignKey("products.id"), nullable=False)
    variant_id: Mapped[Optional[int]] = Column(ForeignKey("product_variants.id"))
    product_name: Mapped[str] = Column(String(64), nullable=False)
    variant_label: Mapped[str] = Column(String(40), nullable=False, default="")
    unit_price: Mapped[Decimal] = Column(MONEY, nullable=False)
    quantity: Mapped[int] = Column(Integer, nullable=False)

    order: Mapped[Order] = relationship("Order", back_populates="items")
    product: Mapped[Product] = relationship("Product")
    variant: Mapped[Optional[ProductVariant]] = relationship("ProductVariant")


class OrderEvent(Base):
    """Audit trail of what happened to an order and who did it (bot, buyer, staff)."""

    __tablename__ = "order_events"

    id: Mapped[int] = Column(Integer, primary_key=True)
    order_id: Mapped[int] = Column(ForeignKey("orders.id"), nullable=False, index=True)
    kind: Mapped[str] = Column(String(32), nullable=False)
    detail: Mapped[dict] = Column(JSON, nullable=False, default=dict)
    actor: Mapped[str] = Column(String(64), nullable=False)
    created_at: Mapped[datetime] = Column(DateTime, nullable=False)

    order: Mapped[Order] = relationship("Order", back_populates="events")


class Shipment(Base):
    """A parcel: carrier, tracking number and its logistics trace."""

    __tablename__ = "shipments"

    id: Mapped[int] = Column(Integer, primary_key=True)
    order_id: Mapped[int] = Column(ForeignKey("orders.id"), nullable=False, index=True)
    carrier: Mapped[str] = Column(String(16), nullable=False)
    tracking_no: Mapped[str] = Column(String(32), unique=True, nullable=False)
    shipped_at: Mapped[datetime] = Column(DateTime, nullable=False)
    estimated_delivery: Mapped[Optional[date]] = Column(Date)
    delivered_at: Mapped[Optional[datetime]] = Column(DateTime)

    order: Mapped[Order] = relationship("Order", back_populates="shipments")
    events: Mapped[List["LogisticsEvent"]] = relationship(
        "LogisticsEvent",
        back_populates="shipment",
        cascade="all, delete-orphan",
        order_by="LogisticsEvent.occurred_at",
    )


class LogisticsEvent(Base):
    """One line of a parcel's trace (揽收, 运输中, 派送中, 已签收 …)."""

    __tablename__ = "logistics_events"

    id: Mapped[int] = Column(Integer, primary_key=True)
    shipment_id: Mapped[int] = Column(ForeignKey("shipments.id"), nullable=False, index=True)
    occurred_at: Mapped[datetime] = Column(DateTime, nullable=False)
    location: Mapped[str] = Column(String(32), nullable=False)
    stage: Mapped[str] = Column(String(8), nullable=False)
    description: Mapped[str] = Column(String(200), nullable=False)

    shipment: Mapped[Shipment] = relationship("Shipment", back_populates="events")


class StaffUser(Base):
    """A member of staff who works in the console."""

    __tablename__ = "staff_users"

    id: Mapped[int] = Column(Integer, primary_key=True)
    username: Mapped[str] = Column(String(32), unique=True, nullable=False)
    display_name: Mapped[str] = Column(String(32), nullable=False)
    password_hash: Mapped[str] = Column(String(256), nullable=False)
    role: Mapped[str] = _enum_column(StaffRole, nullable=False, default=StaffRole.AGENT.value)
    active: Mapped[bool] = Column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = Column(DateTime, nullable=False)


class ReturnRequest(Base):
    """An after-sales case (退货退款 / 换货 / 仅退款 / 补发) with a readable RMA number.

    ``idempotency_key`` makes creation exactly-once: a retried confirmation maps
    to the same key and finds the existing row instead of inserting a second one.
    """

    __tablename__ = "return_requests"

    id: Mapped[int] = Column(Integer, primary_key=True)
    rma_no: Mapped[str] = Column(String(24), unique=True, nullable=False)
    idempotency_key: Mapped[str] = Column(String(128), unique=True, nullable=False)
    customer_id: Mapped[int] = Column(ForeignKey("customers.id"), nullable=False, index=True)
    order_id: Mapped[int] = Column(ForeignKey("orders.id"), nullable=False, index=True)
    order_item_id: Mapped[Optional[int]] = Column(ForeignKey("order_items.id"), index=True)
    kind: Mapped[str] = _enum_column(ReturnKind, nullable=False)
    status: Mapped[str] = _enum_column(ReturnStatus, nullable=False)
    quantity: Mapped[int] = Column(Integer, nullable=False, default=1)
    reason: Mapped[str] = Column(String(200), nullable=False)
    rule_cited: Mapped[Optional[str]] = Column(String(200))
    return_shipping_payer: Mapped[Optional[str]] = Column(String(16))
    refund_amount: Mapped[Optional[Decimal]] = Column(MONEY)
    exchange_variant_id: Mapped[Optional[int]] = Column(ForeignKey("product_variants.id"))
    evidence: Mapped[Optional[str]] = Column(String(16))  # photos sent / promised
    sender_id: Mapped[Optional[str]] = Column(String(128))  # the chat it came from
    created_at: Mapped[datetime] = Column(DateTime, nullable=False)
    updated_at: Mapped[datetime] = Column(DateTime, nullable=False)

    stages: Mapped[List["ReturnStage"]] = relationship(
        "ReturnStage", back_populates="request", cascade="all, delete-orphan", order_by="ReturnStage.id"
    )


class ReturnStage(Base):
    """A timestamped move of a return request from one stage to the next."""

    __tablename__ = "return_stages"

    id: Mapped[int] = Column(Integer, primary_key=True)
    request_id: Mapped[int] = Column(ForeignKey("return_requests.id"), nullable=False, index=True)
    status: Mapped[str] = _enum_column(ReturnStatus, nullable=False)
    note: Mapped[Optional[str]] = Column(String(200))
    actor: Mapped[str] = Column(String(64), nullable=False)
    created_at: Mapped[datetime] = Column(DateTime, nullable=False)

    request: Mapped[ReturnRequest] = relationship("ReturnRequest", back_populates="stages")


class Complaint(Base):
    """An entry of the 抱怨数据库: every complaint, followed through to 回访."""

    __tablename__ = "complaints"

    id: Mapped[int] = Column(Integer, primary_key=True)
    complaint_no: Mapped[str] = Column(String(24), unique=True, nullable=False)
    customer_id: Mapped[int] = Column(ForeignKey("customers.id"), nullable=False, index=True)
    order_id: Mapped[Optional[int]] = Column(ForeignKey("orders.id"))
    sender_id: Mapped[Optional[str]] = Column(String(128))
    message_id: Mapped[Optional[str]] = Column(String(64), unique=True)  # the chat message it came from
    category: Mapped[str] = Column(String(8), nullable=False)
    severity: Mapped[str] = Column(String(8), nullable=False)
    text: Mapped[str] = Column(Text, nullable=False)
    status: Mapped[str] = _enum_column(ComplaintStatus, nullable=False)
    owner_id: Mapped[Optional[int]] = Column(ForeignKey("staff_users.id"))
    due_at: Mapped[Optional[datetime]] = Column(DateTime)
    compensation: Mapped[Optional[str]] = Column(String(64))
    resolution: Mapped[Optional[str]] = Column(Text)
    satisfaction: Mapped[Optional[int]] = Column(Integer)
    created_at: Mapped[datetime] = Column(DateTime, nullable=False)
    resolved_at: Mapped[Optional[datetime]] = Column(DateTime)
    followup_asked_at: Mapped[Optional[datetime]] = Column(DateTime)  # the 1–5 question was sent
    followed_up_at: Mapped[Optional[datetime]] = Column(DateTime)  # the buyer's score came back
    reopened_count: Mapped[int] = Column(Integer, nullable=False, default=0)


class Handoff(Base):
    """A conversation queued for a human, with a summary and a priority."""

    __tablename__ = "handoffs"

    id: Mapped[int] = Column(Integer, primary_key=True)
    sender_id: Mapped[str] = Column(String(128), nullable=False, index=True)
    customer_id: Mapped[Optional[int]] = Column(ForeignKey("customers.id"))
    reason: Mapped[str] = Column(String(32), nullable=False)
    priority: Mapped[int] = Column(Integer, nullable=False, default=3)
    summary: Mapped[dict] = Column(JSON, nullable=False, default=dict)
    status: Mapped[str] = _enum_column(HandoffStatus, nullable=False)
    assigned_to: Mapped[Optional[int]] = Column(ForeignKey("staff_users.id"))
    note: Mapped[Optional[str]] = Column(Text)
    complaint_id: Mapped[Optional[int]] = Column(ForeignKey("complaints.id"))
    created_at: Mapped[datetime] = Column(DateTime, nullable=False)
    taken_at: Mapped[Optional[datetime]] = Column(DateTime)
    first_answer_at: Mapped[Optional[datetime]] = Column(DateTime)  # staff's first message to the buyer
    resolved_at: Mapped[Optional[datetime]] = Column(DateTime)  # resolved or handed back: the bot resumed


class StaffToken(Base):
    """An API token of a staff member; only its SHA-256 is stored, so a leaked database leaks no token."""

    __tablename__ = "staff_tokens"

    id: Mapped[int] = Column(Integer, primary_key=True)
    staff_user_id: Mapped[int] = Column(ForeignKey("staff_users.id"), nullable=False, index=True)
    token_hash: Mapped[str] = Column(String(64), unique=True, nullable=False)
    label: Mapped[str] = Column(String(64), nullable=False, default="")
    created_at: Mapped[datetime] = Column(DateTime, nullable=False)
    last_used_at: Mapped[Optional[datetime]] = Column(DateTime)
    revoked_at: Mapped[Optional[datetime]] = Column(DateTime)


class OutboundMessage(Base):
    """A message the shop sent a buyer outside a reply (a staff answer, a follow-up), and whether it arrived."""

    __tablename__ = "outbound_messages"

    id: Mapped[int] = Column(Integer, primary_key=True)
    sender_id: Mapped[str] = Column(String(128), nullable=False, index=True)  # the buyer's chat
    handoff_id: Mapped[Optional[int]] = Column(ForeignKey("handoffs.id"), index=True)
    kind: Mapped[str] = Column(String(16), nullable=False)  # agent / handback / followup
    author: Mapped[str] = Column(String(64), nullable=False)  # staff username, or "bot"
    payload: Mapped[list] = Column(JSON, nullable=False, default=list)  # [{"text": …, "buttons": […]}]
    status: Mapped[str] = _enum_column(DeliveryStatus, nullable=False)
    attempts: Mapped[int] = Column(Integer, nullable=False, default=0)
    last_error: Mapped[Optional[str]] = Column(Text)
    created_at: Mapped[datetime] = Column(DateTime, nullable=False)
    delivered_at: Mapped[Optional[datetime]] = Column(DateTime)


class WebhookMessage(Base):
    """A platform message the webhook accepted: processed once, its reply kept for the platform's retries."""

    __tablename__ = "webhook_messages"

    id: Mapped[int] = Column(Integer, primary_key=True)
    message_id: Mapped[str] = Column(String(64), unique=True, nullable=False)
    sender_id: Mapped[str] = Column(String(128), nullable=False, index=True)
    status: Mapped[str] = Column(String(16), nullable=False)  # processing / answered
    text: Mapped[str] = Column(Text, nullable=False, default="")  # what the buyer sent, kept even if a turn fails
    reply: Mapped[Optional[dict]] = Column(JSON)
    received_at: Mapped[datetime] = Column(DateTime, nullable=False)
    claimed_at: Mapped[datetime] = Column(DateTime, nullable=False)  # when a server last took it on
    answered_at: Mapped[Optional[datetime]] = Column(DateTime)


class StaffSession(Base):
    """A signed-in console session; the cookie holds a random token, this row only its SHA-256."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = Column(Integer, primary_key=True)
    token_hash: Mapped[str] = Column(String(64), unique=True, nullable=False)
    staff_user_id: Mapped[int] = Column(ForeignKey("staff_users.id"), nullable=False, index=True)
    csrf_token: Mapped[str] = Column(String(64), nullable=False)  # every form of this session carries it
    created_at: Mapped[datetime] = Column(DateTime, nullable=False)
    expires_at: Mapped[datetime] = Column(DateTime, nullable=False)
    revoked_at: Mapped[Optional[datetime]] = Column(DateTime)


class AuditEntry(Base):
    """What a member of staff did, when, to what: sign-ins, answers, hand-backs, resolutions, reveals."""

    __tablename__ = "audit_log"

    id: Mapped[int] = Column(Integer, primary_key=True)
    staff_user_id: Mapped[Optional[int]] = Column(ForeignKey("staff_users.id"), index=True)
    username: Mapped[str] = Column(String(32), nullable=False)
    action: Mapped[str] = Column(String(32), nullable=False)
    target: Mapped[str] = Column(String(64), nullable=False, default="")
    detail: Mapped[dict] = Column(JSON, nullable=False, default=dict)
    at: Mapped[datetime] = Column(DateTime, nullable=False, index=True)


class TrainingMaterial(Base):
    """A conversation staff reviewed and marked as training material (read by the retraining step)."""

    __tablename__ = "training_material"

    id: Mapped[int] = Column(Integer, primary_key=True)
    sender_id: Mapped[str] = Column(String(128), nullable=False, index=True)
    handoff_id: Mapped[Optional[int]] = Column(ForeignKey("handoffs.id"), unique=True)
    marked_by: Mapped[str] = Column(String(32), nullable=False)
    note: Mapped[str] = Column(Text, nullable=False, default="")
    marked_at: Mapped[datetime] = Column(DateTime, nullable=False)
    used_at: Mapped[Optional[datetime]] = Column(DateTime)  # when a training run took it in


class NluCandidate(Base):
    """A buyer's message imported from chat logs, waiting for a person to accept, correct or reject its intent."""

    __tablename__ = "nlu_candidates"

    id: Mapped[int] = Column(Integer, primary_key=True)
    text: Mapped[str] = Column(String(1000), unique=True, nullable=False)  # normalised; one candidate per text
    intent: Mapped[Optional[str]] = Column(String(64))
    confidence: Mapped[Optional[float]] = Column(Numeric(5, 4))  # the model's, for pre-labelled rows
    label_source: Mapped[str] = Column(String(8), nullable=False)  # file / model
    status: Mapped[str] = Column(String(8), nullable=False)  # 待审核 / 已采纳 / 已修改 / 已拒绝
    provenance: Mapped[dict] = Column(JSON, nullable=False, default=dict)  # file, line, conversation_id
    imported_at: Mapped[datetime] = Column(DateTime, nullable=False)
    reviewed_by: Mapped[Optional[str]] = Column(String(32))
    reviewed_at: Mapped[Optional[datetime]] = Column(DateTime)


class CareMessage(Base):
    """A proactive message for one event (a dispatch, a stall, a birthday …); the unique key makes it once only."""

    __tablename__ = "care_messages"

    id: Mapped[int] = Column(Integer, primary_key=True)
    event_key: Mapped[str] = Column(String(96), unique=True, nullable=False)  # e.g. shipped:412, birthday:37:2026
    kind: Mapped[str] = Column(String(24), nullable=False)
    customer_id: Mapped[int] = Column(ForeignKey("customers.id"), nullable=False, index=True)
    order_id: Mapped[Optional[int]] = Column(ForeignKey("orders.id"))
    sender_id: Mapped[str] = Column(String(128), nullable=False)
    response: Mapped[str] = Column(String(64), nullable=False)  # the domain.yml response the bot says
    placeholders: Mapped[dict] = Column(JSON, nullable=False, default=dict)  # what fills its {placeholders}
    status: Mapped[str] = Column(String(8), nullable=False)  # 发送中 / 已发送 / 发送失败
    outbound_id: Mapped[Optional[int]] = Column(ForeignKey("outbound_messages.id"))
    created_at: Mapped[datetime] = Column(DateTime, nullable=False, index=True)


class StaffTask(Base):
    """Work for staff that no buyer is waiting in a chat for: e.g. chase the courier about a stalled parcel."""

    __tablename__ = "staff_tasks"

    id: Mapped[int] = Column(Integer, primary_key=True)
    event_key: Mapped[str] = Column(String(96), unique=True, nullable=False)
    kind: Mapped[str] = Column(String(24), nullable=False)
    customer_id: Mapped[Optional[int]] = Column(ForeignKey("customers.id"), index=True)
    order_id: Mapped[Optional[int]] = Column(ForeignKey("orders.id"))
    title: Mapped[str] = Column(String(200), nullable=False)
    detail: Mapped[dict] = Column(JSON, nullable=False, default=dict)
    status: Mapped[str] = Column(String(8), nullable=False)  # 待处理 / 已完成
    created_at: Mapped[datetime] = Column(DateTime, nullable=False)
    due_at: Mapped[datetime] = Column(DateTime, nullable=False)
    done_at: Mapped[Optional[datetime]] = Column(DateTime)
    done_by: Mapped[Optional[str]] = Column(String(32))
    note: Mapped[Optional[str]] = Column(Text)


class ActionEffect(Base):
    """What a writing action did for one buyer message, so a second run for the same message (Rasa rewinding,
    the platform replaying) repeats the answer instead of the write."""

    __tablename__ = "action_effects"
    __table_args__ = (UniqueConstraint("sender_id", "message_id", "action", name="uq_action_effects_once"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    sender_id: Mapped[str] = Column(String(128), nullable=False)
    message_id: Mapped[str] = Column(String(64), nullable=False)
    action: Mapped[str] = Column(String(64), nullable=False)
    events: Mapped[list] = Column(JSON, nullable=False, default=list)  # what it returned to Rasa
    messages: Mapped[list] = Column(JSON, nullable=False, default=list)  # what it said
    created_at: Mapped[datetime] = Column(DateTime, nullable=False, index=True)


class VerificationFailure(Base):
    """A failed identity check (phone + order number that do not match): counted per phone, order number,
    chat and source address, so that the check cannot be retried without limit from new chats or sessions."""

    __tablename__ = "verification_failures"
    __table_args__ = (UniqueConstraint("sender_id", "message_id", name="uq_verification_failures_message"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    sender_id: Mapped[str] = Column(String(128), nullable=False, index=True)
    phone: Mapped[Optional[str]] = Column(String(20), index=True)
    order_no: Mapped[Optional[str]] = Column(String(32), index=True)
    source: Mapped[Optional[str]] = Column(String(64), index=True)  # the platform's client address, when it sends one
    message_id: Mapped[Optional[str]] = Column(String(64))  # one failure per buyer message, however often it is run
    at: Mapped[datetime] = Column(DateTime, nullable=False, index=True)


class LoginAttempt(Base):
    """A console sign-in attempt, for the per-account and per-address back-off and lock-out."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = Column(Integer, primary_key=True)
    username: Mapped[str] = Column(String(64), nullable=False, index=True)
    address: Mapped[str] = Column(String(64), nullable=False, index=True)
    succeeded: Mapped[bool] = Column(Boolean, nullable=False)
    at: Mapped[datetime] = Column(DateTime, nullable=False, index=True)
