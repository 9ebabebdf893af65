"""The staff side against real SQLite and PostgreSQL: accounts and tokens, the handoff queue, the outbox."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Iterator

import pytest
from sqlalchemy import select

from bot.channels.outbox import NOT_CONFIGURED, Outbox
from bot.channels.standin import PlatformStandIn
from bot.crm.db import session_factory, session_scope
from bot.crm.models import OutboundMessage
from bot.handoff.service import HandoffClosed, HandoffDesk, HandoffNotFound, HandoffTakenByOther
from bot.staff.accounts import AccountError, StaffAccounts, verify_password
from tests.conftest import AS_OF


@pytest.fixture()
def accounts(seeded_db_url: str) -> StaffAccounts:
    return StaffAccounts(session_factory(seeded_db_url))


@pytest.fixture()
def desk(seeded_db_url: str) -> HandoffDesk:
    return HandoffDesk(session_factory(seeded_db_url))


_names = iter(range(1000))


def new_staff(accounts: StaffAccounts, role: str = "agent"):  # type: ignore[no-untyped-def]
    name = f"staff{next(_names)}"
    return accounts.create_user(name, f"客服{name}", "a-good-password", role, AS_OF)


# ---- accounts -------------------------------------------------------------------------------


def test_passwords_are_hashed_and_checked(accounts: StaffAccounts, seeded_db_url: str) -> None:
    staff = new_staff(accounts)
    assert accounts.check_password(staff.username, "a-good-password") == staff
    assert accounts.check_password(staff.username, "wrong-password") is None
    assert accounts.check_password("nobody", "a-good-password") is None
    from bot.crm.models import StaffUser

    with session_scope(seeded_db_url) as session:
        stored = session.execute(select(StaffUser.password_hash).where(StaffUser.username == staff.username)).scalar_one()
    assert "a-good-password" not in stored and stored.startswith("scrypt$") and verify_password("a-good-password", stored)


@pytest.mark.parametrize(
    ("username", "password", "role", "message"),
    [("", "a-good-password", "agent", "用户名"), ("ok_name", "short", "agent", "密码"), ("ok_name2", "a-good-password", "boss", "角色")],
)
def test_bad_accounts_are_refused(accounts: StaffAccounts, username: str, password: str, role: str, message: str) -> None:
    with pytest.raises(AccountError, match=message):
        accounts.create_user(username, "", password, role, AS_OF)


def test_a_taken_username_is_refused(accounts: StaffAccounts) -> None:
    staff = new_staff(accounts)
    with pytest.raises(AccountError, match="已存在"):
        accounts.create_user(staff.username, "", "a-good-password", "agent", AS_OF)


def test_tokens_identify_staff_until_revoked(accounts: StaffAccounts) -> None:
    staff = new_staff(accounts, "admin")
    token = accounts.issue_token(staff.username, "console", AS_OF)
    assert token.startswith("xe_") and len(token) > 40
    found = accounts.by_token(token, AS_OF)
    assert found == staff and found.is_admin
    assert accounts.by_token(token + "x", AS_OF) is None and accounts.by_token("", AS_OF) is None
    assert accounts.revoke_tokens(staff.username, AS_OF) == 1
    assert accounts.by_token(token, AS_OF) is None
    with pytest.raises(AccountError):
        accounts.issue_token("nobody", "", AS_OF)


# ---- the queue ------------------------------------------------------------------------------


def test_one_place_in_the_queue_per_conversation_and_the_most_urgent_reason_counts(desk: HandoffDesk) -> None:
    first = desk.queue("tb_u00150", None, "buyer_request", 3, {"intent": "human_handoff"}, AS_OF)
    again = desk.queue("tb_u00150", None, "complaint", 1, {"intent": "complain"}, AS_OF + timedelta(minutes=1))
    assert first == again and desk.open_for("tb_u00150") == first
    view = desk.get(first)
    assert (view.priority, view.reason, view.reason_label) == (1, "buyer_request", "买家要求人工")
    assert [r["reason"] for r in view.summary["requests"]] == ["complaint"]
    queue = [v.id for v in desk.list_cases()]
    assert first in queue
    assert all(a.priority <= b.priority for a, b in zip(desk.list_cases(), desk.list_cases()[1:]))


def test_taking_answering_and_closing(desk: HandoffDesk, accounts: StaffAccounts) -> None:
    agent, other, admin = new_staff(accounts), new_staff(accounts), new_staff(accounts, "admin")
    handoff_id = desk.queue("tb_u00151", None, "buyer_request", 3, {}, AS_OF)
    assert desk.take(handoff_id, agent, AS_OF).assigned_to == agent.username
    with pytest.raises(HandoffTakenByOther):
        desk.take(handoff_id, other, AS_OF)
    with pytest.raises(HandoffTakenByOther):
        desk.check_can_answer(handoff_id, other)
    assert desk.take(handoff_id, admin, AS_OF).assigned_to == admin.username  # an admin may take over
    desk.record_answer(handoff_id, admin, AS_OF + timedelta(minutes=4))
    view = desk.get(handoff_id)
    assert view.first_answer_at == AS_OF + timedelta(minutes=4) and view.waiting_minutes(AS_OF + timedelta(hours=1)) == 4
    closed = desk.close(handoff_id, admin, AS_OF + timedelta(minutes=9), resolved=True, note="已换货")
    assert (closed.status, closed.note, closed.is_open) == ("已解决", "已换货", False)
    assert desk.open_for("tb_u00151") is None
    with pytest.raises(HandoffClosed):
        desk.check_can_answer(handoff_id, admin)
    with pytest.raises(HandoffClosed):
        desk.take(handoff_id, admin, AS_OF)
    with pytest.raises(HandoffNotFound):
        desk.get(987654)


def test_answering_a_queued_case_takes_it(desk: HandoffDesk, accounts: StaffAccounts) -> None:
    agent = new_staff(accounts)
    handoff_id = desk.queue("tb_u00152", None, "repeated_fallback", 3, {}, AS_OF)
    desk.record_answer(handoff_id, agent, AS_OF)
    view = desk.get(handoff_id)
    assert (view.status, view.assigned_to, view.taken_at) == ("处理中", agent.username, AS_OF)


def test_two_staff_closing_at_once_close_it_once(desk: HandoffDesk, accounts: StaffAccounts) -> None:
    admins = [new_staff(accounts, "admin") for _ in range(4)]
    handoff_id = desk.queue("tb_u00153", None, "buyer_request", 3, {}, AS_OF)

    def close(staff):  # type: ignore[no-untyped-def]
        try:
            return desk.close(handoff_id, staff, AS_OF, resolved=False, note="").status
        except HandoffClosed:
            return "refused"

    with ThreadPoolExecutor(4) as pool:
        results = sorted(pool.map(close, admins))
    assert results == ["refused", "refused", "refused", "已转回"]


# ---- the outbox -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def standin() -> Iterator[PlatformStandIn]:
    platform = PlatformStandIn().start()
    yield platform
    platform.stop()


def rows_for(url: str, sender: str) -> list:
    with session_scope(url) as session:
        rows = session.execute(select(OutboundMessage).where(OutboundMessage.sender_id == sender)).scalars().all()
        session.expunge_all()
        return list(rows)


def test_a_message_is_recorded_and_delivered(seeded_db_url: str, standin: PlatformStandIn) -> None:
    outbox = Outbox(standin.url, session_factory(seeded_db_url), retry_delays=(0.01, 0.01))
    messages = [{"text": "请打分", "buttons": [{"title": "5分", "payload": "5分"}]}, {"text": ""}]
    delivery = asyncio.run(outbox.send("tb_u00160", messages, kind="followup", author="bot", agent_name=None))
    assert delivery.delivered and delivery.attempts == 1
    (body,) = [b for b in standin.received if b["recipient"] == "tb_u00160"]
    assert body["message_id"] == f"out-{delivery.id}"
    assert body["messages"] == [{"type": "text", "text": "请打分", "buttons": [{"title": "5分", "payload": "5分"}]}]
    (row,) = rows_for(seeded_db_url, "tb_u00160")
    assert (row.status, row.kind, row.delivered_at is not None) == ("已送达", "followup", True)


def test_an_outage_is_retried_then_recorded_and_can_be_sent_again(seeded_db_url: str, standin: PlatformStandIn) -> None:
    outbox = Outbox(standin.url, session_factory(seeded_db_url), retry_delays=(0.01, 0.01, 0.01))
    standin.fail_next = 10
    delivery = asyncio.run(outbox.send("tb_u00161", [{"text": "在的"}], kind="agent", author="xiaomei", agent_name="小美"))
    assert (delivery.status, delivery.attempts) == ("发送失败", 4) and "503" in delivery.error
    assert [r.id for r in outbox.failed("tb_u00161")] == [delivery.id]
    standin.fail_next = 0
    again = asyncio.run(outbox.retry(delivery.id))
    assert again.delivered and again.attempts == 5 and outbox.failed("tb_u00161") == []
    assert standin.texts_for("tb_u00161") == ["在的"]
    assert [b for b in standin.received if b["recipient"] == "tb_u00161"][0]["messages"][0]["agent"] == "小美"


def test_an_unreachable_platform_and_a_missing_url_are_recorded_not_raised(seeded_db_url: str) -> None:
    from bot.runtime.launch import free_port

    outbox = Outbox(f"http://127.0.0.1:{free_port()}/send", session_factory(seeded_db_url), retry_delays=(0.01,))
    delivery = asyncio.run(outbox.send("tb_u00162", [{"text": "hi"}], kind="agent", author="x"))
    assert delivery.status == "发送失败" and "连接平台失败" in delivery.error
    unconfigured = Outbox("", session_factory(seeded_db_url))
    delivery = asyncio.run(unconfigured.send("tb_u00162", [{"text": "hi"}], kind="agent", author="x"))
    assert (delivery.status, delivery.error) == ("发送失败", NOT_CONFIGURED)


def test_a_case_holds_the_conversation_only_once_staff_take_it_and_a_fault_case_never(
    desk: HandoffDesk, accounts: StaffAccounts
) -> None:
    desk.queue("tb_u00154", None, "technical_fault", 2, {}, AS_OF)
    assert desk.open_for("tb_u00154") is not None and not desk.holds_conversation("tb_u00154")
    desk.queue("tb_u00154", None, "buyer_request", 3, {}, AS_OF)
    assert not desk.holds_conversation("tb_u00154")  # queued: the bot answers while the buyer waits
    assert desk.get(desk.open_for("tb_u00154")).reason == "buyer_request"
    desk.take(desk.open_for("tb_u00154"), new_staff(accounts), AS_OF)
    assert desk.holds_conversation("tb_u00154")  # a person talks to the buyer now
