"""``python -m bot privacy prune``: buyers' words older than the shop's retention period are redacted.

Conversations hold what buyers typed — phone numbers to be verified, addresses, complaints in their own
words — and the tracker store would keep them forever. The job redacts, in everything older than the
retention period (``privacy.retention_days`` in shop_policy.yml, or ``--days``):

- the conversation store: the text of every buyer and bot message, the entities read from it, and every
  slot value (slots hold phones, addresses and order numbers); the events themselves stay, so a
  conversation's shape and the intents read remain for figures;
- the webhook's message ledger (texts and stored replies) and the outbox (what was sent to buyers);
- the per-message action memory, failed identity checks and console sign-in attempts (deleted).

What the CRM needs is kept: orders, after-sales cases, complaints with their words, customers. ``--dry-run``
counts what would change and changes nothing. Run it from cron, e.g. nightly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any, Dict, Iterator, Tuple

from sqlalchemy import create_engine, delete, func, null, select, text, update
from sqlalchemy.orm import sessionmaker

from bot.crm.models import ActionEffect, LoginAttempt, OutboundMessage, VerificationFailure, WebhookMessage

REDACTED = "[已删除]"
REDACTED_PAYLOAD = [{"text": REDACTED}]
BATCH = 500


@dataclass
class PruneReport:
    conversation_events: int = 0
    ledger_messages: int = 0
    outbound_messages: int = 0
    action_memories: int = 0
    verification_failures: int = 0
    login_attempts: int = 0

    def lines(self) -> Iterator[str]:
        labels = {
            "conversation_events": "对话事件（消息文字、识别出的实体、槽位值）",
            "ledger_messages": "webhook 消息台账（文字与回复）",
            "outbound_messages": "主动发出的消息（内容）",
            "action_memories": "动作执行记录",
            "verification_failures": "身份核实失败记录",
            "login_attempts": "员工登录尝试记录",
        }
        for field in fields(self):
            yield f"  {labels[field.name]}：{getattr(self, field.name)}"


def redact_event(event: Dict[str, Any]) -> Dict[str, Any]:
    """The event without the buyer's words or the values read from them; the same event again if none are left."""
    kind = event.get("event")
    redacted = dict(event)
    if kind == "user":
        redacted["text"] = REDACTED
        parse = dict(redacted.get("parse_data") or {})
        if parse:
            parse["text"] = REDACTED
            parse["entities"] = [{**e, "value": REDACTED} for e in parse.get("entities") or []]
            redacted["parse_data"] = parse
        platform = dict(((redacted.get("metadata") or {}).get("platform")) or {})
        if platform:
            redacted["metadata"] = {**redacted["metadata"], "platform": {**platform, "url": None, "client_ip": None}}
    elif kind == "bot":
        redacted["text"] = REDACTED
        redacted["data"] = {}
    elif kind == "slot":
        redacted["value"] = None
    return redacted


def _old_events(connection: Any, cutoff: float) -> Iterator[Tuple[int, str]]:
    last = 0
    while True:
        rows = connection.execute(
            text("SELECT id, data FROM events WHERE id > :last AND timestamp < :cutoff "
                 "AND type_name IN ('user', 'bot', 'slot') ORDER BY id LIMIT :batch"),
            {"last": last, "cutoff": cutoff, "batch": BATCH},
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def prune_conversations(tracker_url: str, cutoff: datetime, dry_run: bool) -> int:
    """Redact the conversation store's events older than ``cutoff``; returns how many changed (or would)."""
    engine = create_engine(tracker_url, future=True)
    changed = 0
    try:
        with engine.begin() as connection:
            if not engine.dialect.has_table(connection, "events"):
                return 0
            for event_id, data in list(_old_events(connection, cutoff.timestamp())):
                event = json.loads(data or "{}")
                redacted = redact_event(event)
                if redacted == event:
                    continue
                changed += 1
                if not dry_run:
                    connection.execute(text("UPDATE events SET data = :data WHERE id = :id"),
                                       {"data": json.dumps(redacted, ensure_ascii=False), "id": event_id})
    finally:
        engine.dispose()
    return changed


def prune_crm(sessions: sessionmaker, cutoff: datetime, dry_run: bool, report: PruneReport) -> None:
    """Redact and delete in the CRM: ledger and outbox texts, action memories, failed checks, sign-in attempts."""
    ledger = (WebhookMessage.received_at < cutoff) & ((WebhookMessage.text != REDACTED) | WebhookMessage.reply.isnot(None))
    deleted = {
        "action_memories": (ActionEffect, ActionEffect.created_at < cutoff),
        "verification_failures": (VerificationFailure, VerificationFailure.at < cutoff),
        "login_attempts": (LoginAttempt, LoginAttempt.at < cutoff),
    }
    with sessions.begin() as session:
        count = lambda model, condition: session.execute(select(func.count()).select_from(model).where(condition)).scalar_one()  # noqa: E731
        report.ledger_messages = count(WebhookMessage, ledger)
        sent = session.execute(select(OutboundMessage.id, OutboundMessage.payload).where(OutboundMessage.created_at < cutoff)).all()
        outbox = [row.id for row in sent if row.payload != REDACTED_PAYLOAD]
        report.outbound_messages = len(outbox)
        for name, (model, condition) in deleted.items():
            setattr(report, name, count(model, condition))
        if dry_run:
            return
        session.execute(update(WebhookMessage).where(ledger).values(text=REDACTED, reply=null())  # SQL NULL, not JSON null
                        .execution_options(synchronize_session=False))
        for start in range(0, len(outbox), BATCH):
            session.execute(update(OutboundMessage).where(OutboundMessage.id.in_(outbox[start:start + BATCH]))
                            .values(payload=REDACTED_PAYLOAD).execution_options(synchronize_session=False))
        for model, condition in deleted.values():
            session.execute(delete(model).where(condition).execution_options(synchronize_session=False))


def prune(sessions: sessionmaker, tracker_url: str, now: datetime, days: int, dry_run: bool) -> PruneReport:
    """Everything older than ``days`` before ``now``, redacted or deleted (or only counted, ``dry_run``)."""
    cutoff = now - timedelta(days=days)
    report = PruneReport(conversation_events=prune_conversations(tracker_url, cutoff, dry_run))
    prune_crm(sessions, cutoff, dry_run, report)
    return report
