"""Sorting buyers, as pure functions of their purchases and a clock: tier, RFM scores, lifecycle, risk.

- Tier (普通 / 银牌 / 金牌, or the shop's own names in care.yml): the highest tier whose spend
  *or* order count the buyer reached over the last 365 days.
- RFM: recency (days since the last purchase), frequency and monetary over 365 days, each scored
  1–5 by its quintile among the shop's buyers (5 best).
- Lifecycle: 新客 (first purchase within ``new_days``), 活跃, 沉睡 (no repurchase within
  ``dormant_cycles`` × the shop's average purchase cycle), 流失 (none for ``lost_days``).
- At risk: a 3–4 follow-up score (``at_risk_since``) or a complaint still open.
"""

from __future__ import annotations

import bisect
import math
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

from bot.settings import PROJECT_ROOT

CARE_FILE = PROJECT_ROOT / "care.yml"
YEAR = timedelta(days=365)
LIFECYCLES = ("新客", "活跃", "沉睡", "流失", "未购买")


@dataclass(frozen=True)
class Tier:
    name: str
    spend: Decimal
    orders: int


@dataclass(frozen=True)
class CareRules:
    tiers: Tuple[Tier, ...]  # highest first
    new_days: int = 30
    dormant_cycles: float = 2
    lost_days: int = 365
    default_cycle_days: float = 60


@dataclass(frozen=True)
class Purchase:
    at: datetime
    amount: Decimal


@dataclass
class Profile:
    customer_id: int
    tier: str
    lifecycle: str
    recency_days: Optional[int]
    frequency: int
    monetary: Decimal
    rfm: Tuple[int, int, int] = (0, 0, 0)
    at_risk: bool = False
    last_purchase: Optional[datetime] = None


def load_rules(path: Path = CARE_FILE) -> CareRules:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    tiers = []
    for name, rule in (data.get("tiers") or {}).items():
        spend, orders = rule.get("spend"), rule.get("orders")
        if not isinstance(spend, (int, float)) or not isinstance(orders, int) or spend < 0 or orders < 0:
            raise ValueError(f"care.yml tiers.{name}: spend 和 orders 应为非负数，实际是 {rule!r}")
        tiers.append(Tier(str(name), Decimal(str(spend)), orders))
    if not tiers:
        raise ValueError("care.yml 需要至少一个 tiers 等级")
    life = data.get("lifecycle") or {}
    tiers.sort(key=lambda t: (t.spend, t.orders), reverse=True)
    return CareRules(tuple(tiers), **{k: life[k] for k in ("new_days", "dormant_cycles", "lost_days", "default_cycle_days") if k in life})


def tier_of(purchases: Sequence[Purchase], now: datetime, rules: CareRules) -> str:
    recent = [p for p in purchases if now - p.at <= YEAR]
    spend, count = sum((p.amount for p in recent), Decimal("0")), len(recent)
    for tier in rules.tiers[:-1]:  # the last tier is everyone else
        if (tier.spend and spend >= tier.spend) or (tier.orders and count >= tier.orders):
            return tier.name
    return rules.tiers[-1].name


def average_cycle_days(histories: Sequence[Sequence[Purchase]], default: float) -> float:
    """The shop's mean days between a buyer's consecutive purchases (the default until there are repeats)."""
    gaps = []
    for purchases in histories:
        times = sorted(p.at for p in purchases)
        gaps += [(b - a).total_seconds() / 86400 for a, b in zip(times, times[1:])]
    return statistics.mean(gaps) if len(gaps) >= 5 else default


def lifecycle_of(purchases: Sequence[Purchase], now: datetime, cycle_days: float, rules: CareRules) -> str:
    if not purchases:
        return "未购买"
    times = sorted(p.at for p in purchases)
    since_last = now - times[-1]
    if since_last > timedelta(days=rules.lost_days):
        return "流失"
    if now - times[0] <= timedelta(days=rules.new_days):
        return "新客"
    if since_last > timedelta(days=cycle_days * rules.dormant_cycles):
        return "沉睡"
    return "活跃"


def quintile_scores(values: Sequence[float], higher_is_better: bool = True) -> List[int]:
    """1–5 by quintile among ``values`` (ties share a score)."""
    ordered, n = sorted(values), len(values)
    scores = []
    for value in values:
        # how many buyers this one is at least as good as, themselves included
        rank = bisect.bisect_right(ordered, value) if higher_is_better else n - bisect.bisect_left(ordered, value)
        scores.append(max(1, math.ceil(5 * rank / n)))
    return scores


def profiles(
    histories: Dict[int, Sequence[Purchase]], at_risk: Dict[int, bool], now: datetime, rules: CareRules
) -> List[Profile]:
    """Every buyer's tier, lifecycle, RFM scores and risk, as of ``now``."""
    cycle = average_cycle_days(list(histories.values()), rules.default_cycle_days)
    result = []
    for customer_id, purchases in histories.items():
        recent = [p for p in purchases if now - p.at <= YEAR]
        last = max((p.at for p in purchases), default=None)
        result.append(
            Profile(
                customer_id=customer_id,
                tier=tier_of(purchases, now, rules),
                lifecycle=lifecycle_of(purchases, now, cycle, rules),
                recency_days=(now - last).days if last else None,
                frequency=len(recent),
                monetary=sum((p.amount for p in recent), Decimal("0")),
                at_risk=at_risk.get(customer_id, False),
                last_purchase=last,
            )
        )
    buyers = [p for p in result if p.recency_days is not None]
    r = quintile_scores([p.recency_days for p in buyers], higher_is_better=False)
    f = quintile_scores([p.frequency for p in buyers])
    m = quintile_scores([float(p.monetary) for p in buyers])
    for profile, scores in zip(buyers, zip(r, f, m)):
        profile.rfm = scores
    return result


@dataclass
class SegmentSizes:
    tiers: Dict[str, int] = field(default_factory=dict)
    lifecycles: Dict[str, int] = field(default_factory=dict)
    at_risk: int = 0


def sizes(found: Sequence[Profile]) -> SegmentSizes:
    result = SegmentSizes()
    for profile in found:
        result.tiers[profile.tier] = result.tiers.get(profile.tier, 0) + 1
        result.lifecycles[profile.lifecycle] = result.lifecycles.get(profile.lifecycle, 0) + 1
        result.at_risk += profile.at_risk
    return result
