"""A buyer handed to a human, end to end over HTTP: the bot keeps answering while the case waits in the
queue, pauses when staff take it, staff answer through the staff API, the buyer's platform receives it,
staff hand back and the bot answers again; the CRM rows are checked."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.channels.standin import PlatformStandIn
from bot.crm.db import session_scope
from bot.crm.models import Complaint, Handoff, OutboundMessage
from tests.integration.conftest import RunningBot, said


def open_handoff(bot: RunningBot, token: str, sender: str) -> dict:
    status, body = bot.staff_api("GET", "/api/handoffs", token)
    assert status == 200, body
    (handoff,) = [h for h in body["handoffs"] if h["sender_id"] == sender]
    return handoff


def handoff_row(bot: RunningBot, sender: str) -> Handoff:
    with session_scope(bot.database_url) as session:
        row = session.execute(select(Handoff).where(Handoff.sender_id == sender)).scalar_one()
        session.expunge_all()
        return row


def test_a_buyer_asks_for_a_human_staff_answer_and_hand_back(
    running_bot: RunningBot, platform: PlatformStandIn, staff_token: str
) -> None:
    sender = "tb_u00101"
    assert "人工" in running_bot.texts(sender, "转人工")
    # queued, not taken yet: while the buyer waits the bot still answers what it can
    assert "良睦路1399号" in running_bot.texts(sender, "等的时候先问下 你们退货地址是哪")

    handoff = open_handoff(running_bot, staff_token, sender)
    assert (handoff["reason"], handoff["reason_label"], handoff["status"]) == ("buyer_request", "买家要求人工", "排队中")
    assert handoff["customer"]["id"] is not None and handoff["summary"]["last_messages"][-1] == "转人工"
    assert handoff["summary"]["wanted"] == "要求人工客服"

    status, body = running_bot.staff_api("POST", f"/api/handoffs/{handoff['id']}/take", staff_token, {})
    assert status == 200 and body["handoff"]["status"] == "处理中", body
    # taken: a person talks to the buyer now; their messages are kept for staff and the bot says nothing
    assert running_bot.send(sender, "人呢？我的衣服尺码不对想问问") == []
    assert running_bot.send(sender, "在吗") == []

    status, body = running_bot.staff_api("GET", f"/api/handoffs/{handoff['id']}", staff_token)
    assert status == 200
    waiting = [e for e in body["transcript"] if e["role"] == "buyer" and e.get("while_paused")]
    assert [e["text"] for e in waiting] == ["人呢？我的衣服尺码不对想问问", "在吗"]
    assert body["unanswered"] == 2
    assert any(e["role"] == "system" and "暂停" in e["text"] for e in body["transcript"])

    answer = "您好，我是客服小美～尺码不对可以免费换，麻烦告诉我您想换的尺码。"
    status, body = running_bot.staff_api("POST", f"/api/handoffs/{handoff['id']}/messages", staff_token, {"text": answer})
    assert status == 201 and body["delivery"]["status"] == "已送达", body
    assert platform.wait_for(sender, 1) == [answer]
    status, body = running_bot.staff_api("GET", f"/api/handoffs/{handoff['id']}", staff_token)
    assert body["handoff"]["status"] == "处理中" and body["handoff"]["assigned_to"] == "xiaomei"
    assert body["transcript"][-1]["role"] == "agent" and body["transcript"][-1]["author"] == "xiaomei"
    assert body["unanswered"] == 0

    status, body = running_bot.staff_api("POST", f"/api/handoffs/{handoff['id']}/handback", staff_token, {})
    assert status == 200 and body["handoff"]["status"] == "已转回", body
    texts = platform.wait_for(sender, 2)
    assert said(texts[1], "utter_handed_back")  # the bot says it is back

    reply = running_bot.texts(sender, "我的快递到哪了")
    assert reply  # the bot answers again
    row = handoff_row(running_bot, sender)
    assert (row.status, row.first_answer_at is not None, row.resolved_at is not None) == ("已转回", True, True)
    with session_scope(running_bot.database_url) as session:
        sent = session.execute(select(OutboundMessage).where(OutboundMessage.sender_id == sender)).scalars().all()
        assert [(m.kind, m.status) for m in sent] == [("agent", "已送达"), ("handback", "已送达")]

    status, body = running_bot.staff_api("POST", f"/api/handoffs/{handoff['id']}/messages", staff_token, {"text": "还在吗"})
    assert status == 409 and "已转回" in body["error"]


def test_a_high_complaint_is_resolved_and_followed_up(
    running_bot: RunningBot, platform: PlatformStandIn, staff_token: str
) -> None:
    sender = "tb_u00102"
    reply = running_bot.texts(sender, "你们太过分了！！客服一直不回消息，再不处理我就投诉到平台，给差评！")
    (complaint_no,) = set(re.findall(r"TS\d{10}", reply))
    handoff = open_handoff(running_bot, staff_token, sender)
    assert (handoff["priority"], handoff["complaint_no"], handoff["severity"]) == (1, complaint_no, "高")
    status, _ = running_bot.staff_api("POST", f"/api/handoffs/{handoff['id']}/take", staff_token, {})
    assert status == 200
    assert running_bot.send(sender, "快点处理") == []  # the supervisor has it: the bot stays out

    status, body = running_bot.staff_api(
        "POST", f"/api/complaints/{complaint_no}/resolve", staff_token, {"resolution": "已补发新衣服并退还运费", "compensation": "10元优惠券"}
    )
    assert status == 200 and body["complaint"]["status"] == "已解决" and body["followup"] is None  # asked after the hand-back
    status, body = running_bot.staff_api("POST", f"/api/handoffs/{handoff['id']}/resolve", staff_token, {})
    assert status == 400 and "备注" in body["error"]
    status, body = running_bot.staff_api(
        "POST", f"/api/handoffs/{handoff['id']}/resolve", staff_token, {"note": "已补发，买家接受"}
    )
    assert status == 200 and body["handoff"]["status"] == "已解决" and len(body["deliveries"]) == 2
    texts = platform.wait_for(sender, 2)
    assert complaint_no in texts[-1] and "1～5" in texts[-1]

    assert said(running_bot.texts(sender, "5分"), "utter_satisfaction_thanks")
    with session_scope(running_bot.database_url) as session:
        record = session.execute(select(Complaint).where(Complaint.complaint_no == complaint_no)).scalar_one()
        assert (record.status, record.satisfaction, record.resolution) == ("已回访", 5, "已补发新衣服并退还运费")
        assert record.followup_asked_at is not None and record.followed_up_at is not None
    assert handoff_row(running_bot, sender).note == "已补发，买家接受"


def test_a_low_score_reopens_the_complaint_and_queues_it_again(
    running_bot: RunningBot, platform: PlatformStandIn, staff_token: str
) -> None:
    sender = "tb_u00103"
    reply = running_bot.texts(sender, "快递太慢了，说好三天到结果等了一个星期")
    (complaint_no,) = set(re.findall(r"TS\d{10}", reply))
    assert running_bot.texts(sender, "好的")  # an ordinary complaint: the bot keeps talking
    status, body = running_bot.staff_api(
        "POST", f"/api/complaints/{complaint_no}/resolve", staff_token, {"resolution": "已联系快递，包裹今天送达"}
    )
    assert status == 200 and body["followup"]["status"] == "已送达", body
    assert complaint_no in platform.wait_for(sender, 1)[-1]
    assert said(running_bot.texts(sender, "1分"), "utter_satisfaction_reopened")
    with session_scope(running_bot.database_url) as session:
        record = session.execute(select(Complaint).where(Complaint.complaint_no == complaint_no)).scalar_one()
        assert (record.status, record.satisfaction, record.reopened_count) == ("处理中", 1, 1)
    reopened = open_handoff(running_bot, staff_token, sender)
    assert (reopened["reason"], reopened["status"]) == ("complaint_reopened", "排队中")
    assert running_bot.texts(sender, "什么时候给我答复")  # queued again: the bot answers until someone takes it


@pytest.mark.parametrize(
    ("method", "path", "token", "body", "status"),
    [
        ("GET", "/api/handoffs", "", None, 401),
        ("GET", "/api/handoffs", "not-a-token", None, 401),
        ("GET", "/api/handoffs?status=whatever", "TOKEN", None, 400),
        ("GET", "/api/handoffs/999999", "TOKEN", None, 404),
        ("POST", "/api/handoffs/999999/messages", "TOKEN", {"text": "hi"}, 404),
        ("POST", "/api/handoffs/999999/resolve", "TOKEN", {"note": "x"}, 404),
        ("POST", "/api/complaints/TS2611259999/resolve", "TOKEN", {"resolution": "x"}, 404),
        ("GET", "/api/nothing-here", "TOKEN", None, 404),
    ],
)
def test_bad_staff_requests_get_clear_errors(
    running_bot: RunningBot, staff_token: str, method: str, path: str, token: str, body: dict, status: int
) -> None:
    got, answer = running_bot.staff_api(method, path, staff_token if token == "TOKEN" else token, body)
    assert got == status and answer["error"], answer


def test_unusable_messages_are_refused_before_anything_is_sent(running_bot: RunningBot, staff_token: str) -> None:
    sender = "tb_u00104"
    running_bot.texts(sender, "我要人工客服")
    handoff_id = open_handoff(running_bot, staff_token, sender)["id"]
    for body, fragment in [({"text": "   "}, "不能为空"), ({"text": "长" * 2001}, "2000"), ({"text": 12}, "字符串")]:
        status, answer = running_bot.staff_api("POST", f"/api/handoffs/{handoff_id}/messages", staff_token, body)
        assert status == 400 and fragment in answer["error"], answer
    import urllib.request

    request = urllib.request.Request(
        f"{running_bot.console_url}/api/handoffs/{handoff_id}/messages",
        data=b"{not json",
        headers={"Authorization": f"Bearer {staff_token}"},
        method="POST",
    )
    try:
        urllib.request.urlopen(request, timeout=30)
        raise AssertionError("bad JSON was accepted")
    except urllib.error.HTTPError as exc:
        assert exc.code == 400
    with session_scope(running_bot.database_url) as session:
        assert session.execute(select(OutboundMessage).where(OutboundMessage.sender_id == sender)).first() is None


def test_a_platform_outage_is_retried_and_what_failed_is_kept(
    running_bot: RunningBot, platform: PlatformStandIn, staff_token: str
) -> None:
    sender = "tb_u00105"
    running_bot.texts(sender, "转人工")
    handoff_id = open_handoff(running_bot, staff_token, sender)["id"]
    platform.fail_next = 2  # two 503s, then it works: the third attempt delivers
    status, body = running_bot.staff_api("POST", f"/api/handoffs/{handoff_id}/messages", staff_token, {"text": "第一条"})
    assert status == 201 and body["delivery"]["status"] == "已送达" and body["delivery"]["attempts"] == 3
    platform.fail_next = 100  # down for good: recorded as failed, with the reason
    status, body = running_bot.staff_api("POST", f"/api/handoffs/{handoff_id}/messages", staff_token, {"text": "第二条"})
    assert status == 201 and body["delivery"]["status"] == "发送失败" and "503" in body["delivery"]["error"]
    platform.fail_next = 0
    status, retried = running_bot.staff_api("POST", f"/api/outbound/{body['delivery']['id']}/retry", staff_token)
    assert status == 200 and retried["delivery"]["status"] == "已送达"
    assert platform.wait_for(sender, 2) == ["第一条", "第二条"]


def test_a_request_beyond_policy_goes_to_staff_and_the_bot_answers_while_it_waits(
    running_bot: RunningBot, staff_token: str
) -> None:
    sender = "tb_sunli"  # runs after the after-sales conversations, which also talk as 孙丽
    reply = running_bot.texts(sender, "卫衣不喜欢，想退")  # signed for 10 days ago: past the 7 days
    assert "7天" in reply and "人工" in reply
    assert "良睦路1399号" in running_bot.texts(sender, "等人的时候问下 退货地址是哪")
    handoff = open_handoff(running_bot, staff_token, sender)
    assert (handoff["reason"], handoff["priority"]) == ("beyond_policy", 2)
    assert handoff["summary"]["wanted"].startswith("退货退款")
