"""Handing a buyer to a human: one place in the queue, and an honest answer to "when will someone reply?"."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from actions.support import ActionDenyInContext, ActionHandleFallback, ActionHandoffRequest, fallbacks_in_a_row
from bot import clock
from bot.crm.db import session_scope
from bot.crm.models import Handoff, HandoffStatus
from tests.actions.conftest import make_tracker, responses, run_action


@pytest.mark.parametrize(
    ("moment", "response", "when"),
    [
        (datetime(2026, 11, 25, 12, 0), "utter_handoff_queued", None),  # Wednesday noon: staff in
        (datetime(2026, 11, 25, 23, 30), "utter_handoff_queued_after_hours", "明天 09:00"),
        (datetime(2026, 11, 28, 8, 0), "utter_handoff_queued_after_hours", "今天 10:00"),  # Saturday hours
        (datetime(2026, 10, 1, 12, 0), "utter_handoff_queued", None),  # National Day: holiday hours 10–18
        (datetime(2026, 10, 1, 19, 0), "utter_handoff_queued_after_hours", "明天 10:00"),
    ],
    ids=["workday-noon", "workday-night", "saturday-early", "holiday-noon", "holiday-evening"],
)
async def test_the_buyer_is_told_when_staff_answer(crm: str, moment: datetime, response: str, when: str) -> None:
    sender = f"tb_handoff_{moment:%m%d%H%M}"
    with clock.frozen(moment):
        _, messages = await run_action(ActionHandoffRequest(), make_tracker(sender, "转人工", "human_handoff", active=False))
    assert responses(messages) == [response]
    if when is not None:
        assert messages[0]["when"] == when
    with session_scope(crm) as session:
        assert len(session.execute(select(Handoff).where(Handoff.sender_id == sender)).scalars().all()) == 1


async def test_asking_twice_keeps_one_place_in_the_queue(crm: str) -> None:
    tracker = make_tracker("tb_twice", "人工客服", "human_handoff", active=False)
    await run_action(ActionHandoffRequest(), tracker)
    await run_action(ActionHandoffRequest(), tracker)
    with session_scope(crm) as session:
        assert len(session.execute(select(Handoff).where(Handoff.sender_id == "tb_twice")).scalars().all()) == 1


def _user(text: str, intent: str) -> dict:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent, "confidence": 1.0}}}


async def test_the_second_unreadable_message_in_a_row_goes_to_a_human(crm: str) -> None:
    sender = "tb_mumbler"
    first = make_tracker(sender, "[语音]", "nlu_fallback", active=False)
    _, messages = await run_action(ActionHandleFallback(), first)
    assert responses(messages) == ["utter_ask_rephrase"]
    second = make_tracker(sender, "[语音]", "nlu_fallback", active=False)
    second.events = [_user("[语音]", "nlu_fallback"), {"event": "bot", "text": "…"}, _user("[语音]", "nlu_fallback")]
    _, messages = await run_action(ActionHandleFallback(), second)
    assert responses(messages) == ["utter_fallback_handoff", "utter_handoff_queued"]
    with session_scope(crm) as session:
        handoff = session.execute(select(Handoff).where(Handoff.sender_id == sender)).scalar_one()
        assert handoff.reason == "repeated_fallback"


def test_fallbacks_are_counted_back_from_the_last_message_only() -> None:
    events = [_user("[语音]", "nlu_fallback"), _user("查订单", "query_order"), _user("[表情]", "nlu_fallback")]
    assert fallbacks_in_a_row(events) == 1
    assert fallbacks_in_a_row(events + [{"event": "action"}, _user("???", "nlu_fallback")]) == 2
    assert fallbacks_in_a_row([]) == 0


async def test_a_buyer_who_calls_off_a_waiting_hand_over_has_it_withdrawn(crm: str) -> None:
    """"那就算了 不用找人工": the queued case is closed (已转回, nobody assigned); a later "no" withdraws nothing."""
    await run_action(ActionHandoffRequest(), make_tracker("tb_call_off", "转人工", "human_handoff", active=False))
    _, said = await run_action(ActionDenyInContext(), make_tracker("tb_call_off", "那就算了 不用找人工", "deny", active=False))
    assert responses(said) == ["utter_handoff_withdrawn"]
    with session_scope(crm) as session:
        (handoff,) = session.execute(select(Handoff).where(Handoff.sender_id == "tb_call_off")).scalars().all()
        assert (handoff.status, handoff.assigned_to) == (HandoffStatus.HANDED_BACK.value, None)
    _, again = await run_action(ActionDenyInContext(), make_tracker("tb_call_off", "不用找人工", "deny", active=False))
    assert responses(again) == ["utter_how_can_help"]


async def test_a_complaint_handed_over_is_not_withdrawn_by_a_no(crm: str) -> None:
    from actions.support import handoffs

    handoffs.queue("tb_keep_complaint", None, "complaint", 1, {}, datetime(2026, 11, 25, 12, 0))
    _, said = await run_action(ActionDenyInContext(), make_tracker("tb_keep_complaint", "不用找人工", "deny", active=False))
    assert responses(said) == ["utter_how_can_help"]
    assert handoffs.open_for("tb_keep_complaint") is not None
