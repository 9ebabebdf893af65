"""A real running bot for end-to-end tests: Rasa server, action server and console over HTTP.

Started by ``bot.runtime.launch`` exactly as ``python -m bot serve`` starts them,
against a freshly seeded SQLite CRM and tracker store in a temp folder, with the
trained model from models/ (``make test`` trains before these tests run). The
messaging platform's send API is a local stand-in that records what it gets.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, List

import pytest
import yaml

from bot import clock
from bot.channels.standin import PlatformStandIn
from bot.crm.db import session_factory
from bot.runtime.launch import TEST_WEBHOOK_SECRET, LaunchedBot, LaunchError, launched_bot
from bot.settings import PROJECT_ROOT
from bot.staff.accounts import StaffAccounts

RunningBot = LaunchedBot


@pytest.fixture(scope="session")
def platform() -> Iterator[PlatformStandIn]:
    standin = PlatformStandIn(secret=TEST_WEBHOOK_SECRET).start()  # checks the shop signs its pushes
    yield standin
    standin.stop()


@pytest.fixture(scope="session")
def running_bot(tmp_path_factory: pytest.TempPathFactory, platform: PlatformStandIn) -> Iterator[LaunchedBot]:
    try:
        with launched_bot(tmp_path_factory.mktemp("bot"), platform_send_url=platform.url) as bot:
            yield bot
    except LaunchError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def staff_token(running_bot: LaunchedBot) -> str:
    """An agent's API token in the running bot's CRM."""
    accounts = StaffAccounts(session_factory(running_bot.database_url))
    accounts.create_user("xiaomei", "小美", "demo-password-1", "agent", clock.now())
    return accounts.issue_token("xiaomei", "integration tests", clock.now())


@contextmanager
def bot_on_postgres(workdir: Path, **options: Any) -> Iterator[LaunchedBot]:
    """A running bot whose CRM and tracker store are fresh PostgreSQL databases (dropped afterwards).

    ``rewrite`` (optional) maps each database URL before the bot gets it, e.g. to go through a proxy.
    """
    from bot.crm.db import dispose_engines
    from tests.conftest import _postgres_database

    rewrite = options.pop("rewrite", lambda url: url)
    crm_dbs, tracker_dbs = _postgres_database(), _postgres_database()
    try:
        with launched_bot(
            workdir, database_url=rewrite(next(crm_dbs)), tracker_url=rewrite(next(tracker_dbs)), **options
        ) as bot:
            yield bot
    except LaunchError as exc:
        pytest.fail(str(exc), pytrace=False)
    finally:
        dispose_engines()
        for generator in (crm_dbs, tracker_dbs):
            for _ in generator:  # finishing the generator drops the database
                pass


def variations(response: str) -> List[str]:
    """Every text a response of domain.yml may say (placeholders left in), to recognise a reply whichever variation came."""
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return [variant["text"] for variant in domain["responses"][response]]


def said(reply: str, response: str) -> bool:
    """True when ``reply`` holds one of ``response``'s variations: every fixed piece between its placeholders."""
    return any(
        all(piece in reply for piece in re.split(r"\{[^}]*\}", variant) if piece) for variant in variations(response)
    )
