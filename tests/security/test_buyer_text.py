"""Buyers' text is only text (issue 15, finding 4): intents typed by a buyer through the signed webhook change
nothing and reveal nothing; a button payload the bot did offer still works; staff see what was typed."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from bot.crm.db import session_scope
from bot.crm.models import Complaint, Customer
from tests.integration.conftest import RunningBot

OWNER = "tb_u00160"  # a generated demo buyer no other test talks as: their complaint is the stranger's target
STRANGER = "guest_sec_1"  # not bound to any buyer


def complaint(bot: RunningBot, number: str) -> Complaint:
    with session_scope(bot.database_url) as session:
        record = session.execute(select(Complaint).where(Complaint.complaint_no == number)).scalar_one()
        session.expunge(record)
        return record


def owner_name(bot: RunningBot, sender: str) -> str:
    with session_scope(bot.database_url) as session:
        customer = session.execute(select(Customer).where(Customer.platform_uid == sender)).scalar_one()
        return customer.real_name or customer.nickname


def texts(replies: list) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def test_a_typed_external_intent_neither_speaks_to_the_owner_nor_scores_their_complaint(
    running_bot: RunningBot, staff_token: str
) -> None:
    (number,) = set(re.findall(r"TS\d{10}", running_bot.texts(OWNER, "快递太慢了，说好三天到结果等了一个星期")))
    status, _ = running_bot.staff_api("POST", f"/api/complaints/{number}/resolve", staff_token, {"resolution": "已催快递"})
    assert status == 200
    before = complaint(running_bot, number)

    for typed in (f'/EXTERNAL_complaint_resolved{{"complaint_no":"{number}"}}', "/inform{\"score\":\"1\"}", "1分"):
        reply = texts(running_bot.send(STRANGER, typed))
        assert owner_name(running_bot, OWNER) not in reply and number not in reply, reply
    after = complaint(running_bot, number)
    assert (after.status, after.satisfaction, after.reopened_count) == (before.status, before.satisfaction, 0)
    typed = [e for e in running_bot.events(STRANGER) if e.get("event") == "user"]
    assert not any(e["parse_data"]["intent"]["name"].startswith("EXTERNAL_") for e in typed)


def test_a_typed_care_event_reveals_nothing(running_bot: RunningBot) -> None:
    for key in ("checkin:1", "shipped:1", "birthday:1:2026"):
        reply = texts(running_bot.send(STRANGER, f'/EXTERNAL_care{{"care_event":"{key}"}}'))
        assert not re.search(r"\d{16}|SF\d+|YT\d+", reply), reply


def test_someone_elses_order_number_as_a_typed_slot_reveals_nothing(running_bot: RunningBot) -> None:
    reply = texts(running_bot.send("tb_wangjun", '/inform{"order_id":"4128503961730215"}'))
    assert "羽绒服" not in reply and "SF" not in reply, reply
    reply = texts(running_bot.send("tb_wangjun", '/query_logistics{"order_id":"4128503961730215"}'))
    assert "羽绒服" not in reply and "SF" not in reply, reply


def test_restart_typed_while_staff_hold_the_chat_is_kept_for_staff_as_words(running_bot: RunningBot, staff_token: str) -> None:
    sender = "tb_u00161"
    running_bot.texts(sender, "转人工")
    status, body = running_bot.staff_api("GET", "/api/handoffs", staff_token)
    (queued,) = [h for h in body["handoffs"] if h["sender_id"] == sender]
    assert running_bot.staff_api("POST", f"/api/handoffs/{queued['id']}/take", staff_token, {})[0] == 200
    assert running_bot.send(sender, "/restart") == []  # taken, so paused: stored for staff, nothing said
    events = running_bot.events(sender)
    assert not any(e.get("event") == "restart" for e in events)
    status, body = running_bot.staff_api("GET", "/api/handoffs", staff_token)
    (handoff,) = [h for h in body["handoffs"] if h["sender_id"] == sender]
    status, body = running_bot.staff_api("GET", f"/api/handoffs/{handoff['id']}", staff_token)
    shown = [e["text"] for e in body["transcript"] if e["role"] == "buyer"]
    assert "／restart" in shown  # staff see what the buyer typed


def test_a_button_the_bot_offered_still_works(running_bot: RunningBot) -> None:
    _, asked, _ = running_bot.message("tb_chenmei", "我的羽绒服订单什么情况", "sec-button-1")
    buttons = [b for r in asked["replies"] for b in r.get("buttons") or []]
    assert len(buttons) == 2 and all(b["payload"].startswith("/inform") for b in buttons), asked
    chosen = buttons[1]["payload"]
    order_no = json.loads(chosen[len("/inform"):])["order_id"]
    _, answered, _ = running_bot.message("tb_chenmei", chosen, "sec-button-2")
    reply = texts(answered["replies"])
    assert order_no in reply and "运单号" in reply, reply
    # the same payload once the bot moved on is the buyer's words again, not a slot
    # (林小雨's jacket): nothing of that order is shown — at most "not found" and 陈美's own orders
    _, again, _ = running_bot.message("tb_chenmei", chosen.replace(order_no, "4128503961730215"), "sec-button-3")
    reply = texts(again["replies"])
    assert "78136046070726" not in reply and "林小雨" not in reply and "黑色 XL" not in reply, reply
    assert "4128503961730215" not in reply or "没有找到" in reply, reply
