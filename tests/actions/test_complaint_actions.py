"""Complaints into the CRM through the real action, on SQLite and PostgreSQL, and their 1–5 follow-up."""

from __future__ import annotations

import asyncio
import itertools
from datetime import datetime, timedelta
from typing import List, Optional

import pytest
from sqlalchemy import func, select

from actions.support import (
    ActionAskSatisfaction,
    ActionEscalateComplaint,
    ActionRecordSatisfaction,
    ActionSessionStart,
    complaint_desk,
)
from bot import clock
from bot.crm.db import session_factory, session_scope
from bot.crm.models import Complaint, Customer, Handoff
from bot.handoff.service import HandoffDesk
from bot.staff.accounts import StaffAccounts
from tests.actions.conftest import make_tracker, responses, run_action
from tests.conftest import AS_OF

_senders = itertools.count(20)


def fresh_buyer() -> str:
    """A demo buyer no other test in this module has written as (the CRM is shared per module)."""
    return f"tb_u{next(_senders):05d}"


def complaints_of(url: str, sender: str) -> List[Complaint]:
    with session_scope(url) as session:
        rows = session.execute(select(Complaint).where(Complaint.sender_id == sender)).scalars().all()
        session.expunge_all()
        return list(rows)


def handoff_of(url: str, sender: str) -> Optional[Handoff]:
    with session_scope(url) as session:
        row = session.execute(select(Handoff).where(Handoff.sender_id == sender)).scalar_one_or_none()
        session.expunge_all()
        return row


def paused(events: list) -> bool:
    return any(e.get("event") == "pause" for e in events)


async def test_a_threatening_complaint_is_recorded_high_and_goes_to_staff_first(crm: str) -> None:
    text = "你们客服什么态度！！！问了三遍都不理人，再不处理我就去12315投诉，给差评！"
    tracker = make_tracker("tb_zhaolei", text, "complain", active=False, message_id="msg-high-1")
    events, messages = await run_action(ActionEscalateComplaint(), tracker)
    assert responses(messages) == ["utter_complaint_high", "utter_complaint_remedy_service", "utter_handoff_queued"]
    (record,) = complaints_of(crm, "tb_zhaolei")
    assert (record.severity, record.status, record.text, record.category) == ("高", "新建", text, "服务态度")
    assert messages[0]["complaint_no"] == record.complaint_no and record.complaint_no.startswith("TS261125")
    assert record.due_at == datetime(2026, 11, 25, 14, 0)  # two service hours after Wednesday noon
    assert record.compensation == "10元无门槛优惠券" and "10元无门槛优惠券" in messages[0]["compensation"]
    handoff = handoff_of(crm, "tb_zhaolei")
    assert (handoff.priority, handoff.reason, handoff.complaint_id) == (1, "complaint", record.id)
    assert not paused(events)  # queued: the bot answers what it can until a supervisor takes the case


async def test_an_ordinary_complaint_is_recorded_and_the_bot_keeps_helping(crm: str) -> None:
    buyer = fresh_buyer()
    tracker = make_tracker(buyer, "物流太慢了，等了好几天", "complain", active=False, message_id=f"msg-mid-{buyer}")
    events, messages = await run_action(ActionEscalateComplaint(), tracker)
    assert responses(messages) == ["utter_complaint_recorded", "utter_complaint_remedy_logistics"]
    (record,) = complaints_of(crm, buyer)
    assert record.category == "物流配送" and record.severity in ("中", "低")
    assert handoff_of(crm, buyer) is None and not paused(events)


async def test_a_quality_complaint_offers_a_return_or_a_capped_partial_refund(crm: str) -> None:
    tracker = make_tracker("tb_sunli", "买的T恤洗了一次就掉色了，质量太差", "complain", active=False, message_id="msg-q-1")
    _, messages = await run_action(ActionEscalateComplaint(), tracker)
    assert "utter_complaint_remedy_quality" in responses(messages)
    remedy = next(m for m in messages if m["response"] == "utter_complaint_remedy_quality")
    assert remedy["percent"] == 20  # shop_policy.yml complaints.partial_refund_max_percent


async def test_a_retried_message_is_recorded_once(crm: str) -> None:
    buyer = fresh_buyer()
    tracker = make_tracker(buyer, "物流太慢了，等了好几天", "complain", active=False, message_id=f"msg-retry-{buyer}")
    (_, first), (_, second) = await asyncio.gather(
        run_action(ActionEscalateComplaint(), tracker), run_action(ActionEscalateComplaint(), tracker)
    )
    (record,) = complaints_of(crm, buyer)
    assert first[0]["complaint_no"] == second[0]["complaint_no"] == record.complaint_no


async def test_a_second_complaint_in_the_same_chat_adds_to_the_first(crm: str) -> None:
    """"我要投诉 你给我记上" right after the bot recorded one: still one complaint, with the buyer's words added."""
    buyer = fresh_buyer()
    first = make_tracker(buyer, "物流太慢了，等了好几天", "complain", active=False, message_id=f"msg-a-{buyer}")
    _, said = await run_action(ActionEscalateComplaint(), first)
    again = make_tracker(buyer, "我要投诉 你给我记上", "complain", active=False, message_id=f"msg-b-{buyer}")
    _, said_again = await run_action(ActionEscalateComplaint(), again)
    (record,) = complaints_of(crm, buyer)
    assert responses(said_again) == ["utter_complaint_already_recorded"]
    assert said_again[0]["complaint_no"] == said[0]["complaint_no"] == record.complaint_no
    assert "你给我记上" in record.text and "等了好几天" in record.text


async def test_the_order_in_focus_is_attached(crm: str) -> None:
    slots = {"focus_order_id": "4128503961730215"}
    tracker = make_tracker("tb_xiaoyu", "羽绒服物流怎么这么慢", "complain", slots, active=False, message_id="msg-focus-1")
    await run_action(ActionEscalateComplaint(), tracker)
    (record,) = complaints_of(crm, "tb_xiaoyu")
    assert record.order_id is not None


async def test_a_strangers_complaint_still_reaches_staff(crm: str) -> None:
    tracker = make_tracker("wx_angry_stranger", "你们太差劲了", "complain", active=False, message_id="msg-stranger")
    events, messages = await run_action(ActionEscalateComplaint(), tracker)
    assert responses(messages) == ["utter_complain_ack", "utter_handoff_queued"]
    assert complaints_of(crm, "wx_angry_stranger") == []
    assert handoff_of(crm, "wx_angry_stranger").priority == 2 and not paused(events)


# ---- follow-up: staff resolved it, the bot asks for 1–5 -----------------------------------------


async def resolved_complaint(crm: str, sender: str, text: str = "物流太慢了，等了好几天") -> str:
    tracker = make_tracker(sender, text, "complain", active=False, message_id=f"msg-{sender}")
    _, messages = await run_action(ActionEscalateComplaint(), tracker)
    complaint_no = messages[0]["complaint_no"]
    complaint_desk.resolve(complaint_no, staff_id=None, resolution="已联系快递加急派送", compensation=None, now=AS_OF)  # type: ignore[arg-type]
    return complaint_no


def external(sender: str, intent: str, complaint_no: str):  # type: ignore[no-untyped-def]
    tracker = make_tracker(sender, f"/{intent}", intent, active=False)
    tracker.latest_message["entities"] = [{"entity": "complaint_no", "value": complaint_no}]
    return tracker


async def asked(crm: str, sender: str, text: str = "物流太慢了，等了好几天") -> str:
    complaint_no = await resolved_complaint(crm, sender, text)
    events, messages = await run_action(ActionAskSatisfaction(), external(sender, "EXTERNAL_complaint_resolved", complaint_no))
    assert responses(messages) == ["utter_ask_satisfaction"] and messages[0]["complaint_no"] == complaint_no
    assert {"event": "slot", "name": "feedback_complaint", "value": complaint_no} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events
    ]
    return complaint_no


def answer(sender: str, text: str, complaint_no: str, intent: str = "inform", message_id: Optional[str] = None):  # type: ignore[no-untyped-def]
    return make_tracker(sender, text, intent, {"feedback_complaint": complaint_no}, active=False, message_id=message_id)


@pytest.mark.parametrize(
    ("text", "score", "response", "status"),
    [
        ("5分", 5, "utter_satisfaction_thanks", "已回访"),
        ("⭐⭐⭐⭐⭐", 5, "utter_satisfaction_thanks", "已回访"),
        ("4分吧，还行", 4, "utter_satisfaction_at_risk", "已回访"),
        ("一般般", 3, "utter_satisfaction_at_risk", "已回访"),
    ],
)
async def test_a_score_of_three_to_five_closes_the_follow_up(crm: str, text: str, score: int, response: str, status: str) -> None:
    buyer = fresh_buyer()
    complaint_no = await asked(crm, buyer)
    events, messages = await run_action(ActionRecordSatisfaction(), answer(buyer, text, complaint_no))
    assert responses(messages) == [response]
    (record,) = complaints_of(crm, buyer)
    assert (record.satisfaction, record.status, record.followed_up_at) == (score, status, AS_OF)
    with session_scope(crm) as session:
        customer = session.execute(select(Customer).where(Customer.id == record.customer_id)).scalar_one()
        assert (customer.at_risk_since is not None) == (score < 5)
    assert not paused(events)


async def test_a_score_of_one_or_two_reopens_the_complaint_and_goes_to_staff(crm: str) -> None:
    buyer = fresh_buyer()
    complaint_no = await asked(crm, buyer)
    events, messages = await run_action(ActionRecordSatisfaction(), answer(buyer, "2分，不太满意", complaint_no))
    assert responses(messages) == ["utter_satisfaction_reopened", "utter_handoff_queued"]
    (record,) = complaints_of(crm, buyer)
    assert (record.satisfaction, record.status, record.reopened_count, record.resolved_at) == (2, "处理中", 1, None)
    assert record.due_at > AS_OF
    handoff = handoff_of(crm, buyer)
    assert (handoff.reason, handoff.complaint_id) == ("complaint_reopened", record.id) and not paused(events)


async def test_one_answer_reopens_a_complaint_once_whatever_rasa_does_with_the_turn(crm: str) -> None:
    """The same message run again (a replay, a retried turn) repeats the first answer and writes nothing; the
    same score read again in a later message (a rewound turn left the question open) reopens nothing."""
    buyer = fresh_buyer()
    complaint_no = await asked(crm, buyer)
    first = await run_action(ActionRecordSatisfaction(), answer(buyer, "1分", complaint_no, message_id="m-score-1"))
    again = await run_action(ActionRecordSatisfaction(), answer(buyer, "1分", complaint_no, message_id="m-score-1"))
    assert again == first and responses(first[1])[0] == "utter_satisfaction_reopened"
    later = await run_action(ActionRecordSatisfaction(), answer(buyer, "1分", complaint_no, message_id="m-score-2"))
    assert responses(later[1]) == ["utter_satisfaction_skipped"] and not paused(later[0])
    (record,) = complaints_of(crm, buyer)
    assert (record.status, record.reopened_count) == ("处理中", 1)
    with session_factory(crm)() as session:
        assert session.execute(select(func.count()).select_from(Handoff).where(Handoff.sender_id == buyer)).scalar() == 1


async def test_an_answer_that_is_no_score_records_nothing_and_forgets_the_question(crm: str) -> None:
    buyer = fresh_buyer()
    complaint_no = await asked(crm, buyer)
    events, messages = await run_action(ActionRecordSatisfaction(), answer(buyer, "好的", complaint_no, "affirm"))
    assert responses(messages) == ["utter_satisfaction_skipped"]
    assert {"event": "slot", "name": "feedback_complaint", "value": None} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events
    ]
    (record,) = complaints_of(crm, buyer)
    assert (record.satisfaction, record.status) == (None, "已解决")


async def test_a_new_complaint_instead_of_a_score_is_taken_as_a_complaint(crm: str) -> None:
    buyer = fresh_buyer()
    complaint_no = await asked(crm, buyer)
    events, messages = await run_action(
        ActionRecordSatisfaction(), answer(buyer, "还是没送到，你们到底管不管", complaint_no, "complain")
    )
    assert messages == []
    assert {"event": "followup", "name": "action_escalate_complaint"} in [
        {k: e.get(k) for k in ("event", "name")} for e in events
    ]


async def test_a_complaint_reopened_since_is_not_asked_about(crm: str) -> None:
    buyer = fresh_buyer()
    complaint_no = await resolved_complaint(crm, buyer)
    complaint_desk.record_score(complaint_no, 1, AS_OF)  # e.g. an earlier answer reopened it
    _, messages = await run_action(ActionAskSatisfaction(), external(buyer, "EXTERNAL_complaint_resolved", complaint_no))
    assert messages == []


async def test_another_chat_cannot_be_asked_about_a_complaint_it_does_not_own(crm: str) -> None:
    """Complaint numbers are sequential: naming one must not address its owner by name nor mark it asked."""
    owner = fresh_buyer()
    complaint_no = await resolved_complaint(crm, owner)
    events, messages = await run_action(ActionAskSatisfaction(), external(fresh_buyer(), "EXTERNAL_complaint_resolved", complaint_no))
    assert (events, messages) == ([], [])
    (record,) = complaints_of(crm, owner)
    assert record.followup_asked_at is None


async def test_a_new_session_stays_paused_while_staff_hold_the_case_and_keeps_an_owed_score(crm: str) -> None:
    text = "再不处理我就去12315投诉，给差评！骗子！"
    angry = fresh_buyer()
    events, _ = await run_action(ActionEscalateComplaint(), make_tracker(angry, text, "complain", active=False))
    events, _ = await run_action(ActionSessionStart(), make_tracker(angry, "", "", active=False))
    assert [e["event"] for e in events] == ["session_started", "action"]  # only queued: the bot still answers
    desk = HandoffDesk(session_factory(crm))
    staff = StaffAccounts(session_factory(crm)).create_user(f"sup_{angry}", "主管", "a-good-password", "agent", AS_OF)
    desk.take(desk.open_for(angry), staff, AS_OF)
    events, _ = await run_action(ActionSessionStart(), make_tracker(angry, "", "", active=False))
    assert [e["event"] for e in events] == ["session_started", "pause", "action"]  # taken: a person talks now

    buyer = fresh_buyer()
    complaint_no = await asked(crm, buyer)
    with clock.frozen(AS_OF + timedelta(days=1)):
        events, _ = await run_action(ActionSessionStart(), make_tracker(buyer, "", "", active=False))
    assert [e["event"] for e in events] == ["session_started", "slot", "action"] and events[1]["value"] == complaint_no
    with clock.frozen(AS_OF + timedelta(days=4)):  # too late: the question has lapsed
        events, _ = await run_action(ActionSessionStart(), make_tracker(buyer, "", "", active=False))
        assert [e["event"] for e in events] == ["session_started", "action"]


async def test_the_order_of_the_product_complained_about_is_attached_and_in_focus(crm: str) -> None:
    tracker = make_tracker("tb_xiaoyu", "羽绒服发了快两天了还没到 再不到给差评", "complain", active=False,
                           message_id="msg-product-1")
    events, _ = await run_action(ActionEscalateComplaint(), tracker)
    assert {e["name"]: e["value"] for e in events if e.get("event") == "slot"}["focus_order_id"] == "4128503961730215"
