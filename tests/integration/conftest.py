"""A real running bot for end-to-end tests: Rasa server + action server over HTTP.

Started by ``bot.runtime.launch`` exactly as ``python -m bot serve`` starts them,
against a freshly seeded SQLite CRM and tracker store in a temp folder, with the
trained model from models/ (``make test`` trains before these tests run).
"""

from __future__ import annotations

from typing import Iterator

import pytest

from bot.runtime.launch import LaunchedBot, LaunchError, launched_bot

RunningBot = LaunchedBot


@pytest.fixture(scope="session")
def running_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaunchedBot]:
    try:
        with launched_bot(tmp_path_factory.mktemp("bot")) as bot:
            yield bot
    except LaunchError as exc:
        pytest.fail(str(exc), pytrace=False)
