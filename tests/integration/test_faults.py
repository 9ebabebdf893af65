"""Faults, each by really taking the part away: the action server stopped, the database unreachable,
an action too slow, the Rasa server restarted mid-conversation. The platform always gets an answer
(never a 500), the buyer an apology and a place in the staff queue, and the bot works again when the
part is back, without a restart.

This module runs its own bot: CRM and tracker store on PostgreSQL behind a TCP proxy the tests cut,
the action server behind another that the tests slow down.
"""

from __future__ import annotations

import itertools
import time
from typing import Iterator

import pytest
from sqlalchemy import select

from bot.crm.db import session_scope
from bot.crm.models import Handoff, WebhookMessage
from bot.runtime.launch import LaunchedBot
from bot.runtime.proxy import TcpProxy
from tests.integration.conftest import bot_on_postgres, said

ACTION_TIMEOUT = 3
_ids = itertools.count(1)


@pytest.fixture(scope="module")
def pg_proxy() -> Iterator[TcpProxy]:
    proxy = TcpProxy(target_port=5432).start()
    yield proxy
    proxy.close()


@pytest.fixture(scope="module")
def action_proxy() -> Iterator[TcpProxy]:
    proxy = TcpProxy().start()
    yield proxy
    proxy.close()


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, pg_proxy: TcpProxy, action_proxy: TcpProxy) -> Iterator[LaunchedBot]:
    with bot_on_postgres(
        tmp_path_factory.mktemp("faulty"),
        rewrite=lambda url: url.replace("127.0.0.1:5432", f"127.0.0.1:{pg_proxy.port}"),
        action_proxy=action_proxy,
        extra_env={"ACTION_TIMEOUT": str(ACTION_TIMEOUT)},
    ) as launched:
        yield launched


def say(bot: LaunchedBot, sender: str, text: str) -> dict:
    status, reply, _ = bot.message(sender, text, f"fault-{next(_ids)}")
    assert status == 200, reply
    return reply


def text_of(reply: dict) -> str:
    return "\n".join(r["text"] for r in reply["replies"])


def queued_for_fault(bot: LaunchedBot, sender: str) -> bool:
    with session_scope(bot.database_url) as session:
        row = session.execute(select(Handoff).where(Handoff.sender_id == sender)).scalar_one_or_none()
        return row is not None and row.reason == "technical_fault"


def test_the_action_server_stopped(bot: LaunchedBot) -> None:
    sender = "tb_xiaoyu"
    assert not said(text_of(say(bot, sender, "我买的羽绒服到哪了")), "utter_technical_difficulty")
    bot.stop("actions")
    try:
        reply = say(bot, sender, "跑步鞋什么时候发货")
        assert said(text_of(reply), "utter_technical_difficulty")
        assert queued_for_fault(bot, sender)
    finally:
        bot.start("actions")
    answer = text_of(say(bot, sender, "跑步鞋什么时候发货"))
    assert answer and not said(answer, "utter_technical_difficulty")  # back, without restarting Rasa


def test_an_action_too_slow(bot: LaunchedBot, action_proxy: TcpProxy) -> None:
    sender = "tb_wangjun"
    action_proxy.delay = ACTION_TIMEOUT + 3
    try:
        started = time.monotonic()
        reply = say(bot, sender, "鼠标怎么还不发货")
        assert said(text_of(reply), "utter_technical_difficulty")
        assert time.monotonic() - started < ACTION_TIMEOUT + 6  # the buyer is not kept waiting for the slow part
    finally:
        action_proxy.delay = 0
    time.sleep(ACTION_TIMEOUT + 1)  # let the slow call finish before the next turn
    assert queued_for_fault(bot, sender)
    answer = text_of(say(bot, sender, "鼠标怎么还不发货"))
    assert answer and not said(answer, "utter_technical_difficulty")


def test_the_database_unreachable(bot: LaunchedBot, pg_proxy: TcpProxy) -> None:
    sender = "tb_zhaolei"
    assert text_of(say(bot, sender, "我最近的订单什么情况"))
    pg_proxy.cut()
    try:
        reply = say(bot, sender, "皮鞋那单物流")  # the tracker store and the CRM are both gone
        assert said(text_of(reply), "utter_technical_difficulty")
        status, body = bot.staff_api("GET", "/api/handoffs", "any-token")
        assert status == 503 and "数据库" in body["error"]
    finally:
        pg_proxy.restore()
    answer = text_of(say(bot, sender, "皮鞋那单物流"))
    assert answer and not said(answer, "utter_technical_difficulty")
    with session_scope(bot.database_url) as session:  # the answered messages are in the ledger
        texts = session.execute(select(WebhookMessage.text).where(WebhookMessage.sender_id == sender)).scalars().all()
        assert "皮鞋那单物流" in texts


def test_a_restart_in_the_middle_of_a_conversation(bot: LaunchedBot) -> None:
    sender = "tb_chenmei"
    which = text_of(say(bot, sender, "我的羽绒服订单什么情况"))
    assert "哪" in which  # two down-jacket orders: the bot asks which
    bot.stop("rasa")
    bot.start("rasa")
    answer = text_of(say(bot, sender, "第二个"))
    assert not said(answer, "utter_technical_difficulty") and ("物流" in answer or "快递" in answer or "签收" in answer)
