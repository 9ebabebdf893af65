"""Complaints into the CRM through the real action, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import List

from sqlalchemy import select

from actions.support import ActionEscalateComplaint
from bot.crm.db import session_scope
from bot.crm.models import Complaint, Handoff
from tests.actions.conftest import make_tracker, responses, run_action


def complaints_of(url: str, sender: str) -> List[Complaint]:
    with session_scope(url) as session:
        rows = session.execute(select(Complaint).where(Complaint.sender_id == sender)).scalars().all()
        session.expunge_all()
        return list(rows)


def handoff_priority(url: str, sender: str) -> int:
    with session_scope(url) as session:
        return session.execute(select(Handoff.priority).where(Handoff.sender_id == sender)).scalar_one()


async def test_a_threatening_complaint_is_recorded_high_and_goes_to_staff_first(crm: str) -> None:
    text = "你们客服什么态度！！！问了三遍都不理人，再不处理我就去12315投诉，给差评！"
    tracker = make_tracker("tb_zhaolei", text, "complain", active=False, message_id="msg-high-1")
    _, messages = await run_action(ActionEscalateComplaint(), tracker)
    assert responses(messages) == ["utter_complaint_high"]
    (record,) = complaints_of(crm, "tb_zhaolei")
    assert (record.severity, record.status, record.text) == ("高", "新建", text)
    assert messages[0]["complaint_no"] == record.complaint_no and record.complaint_no.startswith("TS261125")
    assert record.due_at == datetime(2026, 11, 25, 14, 0)  # two service hours after Wednesday noon
    assert record.compensation == "10元无门槛优惠券" and "10元无门槛优惠券" in messages[0]["compensation"]
    assert handoff_priority(crm, "tb_zhaolei") == 1


async def test_a_retried_message_is_recorded_once(crm: str) -> None:
    tracker = make_tracker("tb_zhouting", "物流太慢了，等了好几天", "complain", active=False, message_id="msg-retry-1")
    (_, first), (_, second) = await asyncio.gather(
        run_action(ActionEscalateComplaint(), tracker), run_action(ActionEscalateComplaint(), tracker)
    )
    (record,) = complaints_of(crm, "tb_zhouting")
    assert first[0]["complaint_no"] == second[0]["complaint_no"] == record.complaint_no


async def test_the_order_in_focus_is_attached(crm: str) -> None:
    slots = {"focus_order_id": "4128503961730215"}
    tracker = make_tracker("tb_xiaoyu", "羽绒服物流怎么这么慢", "complain", slots, active=False, message_id="msg-focus-1")
    await run_action(ActionEscalateComplaint(), tracker)
    (record,) = complaints_of(crm, "tb_xiaoyu")
    assert record.order_id is not None


async def test_a_strangers_complaint_still_reaches_staff(crm: str) -> None:
    tracker = make_tracker("wx_angry_stranger", "你们太差劲了", "complain", active=False, message_id="msg-stranger")
    _, messages = await run_action(ActionEscalateComplaint(), tracker)
    assert responses(messages) == ["utter_complain_ack"]
    assert complaints_of(crm, "wx_angry_stranger") == []
    assert handoff_priority(crm, "wx_angry_stranger") == 2
