"""The shop's care rules from care.yml, read once and checked, so a typo fails loudly before any buyer hears of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Dict, FrozenSet, Tuple

import yaml

from bot.customers.segments import CARE_FILE
from bot.handoff.hours import HOLIDAY_NAMES

#: Every kind of proactive message, in the order a run sends them (news first, marketing last), so a weekly
#: cap is spent on what matters most to the buyer.
KINDS = ("stalled", "shipped", "complaint_followup", "checkin", "birthday", "festival", "winback")
#: How staff read each kind (the job's report, the console).
KIND_LABELS = {
    "shipped": "发货通知",
    "stalled": "物流停滞",
    "checkin": "签收回访",
    "complaint_followup": "投诉回访",
    "birthday": "生日祝福",
    "festival": "节日问候",
    "winback": "沉睡唤醒",
}

#: The festivals care.yml may name: the public holidays of the shop's service calendar.
FESTIVALS = tuple(HOLIDAY_NAMES.values())


@dataclass(frozen=True)
class CareRules:
    quiet_start: time = time(21, 0)
    quiet_end: time = time(9, 0)
    weekly_cap: int = 2
    cap_exempt: FrozenSet[str] = frozenset({"shipped", "stalled", "complaint_followup"})
    marketing: FrozenSet[str] = frozenset({"birthday", "festival", "winback"})
    opt_out_stops: FrozenSet[str] = frozenset(KINDS)
    shipped_within_hours: float = 48
    stalled_after_hours: float = 48
    stalled_task_due_hours: float = 8
    checkin_after_hours: float = 24
    checkin_within_hours: float = 96
    complaint_followup_days: float = 7
    festivals: Tuple[str, ...] = ("元旦", "春节", "端午节", "中秋节", "国庆节")
    winback_offers: Dict[str, str] = field(default_factory=dict)
    reply_same_day: bool = True
    reply_max_days: int = 3

    def in_quiet_hours(self, moment_time: time) -> bool:
        if self.quiet_start == self.quiet_end:
            return False
        if self.quiet_start < self.quiet_end:  # e.g. 01:00–06:00
            return self.quiet_start <= moment_time < self.quiet_end
        return moment_time >= self.quiet_start or moment_time < self.quiet_end  # across midnight


class CareRulesError(ValueError):
    """care.yml says something the job cannot follow; the message names the key."""


def _clock(value: object, key: str) -> time:
    try:
        hour, minute = str(value).split(":")
        return time(int(hour), int(minute))
    except ValueError:
        raise CareRulesError(f"care.yml {key}: 应为 时:分（如 21:00），实际是 {value!r}") from None


def _kinds(values: object, key: str) -> FrozenSet[str]:
    if not isinstance(values, list) or any(v not in KINDS for v in values):
        raise CareRulesError(f"care.yml {key}: 应为这些种类的列表 {', '.join(KINDS)}，实际是 {values!r}")
    return frozenset(values)


def _hours(section: dict, name: str, key: str, default: float) -> float:
    value = (section or {}).get(name, default)
    if not isinstance(value, (int, float)) or value <= 0:
        raise CareRulesError(f"care.yml care.{key}.{name}: 应为正数，实际是 {value!r}")
    return float(value)


def load_care_rules(path: Path = CARE_FILE) -> CareRules:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    care = data.get("care") or {}
    reply = data.get("reply_standard") or {}
    default = CareRules()
    quiet = care.get("quiet_hours") or {}
    festivals = tuple(care.get("festivals", default.festivals))
    unknown = [f for f in festivals if f not in FESTIVALS]
    if unknown:
        raise CareRulesError(f"care.yml care.festivals: 不认识 {unknown}，可选 {', '.join(FESTIVALS)}")
    cap = care.get("weekly_cap", default.weekly_cap)
    if not isinstance(cap, int) or cap < 0:
        raise CareRulesError(f"care.yml care.weekly_cap: 应为不小于 0 的整数，实际是 {cap!r}")
    max_days = reply.get("max_days", default.reply_max_days)
    if not isinstance(max_days, int) or max_days < 1:
        raise CareRulesError(f"care.yml reply_standard.max_days: 应为正整数，实际是 {max_days!r}")
    offers = (care.get("winback") or {}).get("offers") or {}
    return CareRules(
        quiet_start=_clock(quiet.get("start", "21:00"), "care.quiet_hours.start"),
        quiet_end=_clock(quiet.get("end", "09:00"), "care.quiet_hours.end"),
        weekly_cap=cap,
        cap_exempt=_kinds(care.get("cap_exempt", sorted(default.cap_exempt)), "care.cap_exempt"),
        marketing=_kinds(care.get("marketing", sorted(default.marketing)), "care.marketing"),
        opt_out_stops=_kinds(care.get("opt_out_stops", list(KINDS)), "care.opt_out_stops"),
        shipped_within_hours=_hours(care.get("shipped"), "within_hours", "shipped", default.shipped_within_hours),
        stalled_after_hours=_hours(care.get("stalled"), "after_hours", "stalled", default.stalled_after_hours),
        stalled_task_due_hours=_hours(care.get("stalled"), "task_due_hours", "stalled", default.stalled_task_due_hours),
        checkin_after_hours=_hours(care.get("checkin"), "after_hours", "checkin", default.checkin_after_hours),
        checkin_within_hours=_hours(care.get("checkin"), "within_hours", "checkin", default.checkin_within_hours),
        complaint_followup_days=_hours(
            care.get("complaint_followup"), "within_days", "complaint_followup", default.complaint_followup_days
        ),
        festivals=festivals,
        winback_offers={str(k): str(v) for k, v in offers.items()},
        reply_same_day=bool(reply.get("same_day", True)),
        reply_max_days=max_days,
    )
