"""Whether a proactive message goes out now: pure rules over what is known about the buyer, testable without a database.

Three outcomes: send; wait (not now, a later run may send it: quiet hours, a person is talking with the
buyer); skip (not this time: the buyer opted out, a complaint is open for marketing, the weekly cap is reached).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.care.rules import CareRules

SEND, WAIT, SKIP = "send", "wait", "skip"


@dataclass(frozen=True)
class BuyerFacts:
    opted_out: bool = False
    open_complaint: bool = False
    with_staff: bool = False  # an open handoff: the bot is paused and a person is talking with the buyer
    sent_this_week: int = 0  # proactive messages in the last 7 days that count toward the cap
    awaiting_checkin: bool = False  # a delivery check-in went out and its 1–5 answer has not come back


@dataclass(frozen=True)
class Decision:
    outcome: str
    reason: str

    @property
    def send(self) -> bool:
        return self.outcome == SEND


def decide(kind: str, facts: BuyerFacts, now: datetime, rules: CareRules) -> Decision:
    if facts.opted_out and kind in rules.opt_out_stops:
        return Decision(SKIP, "买家已退订主动消息")
    if facts.open_complaint and kind in rules.marketing:
        return Decision(SKIP, "买家有未结投诉，不发营销消息")
    if facts.with_staff:
        return Decision(WAIT, "人工客服正在接待，结束后再发")
    if kind == "checkin" and facts.awaiting_checkin:
        return Decision(WAIT, "上一次签收回访还没有回复，一次只问一单")
    if rules.in_quiet_hours(now.time()):
        return Decision(WAIT, f"免打扰时段（{rules.quiet_start:%H:%M}–{rules.quiet_end:%H:%M}），之后再发")
    if kind not in rules.cap_exempt and facts.sent_this_week >= rules.weekly_cap:
        return Decision(SKIP, f"本周已发 {facts.sent_this_week} 条主动消息，达到上限 {rules.weekly_cap}")
    return Decision(SEND, "")
