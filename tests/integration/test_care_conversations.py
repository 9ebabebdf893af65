"""Customer care end to end: the care job makes the running bot say a delivery check-in, the platform
receives it, the buyer's score is understood and recorded, 退订 is honoured by the next run; the console
shows the reply standard and the staff tasks."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import datetime, time
from urllib.parse import unquote

import requests
from sqlalchemy import select

from bot import clock
from bot.care.book import CareBook
from bot.care.job import BotSpeaker, CareJob
from bot.care.policy import SEND, SKIP
from bot.care.rules import load_care_rules
from bot.channels.outbox import Outbox
from bot.channels.standin import PlatformStandIn
from bot.crm.db import session_factory, session_scope
from bot.crm.models import AuditEntry, Customer, Order, StaffTask
from bot.runtime.launch import TEST_WEBHOOK_SECRET
from bot.staff.accounts import StaffAccounts
from tests.integration.conftest import RunningBot, said
from tests.integration.test_console_security import csrf_of, login

GENERATED_BUYER = re.compile(r"tb_u\d{5}")
CONSOLE_BUYER = "tb_u00203"  # no other end-to-end test writes as this buyer
#: Round the clock for the test, whatever time CI runs: quiet hours are covered by the job's own tests.
RULES = replace(load_care_rules(), quiet_start=time(0, 0), quiet_end=time(0, 0))


def care_job(bot: RunningBot, platform: PlatformStandIn, at: datetime, buyers: set = None) -> CareJob:  # type: ignore[assignment]
    sessions = session_factory(bot.database_url)
    return CareJob(
        BotSpeaker(bot.rasa_client()),
        Outbox(send_url=platform.url, sessions=sessions, secret=TEST_WEBHOOK_SECRET),
        book=CareBook(sessions),
        rules=RULES,
        now=lambda: at,
        buyers=buyers,
    )


def a_check_in_to_send(bot: RunningBot, platform: PlatformStandIn, at: datetime):  # type: ignore[no-untyped-def]
    plan = care_job(bot, platform, at).plan(at)
    used = {body["recipient"] for body in platform.received} | {CONSOLE_BUYER}
    ready = [
        p.event for p in plan.planned
        if p.event.kind == "checkin" and p.outcome == SEND and p.event.sender_id not in used
        and GENERATED_BUYER.fullmatch(p.event.sender_id)  # not a named demo buyer: other tests talk as them
    ]
    # the newest generated demo buyers: the other end-to-end tests write as tb_u001xx and tb_u0020x
    return max(ready, key=lambda event: event.sender_id)


def test_a_check_in_is_said_by_the_bot_answered_and_an_opt_out_is_honoured(
    running_bot: RunningBot, platform: PlatformStandIn
) -> None:
    now = clock.now()
    event = a_check_in_to_send(running_bot, platform, now)
    sender, order_no = event.sender_id, event.placeholders["order_no"]

    run = asyncio.run(care_job(running_bot, platform, now, {sender}).run())
    assert [p.outcome for p in run.planned if p.event.key == event.key] == ["sent"]
    sent = run.count("sent")  # the buyer may have other news too (a parcel on its way)
    (text,) = [t for t in platform.wait_for(sender, sent) if said(t, "utter_care_checkin")]
    assert order_no in text and event.placeholders["name"] in text

    reply = running_bot.texts(sender, "5分")  # the bot knows what the number answers
    assert said(reply, "utter_checkin_thanks")
    with session_scope(running_bot.database_url) as session:
        order = session.execute(select(Order).where(Order.order_no == order_no)).scalar_one()
        assert (order.satisfaction, order.rated_at is not None) == (5, True)

    assert said(running_bot.texts(sender, "以后不要再给我发消息了"), "utter_opted_out")
    with session_scope(running_bot.database_url) as session:
        customer = session.get(Customer, event.customer_id)
        assert customer.care_opted_out_at is not None and "不要再给我发消息" in customer.care_opt_out_text
        customer.birthday = now.date().replace(year=1991)  # a greeting that would be due today

    again = asyncio.run(care_job(running_bot, platform, now, {sender}).run())
    birthday = [p for p in again.planned if p.event.kind == "birthday"]
    assert [(p.outcome, p.reason) for p in birthday] == [(SKIP, "买家已退订主动消息")]
    assert again.count("sent") == 0 and len(platform.texts_for(sender)) == sent


def test_the_console_shows_reply_deadlines_staff_tasks_and_care_in_the_360(
    running_bot: RunningBot, platform: PlatformStandIn
) -> None:
    StaffAccounts(session_factory(running_bot.database_url)).create_user(
        "agent_care", "关怀测试客服", "agent-password-3", "agent", clock.now()
    )
    http, answer = login(running_bot, "agent_care", "agent-password-3")
    assert answer.status_code == 302

    sender = CONSOLE_BUYER
    running_bot.texts(sender, "转人工")
    queue = http.get(f"{running_bot.console_url}/", timeout=30).text
    handoff_id = re.search(rf'data-handoff="(\d+)" data-sender="{sender}"', queue).group(1)
    assert "前回复" in queue  # the reply standard's deadline beside each waiting buyer

    # a stalled parcel: the job opens a task for staff (dry runs do not)
    now = clock.now()
    dry = asyncio.run(care_job(running_bot, platform, now).run(dry_run=True))
    stalled = [p.event for p in dry.planned if p.event.kind == "stalled"]
    with session_scope(running_bot.database_url) as session:
        assert session.execute(select(StaffTask)).first() is None
    asyncio.run(care_job(running_bot, platform, now, {e.sender_id for e in stalled[:1]}).run())

    page = http.get(f"{running_bot.console_url}/care", timeout=30)
    assert page.status_code == 200
    assert f'data-handoff="{handoff_id}"' in page.text and "当天回复" in page.text
    assert stalled and stalled[0].task.title in page.text  # the demo shop always has a parcel stuck somewhere
    task_id = re.search(r'data-task="(\d+)"', page.text).group(1)
    done = http.post(
        f"{running_bot.console_url}/care/tasks/{task_id}/done",
        data={"_csrf": csrf_of(page.text), "note": "快递已确认在途"},
        allow_redirects=False,
        timeout=30,
    )
    assert done.status_code == 302 and "待办已完成" in unquote(done.headers["Location"])
    with session_scope(running_bot.database_url) as session:
        task = session.get(StaffTask, int(task_id))
        assert (task.status, task.done_by, task.note) == ("已完成", "agent_care", "快递已确认在途")

    # the 360 beside the conversation: lifecycle, RFM, satisfaction, opt-out that staff can lift
    with session_scope(running_bot.database_url) as session:
        customer = session.execute(select(Customer).where(Customer.platform_uid == sender)).scalar_one()
        customer.care_opted_out_at, customer.care_opt_out_text = now, "别发了"
        customer_id = customer.id
    conversation = http.get(f"{running_bot.console_url}/handoffs/{handoff_id}", timeout=30).text
    assert "RFM R" in conversation and "满意度" in conversation and "退订：“别发了”" in conversation
    lifted = http.post(
        f"{running_bot.console_url}/customers/{customer_id}/opt-in",
        data={"_csrf": csrf_of(conversation), "back": handoff_id},
        allow_redirects=False,
        timeout=30,
    )
    assert lifted.status_code == 302
    with session_scope(running_bot.database_url) as session:
        assert session.get(Customer, customer_id).care_opted_out_at is None
        audit = session.execute(select(AuditEntry).where(AuditEntry.action == "care_opt_in")).scalar_one()
        assert audit.username == "agent_care"

    unauthenticated = requests.get(f"{running_bot.console_url}/care", allow_redirects=False, timeout=30)
    assert unauthenticated.status_code in (302, 401)
