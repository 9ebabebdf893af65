"""The signed webhook over HTTP: refused requests leave no trace, a message id is processed once."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import List

import pytest
from sqlalchemy import select

from bot.channels.webhook import sign
from bot.crm.db import session_scope
from bot.crm.models import Complaint, WebhookMessage
from tests.integration.conftest import RunningBot, said


def user_events(bot: RunningBot, sender: str) -> List[dict]:
    return [e for e in bot.events(sender) if e.get("event") == "user"]


def body(**fields: object) -> bytes:
    return json.dumps(fields, ensure_ascii=False).encode("utf-8")


def test_a_signed_message_is_answered_in_the_response(running_bot: RunningBot) -> None:
    status, reply, _ = running_bot.message("tb_u00120", "在吗", "wh-greet-1")
    assert status == 200 and reply["message_id"] == "wh-greet-1"
    assert reply["replies"] and all(r["type"] == "text" and r["text"] for r in reply["replies"])
    (event,) = user_events(running_bot, "tb_u00120")
    assert event["message_id"] == "wh-greet-1" and event["input_channel"] == "shop"


def test_a_retried_message_is_processed_once_and_gets_the_same_reply(running_bot: RunningBot) -> None:
    first = running_bot.message("tb_u00121", "我的快递到哪了", "wh-retry-1")
    again = running_bot.message("tb_u00121", "我的快递到哪了", "wh-retry-1")
    assert first[0] == again[0] == 200 and first[1] == again[1]
    assert again[2].get("X-Shop-Duplicate") == "1"
    with ThreadPoolExecutor(6) as pool:  # the platform retrying impatiently, all at once
        replies = list(pool.map(lambda _: running_bot.message("tb_u00121", "帮我取消订单", "wh-retry-2"), range(6)))
    assert {r[0] for r in replies} == {200} and len({json.dumps(r[1], sort_keys=True) for r in replies}) == 1
    assert [e["message_id"] for e in user_events(running_bot, "tb_u00121")] == ["wh-retry-1", "wh-retry-2"]


def test_a_complaint_through_the_webhook_is_recorded_once_under_the_platforms_message_id(running_bot: RunningBot) -> None:
    for _ in range(2):
        running_bot.message("tb_u00122", "物流也太慢了吧，一个星期还没到，服务太差了", "wh-complaint-1")
    with session_scope(running_bot.database_url) as session:
        (record,) = session.execute(select(Complaint).where(Complaint.sender_id == "tb_u00122")).scalars().all()
        assert record.message_id == "wh-complaint-1"


@pytest.mark.parametrize(("kind", "sender"), [("image", "tb_u00131"), ("sticker", "tb_u00132"), ("voice", "tb_u00133")])
def test_pictures_stickers_and_voice_are_answered_politely(running_bot: RunningBot, kind: str, sender: str) -> None:
    status, reply, _ = running_bot.message(sender, "", f"wh-{kind}-1", kind=kind)
    assert status == 200 and reply["replies"]
    assert said(reply["replies"][0]["text"], "utter_ask_rephrase")


NOW = str(int(time.time()))
GOOD = body(message_id="wh-bad-0", sender="tb_u00140", type="text", text="在吗", timestamp=1)


@pytest.mark.parametrize(
    ("raw", "timestamp", "signature", "status", "code"),
    [
        (GOOD, None, "sha256=" + "0" * 64, 401, "signature_invalid"),
        (GOOD, None, "", 401, "signature_missing"),
        (GOOD, "", None, 401, "signature_missing"),
        (GOOD, "yesterday", None, 401, "timestamp_invalid"),
        (GOOD, str(int(time.time()) - 301), None, 401, "timestamp_expired"),
        (GOOD, str(int(time.time()) + 3600), None, 401, "timestamp_in_future"),
        (b"{not json", None, None, 400, "bad_json"),
        (b"[1, 2]", None, None, 400, "bad_json"),
        (body(sender="tb_u00140", type="text", text="在吗", timestamp=1), None, None, 422, "missing_field"),
        (body(message_id="wh-bad-1", type="text", text="在吗", timestamp=1), None, None, 422, "missing_field"),
        (body(message_id="wh-bad-2", sender="tb_u00140", type="text", timestamp=1), None, None, 422, "missing_field"),
        (body(message_id="wh-bad-3", sender="tb_u00140", type="text", text="在吗"), None, None, 422, "missing_field"),
        (body(message_id="wh-bad-4", sender="tb_u00140", type="location", text="x", timestamp=1), None, None, 422, "unknown_type"),
        (body(message_id="wh-bad-5", sender="tb_u00140", type="text", text=7, timestamp=1), None, None, 422, "bad_field"),
        (body(message_id="wh bad 6", sender="tb_u00140", type="text", text="在吗", timestamp=1), None, None, 422, "bad_field"),
        (body(message_id="wh-bad-7", sender="tb_u00140", type="text", text="长" * 1001, timestamp=1), None, None, 413, "text_too_long"),
        (body(message_id="wh-bad-8", sender="tb_u00140", type="text", text="在吗", pad="x" * 20000, timestamp=1), None, None, 413,
         "body_too_large"),
    ],
    ids=[
        "wrong-signature", "no-signature", "no-timestamp", "bad-timestamp", "older-than-5-minutes", "from-the-future",
        "bad-json", "not-an-object", "no-message-id", "no-sender", "no-text", "no-timestamp-field", "unknown-type",
        "text-not-a-string", "bad-message-id", "text-too-long", "body-too-large",
    ],
)
def test_refused_requests_get_a_clear_error_and_leave_no_trace(
    running_bot: RunningBot, raw: bytes, timestamp: str, signature: str, status: int, code: str
) -> None:
    got, answer, _ = running_bot.post_webhook(raw, timestamp=timestamp, signature=signature)
    assert (got, answer["error"]) == (status, code) and answer["message"]
    assert user_events(running_bot, "tb_u00140") == []
    with session_scope(running_bot.database_url) as session:
        assert session.execute(select(WebhookMessage).where(WebhookMessage.sender_id == "tb_u00140")).first() is None


def test_a_message_id_is_not_reusable_by_another_sender(running_bot: RunningBot) -> None:
    assert running_bot.message("tb_u00141", "在吗", "wh-shared-1")[0] == 200
    status, answer, _ = running_bot.message("tb_u00142", "在吗", "wh-shared-1")
    assert status == 409 and answer["error"] == "message_id_reused"
    assert user_events(running_bot, "tb_u00142") == []


def test_a_replayed_body_with_a_new_timestamp_fails_the_signature(running_bot: RunningBot) -> None:
    raw = body(message_id="wh-replay-1", sender="tb_u00143", type="text", text="在吗", timestamp=1)
    old = str(int(time.time()) - 400)
    signature = sign(running_bot.webhook_secret, old, raw)
    status, answer, _ = running_bot.post_webhook(raw, timestamp=str(int(time.time())), signature=signature)
    assert (status, answer["error"]) == (401, "signature_invalid")


def test_a_restarted_server_continues_the_conversation_where_it_was(running_bot: RunningBot) -> None:
    """The `make run` stack: conversations in the SQLite tracker store outlive the Rasa process."""
    status, which, _ = running_bot.message("tb_chenmei", "我的羽绒服订单什么情况", "wh-restart-1")
    assert status == 200 and "哪" in which["replies"][0]["text"]  # two down-jacket orders: which one?
    running_bot.stop("rasa")
    running_bot.start("rasa")
    status, answer, _ = running_bot.message("tb_chenmei", "第二个", "wh-restart-2")
    text = "\n".join(r["text"] for r in answer["replies"])
    assert status == 200 and not said(text, "utter_technical_difficulty") and not said(text, "utter_ask_rephrase")
    assert [e["message_id"] for e in user_events(running_bot, "tb_chenmei")][-2:] == ["wh-restart-1", "wh-restart-2"]
