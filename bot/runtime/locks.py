"""A Redis lock store that really excludes: one turn per conversation at a time, across servers.

Rasa's own RedisLockStore keeps a ticket list as a JSON value that each server
reads, changes and writes back; two servers receiving the same buyer's
messages in the same instant can both take ticket 0 and run both turns at
once, and one turn's events then overwrite the other's (seen in the two-server
test: a message answered but missing from the conversation). Here each turn
takes an atomic Redis mutex (SET NX with an expiry, released only by its
holder), using redis.asyncio so waiting never blocks the server's event loop.

A holder that dies leaves the lock to expire after ``lock_lifetime``; a waiter
gives up after ``MAX_WAIT_SECONDS`` with Rasa's LockError, which the webhook
channel answers with an apology. Messages of one buyer that arrive while a
turn is running are taken one at a time; when several wait at once, which
goes next is not defined (they arrived together).
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

POLL_SECONDS = 0.01
MAX_WAIT_SECONDS = float(os.environ.get("LOCK_WAIT_SECONDS", "60"))
RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


class RedisMutexLockStore(LockStore):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any):
        import redis.asyncio as aioredis

        settings = dict((endpoint_config.kwargs if endpoint_config else {}) or {}, **kwargs)
        host = (endpoint_config.url if endpoint_config else None) or settings.pop("host", "127.0.0.1")
        self.prefix = settings.get("key_prefix", "xiaoer")
        self.redis = aioredis.Redis(
            host=host,
            port=int(settings.get("port", 6379)),
            db=int(settings.get("db", 0)),
            password=settings.get("password"),
            socket_timeout=float(settings.get("socket_timeout", 10)),
        )

    def _key(self, conversation_id: Text) -> str:
        return f"{self.prefix}:lock:{conversation_id}"

    @asynccontextmanager
    async def lock(
        self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = POLL_SECONDS
    ) -> AsyncGenerator[TicketLock, None]:
        key, token = self._key(conversation_id), uuid.uuid4().hex
        deadline = time.monotonic() + MAX_WAIT_SECONDS
        try:
            while not await self.redis.set(key, token, nx=True, px=int(lock_lifetime * 1000)):
                if time.monotonic() > deadline:
                    raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
                await asyncio.sleep(POLL_SECONDS)
        except LockError:
            raise
        except Exception as exc:  # Redis unreachable: the turn fails visibly, like any lock error
            raise LockError(f"Redis lock store unavailable: {exc}") from exc
        try:
            yield TicketLock(conversation_id)
        finally:
            try:
                await self.redis.eval(RELEASE, 1, key, token)
            except Exception:  # the lock expires by itself
                pass

    # Rasa's ticket API, unused by lock() above; kept so nothing calling it breaks.
    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        return None

    def delete_lock(self, conversation_id: Text) -> None:
        return None

    def save_lock(self, lock: TicketLock) -> None:
        return None
