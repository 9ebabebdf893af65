"""Two Rasa servers sharing the PostgreSQL tracker store and the Redis lock store serve the same buyers:
a conversation continues on whichever server the next message reaches, and two messages of one buyer
arriving at both servers at once are handled one after the other, never interleaved, none lost."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator, List, Tuple

import pytest

from bot.runtime.launch import LaunchedBot
from tests.integration.conftest import bot_on_postgres, said

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


@pytest.fixture(scope="module")
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=5).ping()
    except Exception as exc:  # noqa: BLE001 - any failure to reach it is the message
        pytest.fail(f"Redis is required for the two-server tests but {REDIS_URL} is unreachable: {exc}. "
                    "Start it or set TEST_REDIS_URL.", pytrace=False)
    return REDIS_URL


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[Tuple[LaunchedBot, List[str]]]:
    with bot_on_postgres(tmp_path_factory.mktemp("two"), redis_url=redis_url) as bot:
        yield bot, [bot.url, bot.add_rasa_server("rasa2")]


def events_of(bot: LaunchedBot, server: str, sender: str) -> List[dict]:
    return bot.events(sender, server)


def turns_are_whole(events: List[dict]) -> bool:
    """Every buyer message is followed by the bot's whole turn (ending in action_listen) before the next one."""
    previous = None
    for event in events:
        if event.get("event") == "user" and previous is not None:
            if previous.get("event") != "action" or previous.get("name") != "action_listen":
                return False
        if event.get("event") in ("user", "action"):
            previous = event
    return True


def test_a_conversation_continues_on_the_other_server(servers: Tuple[LaunchedBot, List[str]]) -> None:
    bot, urls = servers
    status, first, _ = bot.message("tb_chenmei", "我的羽绒服订单什么情况", "two-a-1", server=urls[0])
    assert status == 200 and "哪" in first["replies"][0]["text"]
    status, second, _ = bot.message("tb_chenmei", "第二个", "two-a-2", server=urls[1])
    text = "\n".join(r["text"] for r in second["replies"])
    assert status == 200 and not said(text, "utter_technical_difficulty") and not said(text, "utter_ask_rephrase")


SCRIPT = ["在吗", "我的快递到哪了", "运费险怎么赔", "有优惠券吗", "这个T恤有什么颜色", "谢谢", "你是机器人吗", "好的"]


def test_simultaneous_messages_of_many_buyers_on_both_servers(servers: Tuple[LaunchedBot, List[str]]) -> None:
    bot, urls = servers
    buyers = [f"tb_u{n:05d}" for n in range(1, 9)]

    def converse(buyer: str) -> List[Tuple[str, int, dict]]:
        results = []
        with ThreadPoolExecutor(2) as pair:  # the buyer's messages two at a time, one to each server
            for index in range(0, len(SCRIPT), 2):
                ids = [f"{buyer}-{index + k}" for k in range(2)]
                sent = [pair.submit(bot.message, buyer, SCRIPT[index + k], ids[k], "text", urls[k]) for k in range(2)]
                results += [(ids[k], *sent[k].result()[:2]) for k in range(2)]
        return results

    with ThreadPoolExecutor(len(buyers)) as pool:
        outcomes = dict(zip(buyers, pool.map(converse, buyers)))
    for buyer, results in outcomes.items():
        assert all(status == 200 and reply["replies"] for _, status, reply in results), (buyer, results)
        assert not any(said(r["text"], "utter_technical_difficulty") for _, _, reply in results for r in reply["replies"])
        events = events_of(bot, urls[0], buyer)
        seen = [e.get("message_id") for e in events if e.get("event") == "user"]
        assert sorted(seen) == sorted(mid for mid, _, _ in results)  # each exactly once: none lost, none twice
        assert turns_are_whole(events), buyer
        assert events == events_of(bot, urls[1], buyer)  # both servers see the same conversation
