"""The independent conversation suite's files: readable, unique, and the sealed third kept unreadable at a glance."""

from __future__ import annotations

import pytest

from tests.conversations.scenarios import HERE, UNREAD, load


def test_every_scenario_file_parses_and_ids_are_unique() -> None:
    scenarios = load("all")
    assert len(scenarios) >= 80
    assert all(s.checks >= 2 for s in scenarios)


def test_a_third_is_sealed_and_kept_gzipped() -> None:
    opened, sealed = load("open"), load("sealed")
    assert len(sealed) * 3 >= len(opened + sealed) - 3
    assert all(path.suffix == ".gz" for path in (HERE / "sealed").iterdir() if path.name.startswith("w"))


@pytest.mark.parametrize("unread", UNREAD)
def test_an_unread_set_parses_stays_gzipped_and_shares_no_id(unread: str) -> None:
    reserve = load(unread)
    others = {s.id for s in load("all")} | {s.id for name in UNREAD if name != unread for s in load(name)}
    assert len(reserve) >= 30 and all(s.checks >= 2 for s in reserve)
    assert not others & {s.id for s in reserve}
    assert all(path.suffix == ".gz" for path in (HERE / unread).iterdir())
