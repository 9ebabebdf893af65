"""The care job against a real, seeded CRM (SQLite and PostgreSQL), delivering to the platform stand-in.

The bot's words come from ``DomainPreview`` here (domain.yml, filled in); saying them through a running
Rasa server is covered by tests/integration/test_care_conversations.py.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Iterator, List, Optional, Set, Tuple

import pytest
from sqlalchemy import func, select

from bot.care.book import SENT, CareBook
from bot.care.events import EventFinder
from bot.care.job import BotSpeaker, CareJob, DomainPreview, report
from bot.care.policy import SEND, SKIP, WAIT
from bot.care.rules import CareRules, load_care_rules
from bot.channels.outbox import Outbox
from bot.channels.standin import PlatformStandIn
from bot.complaints.service import ComplaintService
from bot.crm.db import session_factory
from bot.crm.models import CareMessage, Customer, Handoff, OutboundMessage, StaffTask
from bot.customers.archive import CustomerArchive
from bot.handoff.rasa_client import RasaClient
from bot.policy.model import load_policy
from tests.conftest import AS_OF

RULES = load_care_rules()
EVENING = AS_OF.replace(hour=22)  # quiet hours


@pytest.fixture(scope="module")
def standin(seeded_db_url: str) -> Iterator[PlatformStandIn]:
    """One stand-in per database: the platform de-duplicates on message ids, and each CRM counts from out-1."""
    platform = PlatformStandIn().start()
    yield platform
    platform.stop()


def care_job(url: str, platform: PlatformStandIn, at: datetime, buyers: Optional[Set[str]] = None,
             rules: CareRules = RULES, send_url: Optional[str] = None) -> CareJob:
    sessions = session_factory(url)
    outbox = Outbox(send_url=send_url or platform.url, sessions=sessions, retry_delays=(), secret="")
    return CareJob(DomainPreview(), outbox, book=CareBook(sessions), rules=rules, now=lambda: at, buyers=buyers)


def received(platform: PlatformStandIn, sender: str) -> List[str]:
    return platform.texts_for(sender)


def rows(url: str, model: type) -> int:
    with session_factory(url)() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def quiet_buyers(url: str, platform: PlatformStandIn, count: int) -> List[Tuple[int, str, str]]:
    """Active buyers nothing has happened to and nothing is due for: (customer id, chat id, name)."""
    sessions = session_factory(url)
    busy = {p.event.customer_id for p in care_job(url, platform, AS_OF).plan(AS_OF).planned}
    with sessions() as session:
        messaged = set(session.execute(select(CareMessage.customer_id)).scalars())
        with_staff = set(session.execute(select(Handoff.customer_id)).scalars())
        opted = set(session.execute(select(Customer.id).where(Customer.care_opted_out_at.is_not(None))).scalars())
        chosen = [
            p.customer_id
            for p in CustomerArchive(sessions=sessions).profiles(AS_OF)
            if p.lifecycle == "活跃" and not p.at_risk and p.customer_id not in messaged | with_staff | opted | busy
        ][:count]
        senders = EventFinder(session, RULES, AS_OF).senders(set(chosen))
        names = {c.id: c.real_name or c.nickname for c in session.execute(select(Customer).where(Customer.id.in_(chosen))).scalars()}
    assert len(chosen) == count, "the demo shop has enough quiet, active buyers"
    return [(cid, senders[cid], names[cid]) for cid in chosen]


def give_birthday_today(url: str, customer_ids: List[int]) -> None:
    with session_factory(url).begin() as session:
        for customer in session.execute(select(Customer).where(Customer.id.in_(customer_ids))).scalars():
            customer.birthday = AS_OF.date().replace(year=1990)


async def test_a_dry_run_sends_nothing_and_a_run_sends_each_event_once(
    crm: str, standin: PlatformStandIn
) -> None:
    outbound_before, tasks_before = rows(crm, OutboundMessage), rows(crm, StaffTask)

    dry = await care_job(crm, standin, AS_OF).run(dry_run=True)
    planned = [p for p in dry.planned if p.outcome == SEND]
    kinds = {p.event.kind for p in planned}
    assert {"shipped", "stalled", "checkin", "winback"} <= kinds  # what the demo shop holds on 25 November
    assert all(p.text and p.event.why for p in planned)  # what it would send, and why
    stalled = [p for p in planned if p.event.kind == "stalled"]
    assert "员工待办" in report(dry) and "试运行" in report(dry)
    assert (rows(crm, CareMessage), rows(crm, OutboundMessage), rows(crm, StaffTask)) == (0, outbound_before, tasks_before)
    assert standin.received == []

    done = await care_job(crm, standin, AS_OF).run()
    assert done.count("sent") == len(planned) and done.count("failed") == 0
    assert rows(crm, CareMessage) == len(planned)
    assert done.tasks_opened == len(stalled) == rows(crm, StaffTask) - tasks_before
    for item in done.planned:
        if item.outcome == "sent":
            assert item.text in received(standin, item.event.sender_id)
    sent_by_buyer = {}
    for item in planned:
        sent_by_buyer[item.event.sender_id] = sent_by_buyer.get(item.event.sender_id, 0) + 1
    for sender, count in sent_by_buyer.items():
        assert len(received(standin, sender)) == count  # nothing twice

    again = await care_job(crm, standin, AS_OF + timedelta(minutes=5)).run()
    assert again.count("sent") == 0 and again.already_sent >= len(planned)
    assert rows(crm, CareMessage) == len(planned) and rows(crm, StaffTask) - tasks_before == len(stalled)
    for sender, count in sent_by_buyer.items():
        assert len(received(standin, sender)) == count


async def test_the_cap_spends_itself_on_news_first_and_one_check_in_at_a_time(crm: str, standin: PlatformStandIn) -> None:
    with session_factory(crm)() as session:
        per_buyer = dict(
            session.execute(
                select(CareMessage.customer_id, func.count())
                .where(CareMessage.kind.not_in(sorted(RULES.cap_exempt)))
                .group_by(CareMessage.customer_id)
            ).all()
        )
        checkins = dict(
            session.execute(
                select(CareMessage.customer_id, func.count()).where(CareMessage.kind == "checkin").group_by(CareMessage.customer_id)
            ).all()
        )
    assert per_buyer and max(per_buyer.values()) <= RULES.weekly_cap
    assert checkins and max(checkins.values()) == 1


async def test_rules_hold_back_or_skip_and_say_why(crm: str, standin: PlatformStandIn) -> None:
    (opted, opted_chat, _), (complaining, complaining_chat, _), (capped, capped_chat, _), (plain, plain_chat, name) = quiet_buyers(crm, standin, 4)
    give_birthday_today(crm, [opted, complaining, capped, plain])
    sessions = session_factory(crm)
    assert CareBook(sessions).opt_out(opted_chat, "别再发了", AS_OF - timedelta(days=1))
    ComplaintService(load_policy(), sessions).record(complaining, "客服态度太差了", AS_OF - timedelta(hours=3), complaining_chat)
    with sessions.begin() as session:
        for n in range(RULES.weekly_cap):
            session.add(CareMessage(event_key=f"test-cap:{capped}:{n}", kind="winback", customer_id=capped, sender_id=capped_chat,
                                    response="utter_care_winback", placeholders={}, status=SENT, created_at=AS_OF - timedelta(days=n + 1)))
    chats = {opted_chat, complaining_chat, capped_chat, plain_chat}

    night = await care_job(crm, standin, EVENING, buyers=chats).run()
    outcome = {p.event.sender_id: (p.outcome, p.reason) for p in night.planned if p.event.kind == "birthday"}
    assert outcome[opted_chat][0] == SKIP and "退订" in outcome[opted_chat][1]
    assert outcome[complaining_chat][0] == SKIP and "投诉" in outcome[complaining_chat][1]
    assert outcome[plain_chat][0] == WAIT and "免打扰" in outcome[plain_chat][1]
    assert outcome[capped_chat][0] == WAIT  # quiet hours come first; the cap is checked when it could be sent
    assert all(received(standin, chat) == [] for chat in chats)

    noon = await care_job(crm, standin, AS_OF + timedelta(hours=1), buyers=chats).run()
    outcome = {p.event.sender_id: (p.outcome, p.reason) for p in noon.planned if p.event.kind == "birthday"}
    assert outcome[capped_chat][0] == SKIP and "上限" in outcome[capped_chat][1]
    assert outcome[plain_chat][0] == "sent"
    assert received(standin, plain_chat) and name in received(standin, plain_chat)[0] and "生日" in received(standin, plain_chat)[0]
    assert [received(standin, chat) for chat in (opted_chat, complaining_chat, capped_chat)] == [[], [], []]


async def test_two_runs_at_once_send_each_event_once(crm: str, standin: PlatformStandIn) -> None:
    buyers = quiet_buyers(crm, standin, 3)
    give_birthday_today(crm, [cid for cid, _, _ in buyers])
    chats = {chat for _, chat, _ in buyers}
    first, second = await asyncio.gather(
        care_job(crm, standin, AS_OF, buyers=chats).run(), care_job(crm, standin, AS_OF, buyers=chats).run()
    )
    assert first.count("sent") + second.count("sent") == 3
    assert all(len(received(standin, chat)) == 1 for chat in chats)


async def test_a_message_the_platform_refused_is_kept_as_failed_and_not_sent_again(crm: str, standin: PlatformStandIn) -> None:
    (cid, chat, _), = quiet_buyers(crm, standin, 1)
    give_birthday_today(crm, [cid])
    unreachable = "http://127.0.0.1:9/send"
    failed = await care_job(crm, standin, AS_OF, buyers={chat}, send_url=unreachable).run()
    assert failed.count("failed") == 1 and "员工后台可重新发送" in report(failed)
    with session_factory(crm)() as session:
        message = session.execute(select(CareMessage).where(CareMessage.customer_id == cid)).scalar_one()
        assert message.status == "发送失败" and session.get(OutboundMessage, message.outbound_id).status == "发送失败"
    later = await care_job(crm, standin, AS_OF + timedelta(minutes=5), buyers={chat}).run()
    assert later.count("sent") == 0 and received(standin, chat) == []


async def test_festival_greetings_reach_every_live_buyer_once_a_year(crm: str, standin: PlatformStandIn) -> None:
    national_day = datetime(2026, 10, 1, 10, 0)
    plan = care_job(crm, standin, national_day).plan(national_day)
    greetings = [p for p in plan.planned if p.event.kind == "festival"]
    live = [p for p in CustomerArchive(sessions=session_factory(crm)).profiles(national_day) if p.lifecycle in ("新客", "活跃", "沉睡")]
    assert len(greetings) == len(live) == len({p.event.key for p in greetings})
    assert all("国庆节快乐" in p.text or "国庆节到了" in p.text for p in greetings)
    ordinary_day = datetime(2026, 10, 12, 10, 0)
    assert not [p for p in care_job(crm, standin, ordinary_day).plan(ordinary_day).planned if p.event.kind == "festival"]


async def test_with_the_bot_down_nothing_is_claimed_and_the_next_run_sends(crm: str, standin: PlatformStandIn) -> None:
    buyers = quiet_buyers(crm, standin, 2)
    give_birthday_today(crm, [cid for cid, _, _ in buyers])
    chats = {chat for _, chat, _ in buyers}
    down = care_job(crm, standin, AS_OF, buyers=chats)
    down.speaker = BotSpeaker(RasaClient("http://127.0.0.1:9"))  # nothing listens there: the bot is down
    run = await down.run()
    assert [p.outcome for p in run.planned] == [WAIT, WAIT] and all("机器人暂时无法发言" in p.reason for p in run.planned)
    with session_factory(crm)() as session:
        assert session.execute(select(CareMessage).where(CareMessage.sender_id.in_(chats))).first() is None
    back = await care_job(crm, standin, AS_OF + timedelta(minutes=5), buyers=chats).run()
    assert back.count("sent") == 2 and all(len(received(standin, chat)) == 1 for chat in chats)


def test_the_rules_can_be_turned_down_for_a_shop(crm: str, standin: PlatformStandIn) -> None:
    strict = replace(RULES, weekly_cap=0, cap_exempt=frozenset())
    plan = care_job(crm, standin, AS_OF, rules=strict).plan(AS_OF)
    assert plan.planned and plan.count(SEND) == 0
    assert any("达到上限 0" in p.reason for p in plan.planned)
