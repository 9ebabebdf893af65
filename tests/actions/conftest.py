"""Running the real action classes against a real, seeded CRM (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot import clock
from bot.nlu.catalog_matcher import CatalogMatcher
from bot.nlu.lexicon import read_lexicon
from tests.conftest import AS_OF

DOMAIN: Dict[str, Any] = yaml.safe_load((Path(__file__).parents[2] / "domain.yml").read_text(encoding="utf-8"))
MATCHER = CatalogMatcher(read_lexicon())


@pytest.fixture()
def crm(seeded_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point every service the actions use at the seeded test database, at the seed's 'now'."""
    import actions.care
    import actions.common
    import actions.form_step
    import actions.returns
    import actions.support
    from bot.crm.db import session_factory

    monkeypatch.setenv("DATABASE_URL", seeded_db_url)
    monkeypatch.setattr(actions.common.orders, "_sessions", session_factory(seeded_db_url))
    monkeypatch.setattr(actions.common.effects, "_sessions", session_factory(seeded_db_url))
    monkeypatch.setattr(actions.form_step.verification, "_sessions", session_factory(seeded_db_url))
    monkeypatch.setattr(actions.returns.aftersales, "_sessions", session_factory(seeded_db_url))
    for service in (actions.support.complaints, actions.support.complaint_desk, actions.support.handoffs, actions.care.care_book):
        monkeypatch.setattr(service, "_sessions", session_factory(seeded_db_url))
    with clock.frozen(AS_OF):
        yield seeded_db_url


def make_tracker(
    sender: str,
    text: str,
    intent: str,
    slots: Optional[Dict[str, Any]] = None,
    requested: Optional[str] = None,
    active: bool = True,
    form: str = "order_form",
    message_id: Optional[str] = None,
) -> Tracker:
    """A tracker as Rasa would send it: the latest message parsed, entities from the real matcher."""
    all_slots = {name: None for name in DOMAIN["slots"]}
    all_slots.update(slots or {})
    all_slots["requested_slot"] = requested
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "entities": MATCHER.extract(text),
        "message_id": message_id,
    }
    return Tracker(
        sender_id=sender,
        slots=all_slots,
        latest_message=message,
        events=[{"event": "user", "text": text, "parse_data": message}],
        paused=False,
        followup_action=None,
        active_loop={"name": form} if active else {},
        latest_action_name="action_listen",
    )


async def run_action(action: Any, tracker: Tracker) -> tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """(events, messages) of one action run."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, DOMAIN)
    return events, dispatcher.messages


def slots_of(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def responses(messages: List[Dict[str, Any]]) -> List[str]:
    return [m.get("response") for m in messages]
