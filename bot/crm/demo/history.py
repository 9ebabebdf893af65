"""Eight weeks of customer-service history for the demo shop, so the console's board and dashboard have
something to show on a fresh `make run`: complaints in every category and stage (older ones followed up
with a score), hand-overs answered and closed, and the webhook messages of the buyers who wrote.

Only the last twenty generated buyers take part, so the tests' buyers start with a clean record.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import List

from sqlalchemy.orm import Session

from bot.crm.models import Complaint, ComplaintStatus, Customer, Handoff, HandoffStatus, WebhookMessage

WEEKS = 8
HISTORY_BUYERS = 20

COMPLAINTS = {
    "商品质量": ["衣服洗了一次就掉色，质量太差了", "鞋子穿了三天就开胶", "收到的杯子有裂纹，这质量也太敷衍了"],
    "服务态度": ["客服半天不回消息，态度也很冷淡", "问了三遍都没人理，太不负责了"],
    "物流配送": ["物流一个星期都没动静", "快递员没打电话就把包裹放驿站了", "说好三天到结果等了八天"],
    "售后": ["退货寄回去十天了还没退款", "换货申请一直没人审核"],
    "其他": ["活动规则写得不清楚，感觉被套路了"],
}
CATEGORY_WEIGHTS = {"商品质量": 4, "物流配送": 4, "服务态度": 2, "售后": 2, "其他": 1}
REASONS = ["buyer_request", "buyer_request", "repeated_fallback", "complaint", "beyond_policy"]
NOTES = ["已换货，买家满意", "已解释规则", "已补发", "已退款", "买家自行解决"]


def add_service_history(session: Session, customers: List[Customer], as_of: datetime, rng: random.Random) -> int:
    """Adds the history for ``customers`` (the last generated buyers); returns how many complaints."""
    buyers = customers[-HISTORY_BUYERS:]
    complaint_count = 0
    sequence: dict = {}
    for week in range(WEEKS, 0, -1):
        start = as_of - timedelta(weeks=week)
        writers = rng.sample(buyers, rng.randint(12, len(buyers)))
        for n, buyer in enumerate(writers):
            at = start + timedelta(hours=rng.randint(1, 160))
            session.add(
                WebhookMessage(
                    message_id=f"demo-{start:%y%m%d}-{n}", sender_id=buyer.platform_uid, status="answered", text="在吗",
                    reply={"replies": []}, received_at=at, claimed_at=at, answered_at=at,
                )
            )
        for _ in range(rng.randint(1, 4)):
            buyer = rng.choice(writers)
            created = start + timedelta(hours=rng.randint(9, 150))
            answered = created + timedelta(minutes=rng.randint(1, 45))
            session.add(
                Handoff(
                    sender_id=buyer.platform_uid, customer_id=buyer.id, reason=rng.choice(REASONS),
                    priority=rng.choice([2, 3, 3]), summary={"wanted": "要求人工客服", "last_messages": ["转人工"]},
                    status=HandoffStatus.RESOLVED.value, note=rng.choice(NOTES), created_at=created, taken_at=answered,
                    first_answer_at=answered, resolved_at=answered + timedelta(minutes=rng.randint(5, 60)),
                )
            )
        for _ in range(rng.randint(2, 6)):
            complaint_count += 1
            session.add(_complaint(rng, rng.choice(writers), start + timedelta(hours=rng.randint(1, 160)), as_of, sequence))
    return complaint_count


def _complaint(rng: random.Random, buyer: Customer, created: datetime, as_of: datetime, sequence: dict) -> Complaint:
    category = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
    severity = rng.choices(["高", "中", "低"], weights=[1, 3, 2])[0]
    day = f"{created:%y%m%d}"
    sequence[day] = sequence.get(day, 0) + 1
    record = Complaint(
        complaint_no=f"TS{day}{sequence[day]:04d}", customer_id=buyer.id, sender_id=buyer.platform_uid,
        category=category, severity=severity, text=rng.choice(COMPLAINTS[category]), created_at=created,
        due_at=created + timedelta(hours={"高": 2, "中": 8, "低": 24}[severity]),
    )
    if as_of - created < timedelta(days=5):
        record.status = rng.choice([ComplaintStatus.NEW.value, ComplaintStatus.IN_PROGRESS.value])
        return record
    record.status = ComplaintStatus.FOLLOWED_UP.value
    record.resolution = "已联系买家处理完毕"
    record.compensation = {"高": "10元无门槛优惠券", "中": "5元无门槛优惠券", "低": None}[severity]
    record.resolved_at = created + timedelta(hours=rng.randint(1, 20))
    record.followup_asked_at = record.resolved_at
    record.satisfaction = rng.choices([5, 4, 3, 2, 1], weights=[9, 6, 2, 1, 1])[0]
    record.followed_up_at = record.resolved_at + timedelta(hours=rng.randint(1, 30))
    return record
