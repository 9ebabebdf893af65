"""The demo inbox (make run without a real platform) takes only signed pushes and shows a buyer's messages only
to a signed reader, like the platform it stands in for."""

from __future__ import annotations

import json
import time

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.channels.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from bot.console.demo_platform import PATH_INBOX, PATH_SEND, add_demo_platform, inbox_request

SECRET = "demo-secret"


def signed(body: bytes, secret: str = SECRET) -> dict:
    stamp = str(int(time.time()))
    return {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: sign(secret, stamp, body), "Content-Type": "application/json"}


async def test_only_signed_pushes_and_signed_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_WEBHOOK_SECRET", SECRET)
    app = web.Application()
    add_demo_platform(app)
    async with TestClient(TestServer(app)) as client:
        push = json.dumps({"message_id": "out-1", "recipient": "tb_xiaoyu", "messages": [{"text": "您好，我是客服小美"}]}).encode()
        assert (await client.post(PATH_SEND, data=push)).status == 401
        assert (await client.post(PATH_SEND, data=push, headers=signed(push, "wrong"))).status == 401
        assert (await client.post(PATH_SEND, data=push, headers=signed(push))).status == 200

        query = {"recipient": "tb_xiaoyu", "after": "0"}
        assert (await client.get(PATH_INBOX, params=query)).status == 401
        other = await client.get(PATH_INBOX, params=query, headers=signed(inbox_request("tb_chenmei")))
        assert other.status == 401  # a signature for another buyer's inbox does not open this one
        mine = await client.get(PATH_INBOX, params=query, headers=signed(inbox_request("tb_xiaoyu")))
        assert mine.status == 200 and (await mine.json())["messages"][0]["text"] == "您好，我是客服小美"
