"""The Redis lock store against a real Redis: one holder per conversation, across "servers"."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from rasa.core.lock_store import LockError

from bot.runtime import locks
from bot.runtime.locks import RedisMutexLockStore

REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


def store(port: int = 0) -> RedisMutexLockStore:
    from sqlalchemy.engine import make_url

    url = make_url(REDIS.replace("redis://", "redis+py://", 1))
    return RedisMutexLockStore(host=url.host, port=port or url.port or 6379, db=int(url.database or 0), key_prefix="xiaoer_test")


@pytest.fixture(autouse=True)
def redis_is_there() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_timeout=5).ping()
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"Redis is required for the lock store tests but {REDIS} is unreachable: {exc}", pytrace=False)


async def test_turns_of_one_conversation_never_overlap_across_servers() -> None:
    servers = [store(), store()]  # two clients, as two Rasa servers would have
    conversation = f"tb_{uuid.uuid4().hex[:8]}"
    inside, overlaps, done = 0, 0, []

    async def turn(server: RedisMutexLockStore, n: int) -> None:
        nonlocal inside, overlaps
        async with server.lock(conversation, lock_lifetime=10):
            inside += 1
            overlaps += inside > 1
            await asyncio.sleep(0.005)
            inside -= 1
            done.append(n)

    await asyncio.gather(*(turn(servers[n % 2], n) for n in range(40)))
    assert overlaps == 0 and sorted(done) == list(range(40))


async def test_other_conversations_are_not_held_up() -> None:
    server = store()
    async with server.lock("tb_one", lock_lifetime=10):
        await asyncio.wait_for(_enter_and_leave(server, "tb_two"), timeout=1)


async def _enter_and_leave(server: RedisMutexLockStore, conversation: str) -> None:
    async with server.lock(conversation, lock_lifetime=10):
        pass


async def test_a_dead_holders_lock_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    server = store()
    conversation = f"tb_{uuid.uuid4().hex[:8]}"
    await server.redis.set(server._key(conversation), "a-server-that-died", px=300)
    started = asyncio.get_running_loop().time()
    await _enter_and_leave(server, conversation)
    assert asyncio.get_running_loop().time() - started >= 0.2


async def test_waiting_too_long_and_redis_down_are_lock_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    server = store()
    conversation = f"tb_{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(locks, "MAX_WAIT_SECONDS", 0.2)
    async with server.lock(conversation, lock_lifetime=10):
        with pytest.raises(LockError):
            await _enter_and_leave(store(), conversation)
    from bot.runtime.launch import free_port

    with pytest.raises(LockError, match="unavailable"):
        await _enter_and_leave(store(port=free_port()), conversation)
