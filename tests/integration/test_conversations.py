"""Whole conversations with the running bot over HTTP, checking replies and the CRM afterwards."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.crm.db import session_scope
from bot.crm.models import ChannelIdentity, Handoff, Order, OrderEvent, OrderStatus
from tests.integration.conftest import RunningBot, said


def crm_order(bot: RunningBot, order_no: str) -> Order:
    with session_scope(bot.database_url) as session:
        order = session.execute(select(Order).where(Order.order_no == order_no)).scalar_one()
        session.expunge(order)
        return order


def test_known_buyer_tracks_a_parcel_by_product(running_bot: RunningBot) -> None:
    assert "小雨不带伞" in running_bot.texts("tb_xiaoyu", "在吗")
    reply = running_bot.texts("tb_xiaoyu", "我买的羽绒服到哪了")
    with session_scope(running_bot.database_url) as session:
        order = session.execute(select(Order).where(Order.order_no == "4128503961730215")).scalar_one()
        tracking_no, carrier = order.shipment.tracking_no, order.shipment.carrier
    assert tracking_no in reply and carrier in reply and "预计" in reply
    assert said(running_bot.texts("tb_xiaoyu", "好的谢谢你"), "utter_you_are_welcome")


def test_ambiguous_product_asks_which_and_survives_a_digression(running_bot: RunningBot) -> None:
    listing = running_bot.texts("tb_chenmei", "我的羽绒服订单什么情况")
    assert "6302718459301124" in listing and "6302718459302235" in listing
    policy = running_bot.texts("tb_chenmei", "对了你们运费险怎么赔的")
    assert "运费险" in policy
    assert "6302718459301124" in policy  # the question is asked again after the answer
    position = 1 if listing.index("6302718459301124") < listing.index("6302718459302235") else 2
    reply = running_bot.texts("tb_chenmei", f"第{'一二'[position - 1]}个")
    assert "6302718459301124" in reply and "运单号" in reply


def test_cancel_an_unpaid_order_with_confirmation(running_bot: RunningBot) -> None:
    ask = running_bot.texts("tb_wangjun", "机械键盘那单我不想要了，帮我取消")
    assert "5230917846201337" in ask and "确认" in ask
    done = running_bot.texts("tb_wangjun", "确认")
    assert "已取消" in done
    order = crm_order(running_bot, "5230917846201337")
    assert order.status == OrderStatus.CANCELLED.value and order.cancelled_at is not None
    with session_scope(running_bot.database_url) as session:
        kinds = session.execute(select(OrderEvent.kind).where(OrderEvent.order_id == order.id)).scalars().all()
    assert kinds == ["cancelled"]
    again = running_bot.texts("tb_wangjun", "取消订单5230917846201337")
    assert "已经" in again and "买家通过客服机器人取消" in again  # when and why it was cancelled, nothing done twice


def test_change_the_address_of_an_unshipped_order(running_bot: RunningBot) -> None:
    ask = running_bot.texts("tb_xiaoyu", "跑步鞋那单地址写错了要改")
    assert "收货地址" in ask and "4128503961731106" in ask
    confirm = running_bot.texts("tb_xiaoyu", "改成广东省深圳市南山区科技园南路15号 林小雨 13800000001")
    assert "科技园南路15号" in confirm and "确认" in confirm
    done = running_bot.texts("tb_xiaoyu", "对的")
    assert "已修改" in done
    assert crm_order(running_bot, "4128503961731106").address == "广东省深圳市南山区科技园南路15号"


def test_stranger_is_verified_then_sees_only_own_orders(running_bot: RunningBot) -> None:
    sender = "wx_stranger_7"
    assert "手机号" in running_bot.texts(sender, "帮我查一下订单")
    assert "订单号" in running_bot.texts(sender, "13800000005")
    reply = running_bot.texts(sender, "8526130497501568")
    assert "核实成功" in reply and "8526130497501568" in reply
    with session_scope(running_bot.database_url) as session:
        assert session.execute(select(ChannelIdentity).where(ChannelIdentity.sender_id == sender)).scalar_one()
    other = running_bot.texts(sender, "订单5230917846201337到哪了")
    assert "没有找到" in other and "机械键盘" not in other


def test_urge_and_handoff_are_recorded(running_bot: RunningBot) -> None:
    urged = running_bot.texts("tb_zhaolei", "催一下发货")
    assert urged  # 赵磊 has no unshipped order: the bot lists his orders or explains
    reply = running_bot.texts("tb_wangjun", "鼠标怎么还不发货啊")
    assert "5230917846202448" in reply and ("加急" in reply or "催促" in reply)
    assert crm_order(running_bot, "5230917846202448").urge_count >= 1
    handoff = running_bot.texts("tb_wangjun", "转人工")
    assert "人工" in handoff
    with session_scope(running_bot.database_url) as session:
        rows = session.execute(select(Handoff).where(Handoff.sender_id == "tb_wangjun")).scalars().all()
    assert len(rows) == 1 and rows[0].reason == "buyer_request"


@pytest.mark.parametrize(
    "text",
    ["😭😭😭🙏🙏", "啊" * 1000, "订单9999999999999999到哪了", "4128503961730215"],
    ids=["emoji-only", "longest-allowed", "unknown-order", "someone-elses-order"],
)
def test_bad_input_gets_a_clear_reply(running_bot: RunningBot, text: str) -> None:
    sender = f"tb_u000{len(text) % 9 + 1}"  # generated demo buyers, none of whom owns these orders
    messages = running_bot.send(sender, text)
    assert messages, "every accepted message is answered"
    reply = "\n".join(m.get("text", "") for m in messages)
    assert reply.strip()
    assert "4128503961730215" not in reply or "没有找到" in reply
    assert not re.search(r"Traceback|Exception|error", reply, re.IGNORECASE)


@pytest.mark.parametrize(("text", "status"), [("", 422), ("   ", 422), ("啊" * 1001, 413)], ids=["empty", "blank", "too-long"])
def test_unusable_text_is_refused_with_a_clear_error(running_bot: RunningBot, text: str, status: int) -> None:
    got, body, _ = running_bot.message("tb_u00009", text, f"bad-{status}-{len(text)}")
    assert got == status and body["message"], body
