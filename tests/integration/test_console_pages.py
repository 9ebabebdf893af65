"""The customer 360 beside a conversation, over HTTP with a real session: masked details, a logged reveal,
an after-sales case moved a stage, a complaint worked on — each checked in the CRM and the audit log."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
import requests
from sqlalchemy import select

from bot import clock
from bot.crm.db import session_factory, session_scope
from bot.crm.models import AuditEntry, Complaint, Customer, ReturnRequest
from bot.staff.accounts import StaffAccounts
from tests.integration.conftest import RunningBot
from tests.integration.test_console_security import csrf_of, login


@pytest.fixture(scope="module")
def agent(running_bot: RunningBot) -> requests.Session:
    StaffAccounts(session_factory(running_bot.database_url)).create_user(
        "agent_360", "档案测试客服", "agent-password-2", "agent", clock.now()
    )
    http, answer = login(running_bot, "agent_360", "agent-password-2")
    assert answer.status_code == 302
    return http


def buyer_with_pending_return(bot: RunningBot) -> tuple:
    """A demo buyer with an after-sales case waiting for approval: (sender, customer id, phone, RMA)."""
    with session_scope(bot.database_url) as session:
        request = session.execute(
            select(ReturnRequest).where(ReturnRequest.status == "待审核").order_by(ReturnRequest.id)
        ).scalars().first()
        customer = session.get(Customer, request.customer_id)
        return customer.platform_uid, customer.id, customer.phone, request.rma_no


def test_the_360_masks_reveals_on_purpose_and_moves_a_case(running_bot: RunningBot, agent: requests.Session) -> None:
    sender, customer_id, phone, rma_no = buyer_with_pending_return(running_bot)
    running_bot.texts(sender, "我要投诉，你们处理售后也太慢了吧")
    running_bot.texts(sender, "转人工")
    queue = agent.get(f"{running_bot.console_url}/", timeout=30).text
    handoff_id = re.search(rf'data-handoff="(\d+)" data-sender="{sender}"', queue).group(1)
    page = agent.get(f"{running_bot.console_url}/handoffs/{handoff_id}", timeout=30).text
    assert phone not in page and f"{phone[:3]}****{phone[-4:]}" in page  # masked for an agent
    assert rma_no in page and "审核通过" in page

    revealed = agent.post(f"{running_bot.console_url}/handoffs/{handoff_id}/reveal", data={"_csrf": csrf_of(page)}, timeout=30)
    assert revealed.status_code == 200 and phone in revealed.text

    refused = agent.post(
        f"{running_bot.console_url}/returns/{rma_no}/move",
        data={"_csrf": csrf_of(page), "action": "reject", "note": "", "back": handoff_id},
        allow_redirects=False,
        timeout=30,
    )
    assert "原因" in unquote(refused.headers["Location"])  # a rejection needs its reason: refused, nothing moved
    moved = agent.post(
        f"{running_bot.console_url}/returns/{rma_no}/move",
        data={"_csrf": csrf_of(page), "action": "approve", "back": handoff_id},
        allow_redirects=False,
        timeout=30,
    )
    assert moved.status_code == 302 and "已更新" in unquote(moved.headers["Location"])

    with session_scope(running_bot.database_url) as session:
        complaint = session.execute(select(Complaint).where(Complaint.sender_id == sender)).scalars().first()
        status = session.execute(select(ReturnRequest.status).where(ReturnRequest.rma_no == rma_no)).scalar_one()
        assert status != "待审核"
    updated = agent.post(
        f"{running_bot.console_url}/complaints/{complaint.complaint_no}/update",
        data={"_csrf": csrf_of(page), "status": "已补偿", "compensation": "5元优惠券", "resolution": "", "back": handoff_id},
        allow_redirects=False,
        timeout=30,
    )
    assert updated.status_code == 302 and "error=" not in updated.headers["Location"]
    with session_scope(running_bot.database_url) as session:
        record = session.execute(select(Complaint).where(Complaint.complaint_no == complaint.complaint_no)).scalar_one()
        assert (record.status, record.compensation) == ("已补偿", "5元优惠券")
        actions = session.execute(select(AuditEntry.action).where(AuditEntry.username == "agent_360")).scalars().all()
        assert {"login", "reveal", "return_approve", "complaint_update"} <= set(actions)


def test_the_complaints_board_filters_and_the_dashboard_draws(running_bot: RunningBot, agent: requests.Session) -> None:
    running_bot.texts("tb_u00190", "你们客服态度太差了，问三遍都不回，我要投诉！")
    board = agent.get(f"{running_bot.console_url}/complaints", params={"category": "服务态度"}, timeout=30)
    assert board.status_code == 200 and "问三遍都不回" in board.text
    other = agent.get(f"{running_bot.console_url}/complaints", params={"category": "物流配送"}, timeout=30)
    assert "问三遍都不回" not in other.text
    assert agent.get(f"{running_bot.console_url}/complaints", params={"overdue": "1"}, timeout=30).status_code == 200
    dashboard = agent.get(f"{running_bot.console_url}/dashboard", timeout=30)
    assert dashboard.status_code == 200 and dashboard.text.count("<svg") == 4 and "服务态度" in dashboard.text


def test_training_candidates_are_reviewed_in_the_console(running_bot: RunningBot, agent: requests.Session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    from bot.training.candidates import CandidateStore, import_dialogues

    store = CandidateStore(session_factory(running_bot.database_url))
    log = Path(tmp_path) / "shop.csv"
    log.write_text("conversation_id,role,text\nk,buyer,这个保温杯能放进洗碗机吗\nk,buyer,东西收到了但是盒子压扁了\n", encoding="utf-8")
    import_dialogues(log, lambda text: ("ask_product", 0.35), clock.now(), store)
    page = agent.get(f"{running_bot.console_url}/training", timeout=30)
    assert page.status_code == 200 and "这个保温杯能放进洗碗机吗" in page.text
    ids = {c.text: c.id for c in store.for_review() if c.provenance.get("file") == "shop.csv"}
    csrf = csrf_of(page.text)
    agent.post(f"{running_bot.console_url}/training/candidates/{ids['这个保温杯能放进洗碗机吗']}",
               data={"_csrf": csrf, "intent": "ask_product", "decision": "accept"}, timeout=30)
    agent.post(f"{running_bot.console_url}/training/candidates/{ids['东西收到了但是盒子压扁了']}",
               data={"_csrf": csrf, "intent": "report_damaged", "decision": "accept"}, timeout=30)
    with session_scope(running_bot.database_url) as session:
        from bot.crm.models import NluCandidate

        rows = {c.text: (c.status, c.intent, c.reviewed_by) for c in session.execute(select(NluCandidate)).scalars()}
    assert rows["这个保温杯能放进洗碗机吗"] == ("已采纳", "ask_product", "agent_360")
    assert rows["东西收到了但是盒子压扁了"] == ("已修改", "report_damaged", "agent_360")


def test_model_reports_are_viewable(running_bot: RunningBot, agent: requests.Session) -> None:
    """`make test` trains through the pipeline before these tests, so the registry has the model in service."""
    from bot.settings import get_settings
    from bot.training.registry import ModelRegistry

    entry = ModelRegistry(get_settings().models_dir).in_service()
    assert entry is not None, "no model in the registry: run `python -m bot train` (make test does) first"
    listing = agent.get(f"{running_bot.console_url}/models", timeout=30)
    assert listing.status_code == 200 and entry.id in listing.text
    report = agent.get(f"{running_bot.console_url}/models/{entry.id}", timeout=30)
    assert report.status_code == 200 and "最常混淆" in report.text and "request_return" in report.text
    picture = agent.get(f"{running_bot.console_url}/models/{entry.id}/confusion.png", timeout=30)
    assert picture.status_code == 200 and picture.content[:4] == b"\x89PNG"
    assert agent.get(f"{running_bot.console_url}/models/19990101-000000", timeout=30).status_code == 404


def test_the_segments_page_counts_every_buyer(running_bot: RunningBot, agent: requests.Session) -> None:
    page = agent.get(f"{running_bot.console_url}/segments", timeout=30)
    assert page.status_code == 200 and "220 位顾客" in page.text and page.text.count("<svg") == 2
    assert "金牌" in page.text and "沉睡" in page.text
