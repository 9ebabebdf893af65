"""Runs the independent conversation suite over HTTP against a running, freshly seeded bot.

Every conversation starts from the same shop: the CRM and the conversation store
are restored from snapshots taken right after seeding (SQLite's online backup, so
the running servers keep their connections). Each buyer message goes through the
signed webhook; its replies are checked against facts (order and tracking numbers,
amounts, dates, policy figures), and after the conversation the shop's records are
checked (order status and address, after-sales cases, complaints, hand-over).

One rule is checked on every conversation whatever its writer asked: an order the
bot changed, or opened an after-sales case on, must be named by number in what the
bot said just before or while doing it — a "确认" can only confirm what was asked.
"""

from __future__ import annotations

import re
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from sqlalchemy import select

from bot.crm.db import session_factory
from bot.crm.models import Complaint, Handoff, HandoffStatus, Order, ReturnRequest
from bot.runtime.launch import LaunchedBot
from tests.conversations.scenarios import After, Expect, Scenario

PLACEHOLDER = re.compile(r"\{(signed_date|shipped_date|placed_date|eta_date):(\d{16})\}|\{(new_rma|new_ts)\}")
PHONE_REQUEST = re.compile(
    r"(请|麻烦|需要|先|发一下|告诉|提供|输入|报一下).{0,16}(手机号|手机号码|电话号码|预留的电话)"
    r"|(手机号|手机号码|电话号码).{0,6}(是多少|发一下|发给我|告诉我)"
)


def asks_for_phone(text: str) -> bool:
    """Whether a reply asks the buyer for a phone number (the identity check)."""
    return bool(PHONE_REQUEST.search(text))


def date_spellings(day: date, today: date) -> List[str]:
    """The ways a reply may give a date: 12月1日 / 12月01日 / 12月1号 / 12-01 / 2026-12-01, and 今天 / 昨天 / 前天."""
    spellings = [f"{day.month}月{day.day}日", f"{day.month}月{day.day}号", f"{day:%m月%d日}", f"{day:%m月%d号}",
                 f"{day:%m-%d}", f"{day:%Y-%m-%d}", f"{day.month}/{day.day}"]
    relative = {0: "今天", 1: "昨天", 2: "前天", -1: "明天", -2: "后天"}.get((today - day).days)
    return spellings + ([relative] if relative else [])


def backup(source: Path, target: Path) -> None:
    """Copy one SQLite database onto another, page by page, while other connections stay open."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


@dataclass
class TurnResult:
    say: str
    reply: str
    seconds: float
    failures: List[str] = field(default_factory=list)


@dataclass
class ConversationResult:
    scenario: Scenario
    turns: List[TurnResult] = field(default_factory=list)
    after_failures: List[str] = field(default_factory=list)
    wrong_order: List[str] = field(default_factory=list)  # changes to an order the bot had not named
    error: str = ""
    trace: List[str] = field(default_factory=list)  # intents and actions, when asked for (--trace)

    @property
    def passed(self) -> bool:
        return not self.error and not self.wrong_order and not self.after_failures and not any(
            t.failures for t in self.turns
        )

    def report(self) -> str:
        lines = [f"{'PASS' if self.passed else 'FAIL'} {self.scenario.id} ({self.scenario.buyer}) {self.scenario.about}"]
        for number, turn in enumerate(self.turns, 1):
            mark = "  ✗" if turn.failures else "   "
            lines.append(f"{mark} {number}. 买家: {turn.say}")
            lines.append("       小二: " + turn.reply.replace("\n", " ⏎ "))
            lines.extend(f"       → {failure}" for failure in turn.failures)
        lines.extend(f"  ✗ after: {failure}" for failure in self.after_failures)
        lines.extend(f"  ✗ WRONG ORDER: {item}" for item in self.wrong_order)
        if self.error:
            lines.append(f"  ✗ error: {self.error}")
        lines.extend(f"      · {step}" for step in self.trace)
        return "\n".join(lines)


def trace_of(events: List[dict]) -> List[str]:
    """What the bot understood and did, turn by turn: intent (confidence) → actions, requested slots."""
    steps: List[str] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            intent = (event.get("parse_data") or {}).get("intent") or {}
            steps.append(f"{event.get('text')!r} → {intent.get('name')} {intent.get('confidence') or 0:.2f}")
        elif kind == "action" and event.get("name") not in ("action_listen", None) and steps:
            steps[-1] += f" | {event['name']}"
        elif kind == "slot" and event.get("name") == "requested_slot" and steps:
            steps[-1] += f" [ask {event.get('value')}]"
    return steps


OrderState = Dict[str, Tuple[str, str]]


class ConversationRunner:
    """Plays scenarios against one running bot whose CRM and tracker store are SQLite files."""

    def __init__(self, bot: LaunchedBot, trace: bool = False):
        self.bot = bot
        self.trace = trace
        self.crm_db = Path(bot.database_url.removeprefix("sqlite:///"))
        self.tracker_db = bot.workdir / "tracker.db"
        self.snapshots = {self.crm_db: bot.workdir / "crm.pristine.db",
                          self.tracker_db: bot.workdir / "tracker.pristine.db"}
        for live, snapshot in self.snapshots.items():
            backup(live, snapshot)
        self.sessions = session_factory(bot.database_url)

    def restore(self) -> None:
        for live, snapshot in self.snapshots.items():
            backup(snapshot, live)

    def run(self, scenario: Scenario) -> ConversationResult:
        self.restore()
        started = datetime.now() - timedelta(seconds=1)
        result = ConversationResult(scenario)
        before = self._orders()
        previous_reply = ""
        returns_seen: set = set(self._returns_since(started))
        try:
            for turn in scenario.turns:
                clock = time.perf_counter()
                replies = self.bot.send(scenario.buyer, turn.say)
                reply = "\n".join(str(m.get("text") or m.get("custom") or "") for m in replies)
                outcome = TurnResult(turn.say, reply, time.perf_counter() - clock)
                outcome.failures = self._check_turn(turn.expect, reply, started)
                after = self._orders()
                named = previous_reply + "\n" + reply
                result.wrong_order += [
                    f"order {no} changed {before[no]} → {after[no]} without being named"
                    for no in after if after[no] != before.get(no) and no not in named
                ]
                new_returns = self._returns_since(started)
                result.wrong_order += [
                    f"after-sales case {rma} opened on order {no} without naming it"
                    for rma, no in new_returns.items() if rma not in returns_seen and no not in named
                ]
                returns_seen |= set(new_returns)
                before, previous_reply = after, reply
                result.turns.append(outcome)
        except Exception as exc:  # a failed request is a failed conversation, not a crashed suite
            result.error = f"{type(exc).__name__}: {exc}"
        result.after_failures = self._check_after(scenario.after, scenario.buyer, started)
        if self.trace:
            result.trace = trace_of(self.bot.events(scenario.buyer))
        return result

    # -- checks of one reply -----------------------------------------------------------

    def _check_turn(self, expect: Expect, reply: str, started: datetime) -> List[str]:
        failures = [f"missing {item}" for item in expect.all if not self._found(item, reply, started)]
        if expect.any and not any(self._found(item, reply, started) for item in expect.any):
            failures.append(f"none of {expect.any}")
        failures += [f"must not say {item}" for item in expect.none if self._found(item, reply, started)]
        if expect.asks_phone is not None and asks_for_phone(reply) != expect.asks_phone:
            failures.append("asked for a phone number" if expect.asks_phone is False else "did not ask for the phone")
        return failures

    def _found(self, item: str, reply: str, started: datetime) -> bool:
        """Whether ``item`` (a literal, or one placeholder with text around it) is in the reply."""
        match = PLACEHOLDER.search(item)
        if match is None:
            return item in reply
        prefix, suffix = item[: match.start()], item[match.end():]
        return any(f"{prefix}{value}{suffix}" in reply for value in self._values(match, started))

    def _values(self, match: "re.Match[str]", started: datetime) -> Iterable[str]:
        kind, order_no, created = match.group(1), match.group(2), match.group(3)
        if created == "new_rma":
            return list(self._returns_since(started))
        if created == "new_ts":
            return self._complaints_since(started)
        with self.sessions() as session:
            order = session.execute(select(Order).where(Order.order_no == order_no)).scalar_one_or_none()
            if order is None:
                return []
            moment = {
                "signed_date": order.delivered_at,
                "shipped_date": order.shipped_at,
                "placed_date": order.created_at,
                "eta_date": order.shipments[0].estimated_delivery if order.shipments else None,
            }[kind]
        if moment is None:
            return []
        day = moment.date() if isinstance(moment, datetime) else moment
        return date_spellings(day, date.today())

    # -- the shop's records ------------------------------------------------------------

    def _orders(self) -> OrderState:
        with self.sessions() as session:
            rows = session.execute(select(Order.order_no, Order.status, Order.address)).all()
        return {no: (str(status), address or "") for no, status, address in rows}

    def _returns_since(self, started: datetime) -> Dict[str, str]:
        with self.sessions() as session:
            rows = session.execute(
                select(ReturnRequest.rma_no, Order.order_no)
                .join(Order, Order.id == ReturnRequest.order_id)
                .where(ReturnRequest.created_at >= started)
            ).all()
        return {rma: no for rma, no in rows}

    def _complaints_since(self, started: datetime, sender: Optional[str] = None) -> List[str]:
        query = select(Complaint.complaint_no).where(Complaint.created_at >= started)
        if sender is not None:
            query = query.where(Complaint.sender_id == sender)
        with self.sessions() as session:
            return list(session.execute(query).scalars())

    def _check_after(self, after: After, sender: str, started: datetime) -> List[str]:
        failures = []
        orders = self._orders()
        for no, status in after.order_status.items():
            if orders.get(no, ("?", ""))[0] != status:
                failures.append(f"order {no} is {orders.get(no, ('missing',))[0]}, expected {status}")
        for no, text in after.address_contains.items():
            if text not in orders.get(no, ("", ""))[1]:
                failures.append(f"order {no} address {orders.get(no, ('', ''))[1]!r} lacks {text}")
        opened = self._returns_since(started)
        for no, count in after.returns.items():
            actual = sum(1 for order_no in opened.values() if order_no == no)
            if actual != count:
                failures.append(f"{actual} after-sales cases on {no}, expected {count}")
        if after.complaints is not None:
            actual = len(self._complaints_since(started, sender))
            if actual != after.complaints:
                failures.append(f"{actual} complaints recorded, expected {after.complaints}")
        if after.handover is not None:
            with self.sessions() as session:
                # a hand-over the buyer called off before anyone took it (已转回, nobody assigned) was not one
                handed = session.execute(
                    select(Handoff.id).where(
                        Handoff.sender_id == sender, Handoff.created_at >= started,
                        ~((Handoff.status == HandoffStatus.HANDED_BACK.value) & Handoff.assigned_to.is_(None)),
                    )
                ).first() is not None
            if handed != after.handover:
                failures.append("handed to staff" if handed else "not handed to staff")
        return failures


@dataclass
class SuiteResult:
    results: List[ConversationResult]

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def rate(self) -> float:
        return self.passed / len(self.results) if self.results else 0.0

    @property
    def wrong_order(self) -> List[str]:
        return [f"{r.scenario.id}: {item}" for r in self.results for item in r.wrong_order]

    def latencies(self) -> List[float]:
        return sorted(t.seconds for r in self.results for t in r.turns)

    def percentile(self, share: float) -> float:
        values = self.latencies()
        return values[min(len(values) - 1, int(share * len(values)))] if values else 0.0

    def summary(self, name: str) -> str:
        return (f"{name}: {self.passed}/{len(self.results)} conversations pass ({self.rate:.0%}); "
                f"wrong-order actions {len(self.wrong_order)}; turns {len(self.latencies())}, "
                f"p50 {self.percentile(0.5):.2f} s, p95 {self.percentile(0.95):.2f} s")


def run_suite(bot: LaunchedBot, scenarios: Sequence[Scenario], trace: bool = False) -> SuiteResult:
    runner = ConversationRunner(bot, trace)
    return SuiteResult([runner.run(scenario) for scenario in scenarios])
