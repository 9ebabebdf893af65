"""After-sales conversations with the running bot over HTTP, checking the CRM rows they leave.

孙丽 (tb_sunli) signed for two T-shirts and a pair of canvas shoes 30 hours
before the demo shop was seeded, with 运费险. One test returns a T-shirt for a
quality problem, the other exchanges the shoes and then withdraws the exchange.
"""

from __future__ import annotations

import re
from typing import List

from sqlalchemy import select

from bot.crm.db import session_scope
from bot.crm.models import OrderItem, ProductVariant, ReturnRequest, ReturnStage
from tests.integration.conftest import RunningBot

SUNLI = "tb_sunli"
RMA = re.compile(r"RMA\d{10}")


def requests_for_item(bot: RunningBot, product_name: str) -> List[ReturnRequest]:
    with session_scope(bot.database_url) as session:
        rows = (
            session.execute(
                select(ReturnRequest)
                .join(OrderItem, OrderItem.id == ReturnRequest.order_item_id)
                .where(OrderItem.product_name == product_name, ReturnRequest.sender_id == SUNLI)
            )
            .scalars()
            .all()
        )
        session.expunge_all()
        return list(rows)


def stock_of(bot: RunningBot, sku: str) -> int:
    with session_scope(bot.database_url) as session:
        return session.execute(select(ProductVariant.stock).where(ProductVariant.sku == sku)).scalar_one()


def set_stock(bot: RunningBot, sku: str, stock: int) -> None:
    with session_scope(bot.database_url) as session:
        session.execute(select(ProductVariant).where(ProductVariant.sku == sku)).scalar_one().stock = stock


def test_quality_return_of_one_t_shirt(running_bot: RunningBot) -> None:
    how_many = running_bot.texts(SUNLI, "T恤穿了一次就开线了")
    assert "2件" in how_many
    photos = running_bot.texts(SUNLI, "1件")
    assert "照片" in photos
    offer = running_bot.texts(SUNLI, "[图片]")
    assert "¥69.00" in offer and "店铺承担" in offer and "良睦路1399号" in offer and "质量问题" in offer
    done = running_bot.texts(SUNLI, "确认")
    (rma,) = RMA.findall(done)
    (record,) = requests_for_item(running_bot, "纯棉圆领短袖T恤")
    assert record.rma_no == rma
    assert (record.kind, record.status, record.quantity, record.evidence) == ("退货退款", "待审核", 1, "已发照片")
    assert record.return_shipping_payer == "shop" and str(record.refund_amount) == "69.00"
    with session_scope(running_bot.database_url) as session:
        stages = session.execute(select(ReturnStage.status).where(ReturnStage.request_id == record.id)).scalars().all()
    assert stages == ["待审核"]

    # the same confirmation again, and the same request again: nothing new, the bot points to the case
    running_bot.texts(SUNLI, "确认")
    again = running_bot.texts(SUNLI, "T恤我想退货")
    assert rma in again
    assert len(requests_for_item(running_bot, "纯棉圆领短袖T恤")) == 1
    status = running_bot.texts(SUNLI, "我的退款到哪一步了")
    assert rma in status and "待审核" in status


def test_exchange_the_shoes_then_withdraw(running_bot: RunningBot) -> None:
    set_stock(running_bot, "SH001-白色-40", 5)
    offer = running_bot.texts(SUNLI, "帆布鞋小了，想换大一码")
    assert "白色 40" in offer and "运费险" in offer
    done = running_bot.texts(SUNLI, "确认")
    (rma,) = RMA.findall(done)
    (record,) = requests_for_item(running_bot, "经典款帆布鞋")
    assert (record.rma_no, record.kind, record.status) == (rma, "换货", "已同意")
    with session_scope(running_bot.database_url) as session:
        wanted = session.execute(select(ProductVariant).where(ProductVariant.sku == "SH001-白色-40")).scalar_one()
        assert record.exchange_variant_id == wanted.id and wanted.stock == 4

    asked = running_bot.texts(SUNLI, f"撤销{rma}")
    assert "确认" in asked and rma in asked and "帆布鞋" in asked  # withdrawing is asked first, naming the case
    assert requests_for_item(running_bot, "经典款帆布鞋")[0].status == "已同意"
    withdrawn = running_bot.texts(SUNLI, "确认撤销")
    assert "已撤销" in withdrawn and rma in withdrawn
    (record,) = requests_for_item(running_bot, "经典款帆布鞋")
    assert record.status == "已撤销"
    assert stock_of(running_bot, "SH001-白色-40") == 5  # the reserved pair is back on the shelf
