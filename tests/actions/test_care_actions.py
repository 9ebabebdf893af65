"""The bot's side of customer care, through the real actions on SQLite and PostgreSQL: saying a proactive
message, the delivery check-in and its answer, and 退订."""

from __future__ import annotations

from datetime import timedelta
from typing import List

from sqlalchemy import select

from actions.care import ActionCareCheckin, ActionCareMessage, ActionOptOut, ActionRecordCheckin
from actions.support import ActionSessionStart
from bot import clock
from bot.care.book import CareBook
from bot.care.events import CareEvent, EventFinder
from bot.care.rules import load_care_rules
from bot.crm.db import session_factory
from bot.crm.models import Customer, Handoff, Order
from tests.actions.conftest import make_tracker, responses, run_action, slots_of
from tests.conftest import AS_OF

RULES = load_care_rules()


def sent_checkins(url: str, count: int) -> List[CareEvent]:
    """Delivery check-ins of different buyers, recorded as the job records them before the bot speaks."""
    sessions = session_factory(url)
    with sessions() as session:
        finder = EventFinder(session, RULES, AS_OF)
        finder.all([])  # names and chat ids
        events, buyers = [], set()
        for event in finder.checkins():
            if event.customer_id not in buyers:
                buyers.add(event.customer_id)
                event.sender_id = finder.senders({event.customer_id})[event.customer_id]
                events.append(event)
    book = CareBook(sessions)
    chosen = [e for e in events if book.message(e.key, e.sender_id) is None][:count]
    for event in chosen:
        book.settle(book.claim(event, AS_OF), True, None)
    assert len(chosen) == count
    return chosen


def care_tracker(event: CareEvent, intent: str = "EXTERNAL_care_checkin"):  # type: ignore[no-untyped-def]
    tracker = make_tracker(event.sender_id, f"/{intent}", intent, active=False)
    tracker.latest_message["entities"] = [{"entity": "care_event", "value": event.key}]
    return tracker


def answer(event: CareEvent, text: str, intent: str = "inform"):  # type: ignore[no-untyped-def]
    return make_tracker(event.sender_id, text, intent, slots={"feedback_order": event.placeholders["order_no"]}, active=False)


def order_score(url: str, order_no: str) -> tuple:
    with session_factory(url)() as session:
        order = session.execute(select(Order).where(Order.order_no == order_no)).scalar_one()
        return order.satisfaction, order.customer.at_risk_since is not None


async def test_the_bot_says_the_recorded_message_and_a_check_in_waits_for_a_score(crm: str) -> None:
    (event,) = sent_checkins(crm, 1)
    events, messages = await run_action(ActionCareCheckin(), care_tracker(event))
    assert responses(messages) == ["utter_care_checkin"]
    assert messages[0]["order_no"] == event.placeholders["order_no"] and messages[0]["name"] == event.placeholders["name"]
    assert slots_of(events) == {"feedback_order": event.placeholders["order_no"]}

    events, messages = await run_action(ActionCareMessage(), care_tracker(event, "EXTERNAL_care"))
    assert responses(messages) == ["utter_care_checkin"] and events == []

    unknown = care_tracker(event, "EXTERNAL_care")
    unknown.latest_message["entities"] = [{"entity": "care_event", "value": "shipped:0"}]
    assert await run_action(ActionCareMessage(), unknown) == ([], [])  # nothing recorded: nothing said

    stranger = care_tracker(event, "EXTERNAL_care")
    stranger.sender_id = "guest_stranger"  # another chat naming this buyer's event: their name and order stay theirs
    assert await run_action(ActionCareMessage(), stranger) == ([], [])


async def test_check_in_answers(crm: str) -> None:
    content, so_so, unhappy, vague = sent_checkins(crm, 4)

    events, messages = await run_action(ActionRecordCheckin(), answer(content, "5分"))
    assert responses(messages) == ["utter_checkin_thanks"] and slots_of(events) == {"feedback_order": None}
    assert order_score(crm, content.placeholders["order_no"]) == (5, False)

    _, messages = await run_action(ActionRecordCheckin(), answer(so_so, "三分吧，一般"))
    assert responses(messages) == ["utter_checkin_so_so"]
    assert order_score(crm, so_so.placeholders["order_no"]) == (3, True)  # at risk in the archive

    events, messages = await run_action(ActionRecordCheckin(), answer(unhappy, "1分"))
    assert responses(messages)[0] == "utter_checkin_unhappy" and not any(e["event"] == "pause" for e in events)
    assert order_score(crm, unhappy.placeholders["order_no"]) == (1, True)
    with session_factory(crm)() as session:
        handoff = session.execute(select(Handoff).where(Handoff.sender_id == unhappy.sender_id)).scalar_one()
        assert (handoff.reason, handoff.priority) == ("low_satisfaction", 2)

    _, messages = await run_action(ActionRecordCheckin(), answer(vague, "收到了，谢谢", "thank"))
    assert responses(messages) == ["utter_checkin_glad"]
    assert order_score(crm, vague.placeholders["order_no"]) == (None, False)  # no score invented
    events, _ = await run_action(ActionRecordCheckin(), answer(vague, "快递员把东西扔在门口就走了，什么服务", "complain"))
    assert events[-1] == {"event": "followup", "name": "action_escalate_complaint", "timestamp": None}


async def test_an_owed_check_in_survives_a_new_session_for_three_days(crm: str) -> None:
    (event,) = sent_checkins(crm, 1)
    with clock.frozen(AS_OF + timedelta(days=1)):
        events, _ = await run_action(ActionSessionStart(), make_tracker(event.sender_id, "", "", active=False))
    assert slots_of(events) == {"feedback_order": event.placeholders["order_no"]}
    with clock.frozen(AS_OF + timedelta(days=4)):
        events, _ = await run_action(ActionSessionStart(), make_tracker(event.sender_id, "", "", active=False))
    assert slots_of(events) == {}


async def test_opting_out_is_recorded_at_once_with_the_buyers_words(crm: str) -> None:
    (event,) = sent_checkins(crm, 1)
    tracker = make_tracker(event.sender_id, "以后别给我发消息了", "opt_out", slots={"feedback_order": "1"}, active=False)
    events, messages = await run_action(ActionOptOut(), tracker)
    assert responses(messages) == ["utter_opted_out"] and slots_of(events) == {"feedback_order": None}
    with session_factory(crm)() as session:
        customer = session.get(Customer, event.customer_id)
        assert customer.care_opted_out_at == AS_OF and customer.care_opt_out_text == "以后别给我发消息了"
    facts = CareBook(session_factory(crm)).facts([event.customer_id], AS_OF, RULES)
    assert facts[event.customer_id].opted_out

    stranger = make_tracker("wx_nobody_1", "退订", "opt_out", active=False)
    _, messages = await run_action(ActionOptOut(), stranger)
    assert responses(messages) == ["utter_opted_out"]  # answered kindly; there is no one to record it for
