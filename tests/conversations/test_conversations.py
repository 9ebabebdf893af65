"""The independent conversation suite as a test stage: the open set above its floor, never a wrong order."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
import yaml

from bot.channels.standin import PlatformStandIn
from bot.runtime.launch import TEST_WEBHOOK_SECRET, LaunchError, launched_bot
from tests.conversations.runner import SuiteResult, run_suite
from tests.conversations.scenarios import HERE, load

FLOORS = yaml.safe_load((HERE / "floors.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def open_suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SuiteResult]:
    standin = PlatformStandIn(secret=TEST_WEBHOOK_SECRET).start()
    try:
        with launched_bot(Path(tmp_path_factory.mktemp("conversations")), platform_send_url=standin.url) as bot:
            yield run_suite(bot, load("open"))
    except LaunchError as exc:
        pytest.fail(str(exc), pytrace=False)
    finally:
        standin.stop()


def test_open_set_passes_above_its_floor(open_suite: SuiteResult) -> None:
    print("\n" + open_suite.summary("open"))
    failed = "\n\n".join(r.report() for r in open_suite.results if not r.passed)
    assert open_suite.rate >= FLOORS["open_pass_rate"], f"{open_suite.summary('open')}\n\n{failed}"


def test_no_conversation_acts_on_an_order_it_did_not_name(open_suite: SuiteResult) -> None:
    assert len(open_suite.wrong_order) <= FLOORS["wrong_order_actions"], "\n".join(open_suite.wrong_order)
