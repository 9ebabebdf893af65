"""Exactly once for platform messages, against real SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from bot.channels.ledger import KEEP_FOR, STALE_AFTER, ClaimState, MessageLedger
from bot.crm.db import session_factory
from tests.conftest import AS_OF


def test_the_first_claim_processes_a_retry_gets_the_reply(seeded_db_url: str) -> None:
    ledger = MessageLedger(session_factory(seeded_db_url))
    assert ledger.claim("lm-1", "tb_a", AS_OF).state == ClaimState.NEW
    assert ledger.claim("lm-1", "tb_a", AS_OF).state == ClaimState.BUSY
    ledger.answer("lm-1", {"replies": [{"text": "您好"}]}, AS_OF)
    again = ledger.claim("lm-1", "tb_a", AS_OF + timedelta(hours=3))
    assert (again.state, again.reply) == (ClaimState.ANSWERED, {"replies": [{"text": "您好"}]})
    assert ledger.claim("lm-1", "tb_b", AS_OF).state == ClaimState.FOREIGN


def test_a_claim_left_by_a_dead_server_is_taken_over_once(seeded_db_url: str) -> None:
    ledger = MessageLedger(session_factory(seeded_db_url))
    assert ledger.claim("lm-2", "tb_a", AS_OF).state == ClaimState.NEW
    later = AS_OF + STALE_AFTER + timedelta(seconds=1)
    with ThreadPoolExecutor(4) as pool:
        states = sorted(s.value for s in pool.map(lambda _: ledger.claim("lm-2", "tb_a", later).state, range(4)))
    assert states == ["busy", "busy", "busy", "new"]


def test_concurrent_first_deliveries_are_claimed_once(seeded_db_url: str) -> None:
    ledger = MessageLedger(session_factory(seeded_db_url))
    with ThreadPoolExecutor(8) as pool:
        states = [s.value for s in pool.map(lambda _: ledger.claim("lm-3", "tb_a", AS_OF).state, range(8))]
    assert states.count("new") == 1 and states.count("busy") == 7


def test_old_answered_messages_are_forgotten_open_ones_kept(seeded_db_url: str) -> None:
    ledger = MessageLedger(session_factory(seeded_db_url))
    ledger.claim("lm-4", "tb_a", AS_OF)
    ledger.answer("lm-4", {"replies": []}, AS_OF)
    ledger.claim("lm-5", "tb_a", AS_OF)  # still processing: never pruned
    ledger.prune(AS_OF + KEEP_FOR - timedelta(days=1))
    assert ledger.claim("lm-4", "tb_a", AS_OF).state == ClaimState.ANSWERED  # kept
    later = AS_OF + KEEP_FOR + timedelta(days=1)
    assert ledger.prune(later) >= 1
    assert ledger.claim("lm-4", "tb_a", later).state == ClaimState.NEW  # forgotten
    assert ledger.claim("lm-5", "tb_a", later).state == ClaimState.NEW  # never answered: stale, taken over
