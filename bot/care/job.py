"""``python -m bot care run``: find what calls for a proactive message, apply the shop's rules, send each once.

Safe to run every few minutes: an event already messaged is never messaged again (its key is claimed in
the CRM before sending), what must wait (quiet hours, a person talking with the buyer) is picked up by a
later run, and a dry run only reports. The bot says every message itself, from domain.yml, through
Rasa's external events, so the conversation's history shows it and a reply to it is understood.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Protocol, Set

import yaml

from bot import clock
from bot.care.book import CareBook
from bot.care.events import CareEvent, EventFinder
from bot.care.policy import SEND, SKIP, WAIT, decide
from bot.care.rules import KIND_LABELS, KINDS, CareRules, load_care_rules
from bot.channels.outbox import Delivery, Outbox
from bot.customers.archive import CustomerArchive
from bot.customers.segments import Profile
from bot.handoff.rasa_client import RasaClient, RasaUnavailable
from bot.settings import PROJECT_ROOT

#: The external events the domain answers (data/rules.yml).
CARE_INTENT = "EXTERNAL_care"
CHECKIN_INTENT = "EXTERNAL_care_checkin"  # the same, and the bot then waits for a 1–5 answer
COMPLAINT_RESOLVED = "EXTERNAL_complaint_resolved"
OUTBOX_KIND = "care"
SENT_LABEL, FAILED_LABEL = "sent", "failed"


class Speaker(Protocol):
    async def say(self, event: CareEvent) -> List[Dict[str, Any]]:
        """The bot's messages for the event (empty when it said nothing)."""


class BotSpeaker:
    """The running bot speaks: Rasa's trigger_intent runs action_care_message (or the complaint follow-up)."""

    def __init__(self, rasa: Optional[RasaClient] = None):
        self.rasa = rasa or RasaClient()

    async def say(self, event: CareEvent) -> List[Dict[str, Any]]:
        if event.kind == "complaint_followup":
            return await self.rasa.trigger(event.sender_id, COMPLAINT_RESOLVED, {"complaint_no": event.extra["complaint_no"]})
        intent = CHECKIN_INTENT if event.kind == "checkin" else CARE_INTENT
        return await self.rasa.trigger(event.sender_id, intent, {"care_event": event.key})


class DomainPreview:
    """The message as domain.yml words it, filled in, without a running bot: what a dry run shows."""

    def __init__(self, domain_file: Path = PROJECT_ROOT / "domain.yml", seed: int = 0):
        self.responses = yaml.safe_load(domain_file.read_text(encoding="utf-8"))["responses"]
        self.random = random.Random(seed)

    def text(self, event: CareEvent) -> str:
        variations = self.responses.get(event.response)
        if not variations:
            raise KeyError(f"domain.yml has no response {event.response}")
        return self.random.choice(variations)["text"].format(**event.placeholders)

    async def say(self, event: CareEvent) -> List[Dict[str, Any]]:
        return [{"text": self.text(event)}]


@dataclass
class Planned:
    event: CareEvent
    outcome: str  # send / wait / skip, then sent / failed after sending
    reason: str = ""
    text: str = ""
    task_opened: bool = False


@dataclass
class CareRun:
    at: datetime
    dry_run: bool
    planned: List[Planned] = field(default_factory=list)
    already_sent: int = 0
    tiers_changed: int = 0

    def count(self, outcome: str) -> int:
        return sum(p.outcome == outcome for p in self.planned)

    @property
    def tasks_opened(self) -> int:
        return sum(p.task_opened for p in self.planned)


class CareJob:
    def __init__(
        self,
        speaker: Speaker,
        outbox: Outbox,
        book: Optional[CareBook] = None,
        archive: Optional[CustomerArchive] = None,
        rules: Optional[CareRules] = None,
        now: Callable[[], datetime] = clock.now,
        preview: Optional[DomainPreview] = None,
        buyers: Optional[Set[str]] = None,
    ):
        self.speaker = speaker
        self.outbox = outbox
        self.book = book or CareBook()
        self.archive = archive or CustomerArchive(sessions=self.book.sessions)
        self.rules = rules or load_care_rules()
        self.now = now
        self.preview = preview or DomainPreview()
        self.buyers = buyers  # only these chats (a preview for one buyer, a test), else everyone

    def plan(self, now: datetime, profiles: Optional[List[Profile]] = None) -> CareRun:
        """Every event not yet messaged, with the rules' decision (in KINDS order, so the cap goes to news first)."""
        if profiles is None:
            profiles = self.archive.profiles(now)
        with self.book.sessions() as session:
            events = EventFinder(session, self.rules, now).all(profiles)
        if self.buyers is not None:
            events = [e for e in events if e.sender_id in self.buyers]
        done = self.book.already_sent(e.key for e in events)
        fresh = sorted((e for e in events if e.key not in done), key=lambda e: (KINDS.index(e.kind), e.customer_id, e.key))
        facts = self.book.facts((e.customer_id for e in fresh), now, self.rules)
        run = CareRun(now, dry_run=True, already_sent=len(events) - len(fresh))
        for event in fresh:
            buyer = facts[event.customer_id]
            decision = decide(event.kind, buyer, now, self.rules)
            run.planned.append(Planned(event, decision.outcome, decision.reason, self.preview.text(event)))
            if decision.outcome == SEND:
                # what this run will send counts for the buyer's next event: the cap, one check-in at a time
                counted = event.kind not in self.rules.cap_exempt
                facts[event.customer_id] = replace(
                    buyer,
                    sent_this_week=buyer.sent_this_week + counted,
                    awaiting_checkin=buyer.awaiting_checkin or event.kind == "checkin",
                )
        return run

    async def run(self, dry_run: bool = False) -> CareRun:
        now = self.now()
        profiles = self.archive.profiles(now)
        run = self.plan(now, profiles)
        run.dry_run = dry_run
        if dry_run:
            return run
        run.tiers_changed = self.archive.refresh_tiers(now, profiles)  # the archive kept current as time passes
        unreachable = ""
        for planned in run.planned:
            event = planned.event
            if event.task:
                planned.task_opened = self.book.open_task(event, event.task, now)
            if planned.outcome != SEND:
                continue
            if unreachable:  # one failed call is enough to know: the rest wait for the next run
                planned.outcome, planned.reason = WAIT, unreachable
                continue
            unreachable = await self._send(planned, now)
        return run

    async def _send(self, planned: Planned, now: datetime) -> str:
        """Claim, let the bot say it, push it; returns why the bot cannot be reached, or ''."""
        event = planned.event
        claimed = self.book.claim(event, now)
        if claimed is None:
            planned.outcome, planned.reason = SKIP, "另一次运行已发送"
            return ""
        try:
            messages = await self.speaker.say(event)
        except RasaUnavailable as exc:
            self.book.release(claimed)
            planned.outcome, planned.reason = WAIT, f"机器人暂时无法发言（{exc}），下次运行再发"
            return planned.reason
        except BaseException:
            self.book.release(claimed)  # nothing was said: the event stays for the next run
            raise
        if not messages:
            self.book.release(claimed)
            planned.outcome, planned.reason = WAIT, "机器人在这个会话里没有发言（可能正由人工接待），下次运行再发"
            return ""
        planned.text = "\n".join(m.get("text") or "" for m in messages)
        delivery: Delivery = await self.outbox.send(event.sender_id, messages, kind=OUTBOX_KIND, author="bot")
        self.book.settle(claimed, delivery.delivered, delivery.id)
        planned.outcome = SENT_LABEL if delivery.delivered else FAILED_LABEL
        planned.reason = "" if delivery.delivered else f"未送达：{delivery.error}（员工后台可重新发送）"
        return ""


OUTCOME_LABELS = {SEND: "将发送", WAIT: "稍后", SKIP: "不发送", SENT_LABEL: "已发送", FAILED_LABEL: "发送失败"}


def report(run: CareRun, verbose: bool = True) -> str:
    """What a run did (or, dry, would do) and why, for the console and cron's mail."""
    head = "试运行（不发送）" if run.dry_run else "已运行"
    lines = [f"主动关怀 {head} · {run.at:%Y-%m-%d %H:%M}"]
    for planned in run.planned:
        if not verbose and planned.outcome == SKIP:
            continue
        event = planned.event
        why = f"；{planned.reason}" if planned.reason else ""
        lines.append(f"[{OUTCOME_LABELS.get(planned.outcome, planned.outcome)}] {KIND_LABELS[event.kind]} → {event.sender_id}：{event.why}{why}")
        if planned.text and planned.outcome in (SEND, SENT_LABEL):
            lines.append(f"    “{planned.text}”")
        if planned.task_opened or (run.dry_run and event.task):
            lines.append(f"    员工待办：{event.task.title}" if event.task else "")
    counts = {label: run.count(outcome) for outcome, label in OUTCOME_LABELS.items() if run.count(outcome)}
    summary = "，".join(f"{label} {n}" for label, n in counts.items()) or "没有需要发送的消息"
    lines.append(f"合计：{summary}；以前已发过 {run.already_sent}；新建员工待办 {run.tasks_opened}")
    if run.tiers_changed:
        lines.append(f"会员等级更新 {run.tiers_changed} 位")
    return "\n".join(lines)
