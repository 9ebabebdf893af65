"""A complaint over HTTP lands in the CRM once, classified, with a due time, and the buyer is told its number."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.crm.db import session_scope
from bot.crm.models import Complaint, Handoff
from tests.integration.conftest import RunningBot


def test_an_angry_buyer_is_recorded_and_queued_first(running_bot: RunningBot) -> None:
    sender = "tb_u00110"  # a buyer no other test talks as: a high complaint pauses the bot for them
    reply = running_bot.texts(sender, "你们客服什么态度！！！问了三遍都不理人，再不处理我就去12315投诉你们")
    (number,) = re.findall(r"TS\d{10}", reply)
    with session_scope(running_bot.database_url) as session:
        (record,) = session.execute(select(Complaint).where(Complaint.sender_id == sender)).scalars().all()
        assert (record.complaint_no, record.severity, record.status) == (number, "高", "新建")
        assert record.category == "服务态度" and record.due_at is not None and "12315" in record.text
        handoff = session.execute(select(Handoff).where(Handoff.sender_id == sender)).scalar_one()
        assert handoff.priority == 1 and handoff.reason == "complaint"
