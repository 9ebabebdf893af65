"""The independent conversation suite: loading and checking the scenario files.

The scenarios were written by writers who saw only the README's demo table, the
shop policy, the catalogue and the demo buyers' order facts — never the bot's
code, data or tests (see README.md in this folder). ``open/`` is what we work
against; ``sealed/`` holds a third kept gzipped, so nobody reads it while
changing the bot, and it is scored at the end of an issue.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import yaml

HERE = Path(__file__).parent
SETS = ("open", "sealed", "unseen", "reserve", "extra", "fresh")
#: Kept out of ``all``: sets nobody has read, each scored once, when the issue it measures ends.
UNREAD = ("later", "next")
ORDER_STATUSES = ("待付款", "待发货", "已发货", "已签收", "已完成", "已取消")
TURN_KEYS = {"all", "any", "none", "asks_phone"}
AFTER_KEYS = {"order_status", "address_contains", "returns", "complaints", "handover"}


class ScenarioError(ValueError):
    """A scenario file does not follow the format (README.md in this folder)."""


@dataclass(frozen=True)
class Expect:
    all: List[str] = field(default_factory=list)
    any: List[str] = field(default_factory=list)
    none: List[str] = field(default_factory=list)
    asks_phone: Optional[bool] = None

    @property
    def count(self) -> int:
        return len(self.all) + (1 if self.any else 0) + len(self.none) + (self.asks_phone is not None)


@dataclass(frozen=True)
class Turn:
    say: str
    expect: Expect


@dataclass(frozen=True)
class After:
    order_status: Dict[str, str] = field(default_factory=dict)
    address_contains: Dict[str, str] = field(default_factory=dict)
    returns: Dict[str, int] = field(default_factory=dict)
    complaints: Optional[int] = None
    handover: Optional[bool] = None

    @property
    def count(self) -> int:
        singles = (self.complaints is not None) + (self.handover is not None)
        return len(self.order_status) + len(self.address_contains) + len(self.returns) + singles


@dataclass(frozen=True)
class Scenario:
    id: str
    buyer: str
    about: str
    turns: List[Turn]
    after: After
    source: str

    @property
    def checks(self) -> int:
        return sum(turn.expect.count for turn in self.turns) + self.after.count


def _strings(value: object, where: str) -> List[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise ScenarioError(f"{where}: expected a list of strings")
    return [str(v) for v in value]


def _expect(raw: object, where: str) -> Expect:
    if raw is None:
        return Expect()
    if not isinstance(raw, dict) or set(raw) - TURN_KEYS:
        raise ScenarioError(f"{where}: expect takes only {sorted(TURN_KEYS)}")
    asks = raw.get("asks_phone")
    if asks is not None and not isinstance(asks, bool):
        raise ScenarioError(f"{where}: asks_phone is true or false")
    return Expect(
        _strings(raw.get("all"), where), _strings(raw.get("any"), where), _strings(raw.get("none"), where), asks
    )


def _after(raw: object, where: str) -> After:
    if raw is None:
        return After()
    if not isinstance(raw, dict) or set(raw) - AFTER_KEYS:
        raise ScenarioError(f"{where}: after takes only {sorted(AFTER_KEYS)}")
    statuses = {str(k): str(v) for k, v in (raw.get("order_status") or {}).items()}
    wrong = [s for s in statuses.values() if s not in ORDER_STATUSES]
    if wrong:
        raise ScenarioError(f"{where}: unknown order status {wrong}")
    return After(
        order_status=statuses,
        address_contains={str(k): str(v) for k, v in (raw.get("address_contains") or {}).items()},
        returns={str(k): int(v) for k, v in (raw.get("returns") or {}).items()},
        complaints=raw.get("complaints"),
        handover=raw.get("handover"),
    )


def parse(items: object, source: str) -> List[Scenario]:
    if not isinstance(items, list):
        raise ScenarioError(f"{source}: the file holds a list of conversations")
    scenarios = []
    for index, item in enumerate(items):
        where = f"{source}[{index}]"
        if not isinstance(item, dict) or not {"id", "buyer", "turns"} <= set(item):
            raise ScenarioError(f"{where}: a conversation needs id, buyer and turns")
        turns = []
        for number, raw_turn in enumerate(item["turns"] or []):
            if not isinstance(raw_turn, dict) or not isinstance(raw_turn.get("say"), (str, int)):
                raise ScenarioError(f"{where} turn {number}: a turn needs say")
            turns.append(Turn(str(raw_turn["say"]), _expect(raw_turn.get("expect"), f"{where} turn {number}")))
        scenario = Scenario(
            str(item["id"]), str(item["buyer"]), str(item.get("about", "")), turns,
            _after(item.get("after"), where), source,
        )
        if not turns or scenario.checks < 1:
            raise ScenarioError(f"{where}: a conversation needs turns and at least one check")
        scenarios.append(scenario)
    return scenarios


def read_file(path: Path) -> List[Scenario]:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return parse(yaml.safe_load(data.decode("utf-8")), path.name)


def load(which: str = "open") -> List[Scenario]:
    """Every scenario of a set (one of ``SETS`` or ``UNREAD``), or ``all`` (every set but the unread ones)."""
    names = SETS if which == "all" else (which,)
    scenarios: List[Scenario] = []
    for name in names:
        for path in sorted((HERE / name).glob("*.yml*")):
            scenarios.extend(read_file(path))
    ids = [s.id for s in scenarios]
    duplicated = {i for i in ids if ids.count(i) > 1}
    if duplicated:
        raise ScenarioError(f"duplicate conversation ids: {sorted(duplicated)}")
    return scenarios
