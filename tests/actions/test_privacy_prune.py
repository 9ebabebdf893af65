"""The retention job (python -m bot privacy prune): a dry run changes nothing, a real run redacts buyers' words
older than the retention period and keeps what the CRM needs, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot.crm.db import session_factory, session_scope
from bot.crm.models import Complaint, LoginAttempt, OutboundMessage, WebhookMessage
from bot.privacy.prune import REDACTED, prune, redact_event
from tests.conftest import AS_OF

OLD = AS_OF - timedelta(days=200)
RECENT = AS_OF - timedelta(days=2)


def tracker_store(path: Path) -> str:
    """A conversation store with Rasa's events table: one old conversation and one recent one."""
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) "
                       "NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)")
    for sender, at in (("prune_old", OLD), ("prune_new", RECENT)):
        for event in (
            {"event": "user", "text": "我的手机13800000005", "parse_data": {"text": "我的手机13800000005",
             "intent": {"name": "inform"}, "entities": [{"entity": "phone", "value": "13800000005"}]}},
            {"event": "slot", "name": "verify_phone", "value": "13800000005"},
            {"event": "bot", "text": "核实成功，周婷您好！", "data": {"buttons": []}},
            {"event": "action", "name": "order_form"},
        ):
            connection.execute("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, ?, ?, ?)",
                               (sender, event["event"], at.timestamp(), json.dumps({**event, "timestamp": at.timestamp()})))
    connection.commit()
    connection.close()
    return f"sqlite:///{path}"


def events_of(path: Path, sender: str) -> list:
    with sqlite3.connect(path) as connection:
        return [json.loads(d) for (d,) in connection.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,))]


def test_a_dry_run_counts_and_a_real_run_redacts_only_what_is_old(seeded_db_url: str, tmp_path: Path) -> None:
    tracker = tracker_store(tmp_path / "tracker.db")
    sessions = session_factory(seeded_db_url)
    with session_scope(seeded_db_url) as session:
        session.add_all([
            WebhookMessage(message_id="prune-old-1", sender_id="prune_old", status="answered", text="13800000005",
                           reply={"replies": []}, received_at=OLD, claimed_at=OLD, answered_at=OLD),
            WebhookMessage(message_id="prune-new-1", sender_id="prune_new", status="answered", text="13800000005",
                           reply={"replies": []}, received_at=RECENT, claimed_at=RECENT, answered_at=RECENT),
            OutboundMessage(sender_id="prune_old", kind="agent", author="xiaomei", payload=[{"text": "您的地址是…"}],
                            status="已送达", attempts=1, created_at=OLD),
            LoginAttempt(username="someone", address="10.0.0.1", succeeded=False, at=OLD),
        ])
        complaints_before = session.execute(select(Complaint.text)).scalars().all()

    dry = prune(sessions, tracker, AS_OF, 180, dry_run=True)
    assert (dry.conversation_events, dry.ledger_messages, dry.outbound_messages, dry.login_attempts) == (3, 1, 1, 1)
    assert events_of(tmp_path / "tracker.db", "prune_old")[0]["text"] == "我的手机13800000005"  # nothing changed

    done = prune(sessions, tracker, AS_OF, 180, dry_run=False)
    assert done == dry
    old, new = events_of(tmp_path / "tracker.db", "prune_old"), events_of(tmp_path / "tracker.db", "prune_new")
    assert [e["event"] for e in old] == ["user", "slot", "bot", "action"]  # the conversation's shape stays
    assert old[0]["text"] == REDACTED and old[0]["parse_data"]["intent"]["name"] == "inform"
    assert "13800000005" not in json.dumps(old, ensure_ascii=False)
    assert new[0]["text"] == "我的手机13800000005" and new[1]["value"] == "13800000005"
    with session_scope(seeded_db_url) as session:
        ledger = {m.message_id: m for m in session.execute(select(WebhookMessage)).scalars()}
        assert (ledger["prune-old-1"].text, ledger["prune-old-1"].reply) == (REDACTED, None)
        assert ledger["prune-new-1"].text == "13800000005"
        assert session.execute(select(LoginAttempt).where(LoginAttempt.at < AS_OF - timedelta(days=180))).first() is None
        assert session.execute(select(Complaint.text)).scalars().all() == complaints_before  # the CRM keeps its record
    again = prune(sessions, tracker, AS_OF, 180, dry_run=True)
    assert (again.conversation_events, again.ledger_messages, again.outbound_messages) == (0, 0, 0)


def test_redacting_an_event_twice_changes_nothing_more() -> None:
    event = {"event": "user", "text": "地址 上海市徐汇区漕溪北路88号", "parse_data": {"text": "x", "entities": []}}
    once = redact_event(event)
    assert once["text"] == REDACTED and redact_event(once) == once
    assert redact_event({"event": "action", "name": "x"}) == {"event": "action", "name": "x"}
