"""Whether a newly trained model may replace the one in service, and whether it is good enough at all:
pure decisions on held-out metrics.

The promotion rule (``training.yml``): the new model's macro-F1 is not worse
than the current one's beyond a tolerance, and no core intent's F1 falls by
more than a set amount. Every reason for refusing is named, so the trainer says why.

The quality floor (``training.yml``, ``floors``): the figures below which
``make test`` fails. They guard NLU quality statistically, over hundreds of
held-out sentences, instead of through single sentences in test stories whose
reading drifts from one training run (and CPU) to the next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional

import yaml

from bot.settings import PROJECT_ROOT

TRAINING_CONFIG = PROJECT_ROOT / "training.yml"


@dataclass(frozen=True)
class Metrics:
    macro_f1: float
    accuracy: float
    f1: Dict[str, float]  # per intent


@dataclass(frozen=True)
class PromotionRule:
    macro_f1_tolerance: float = 0.01
    core_intent_max_drop: float = 0.05
    core_intents: tuple = ()


@dataclass(frozen=True)
class QualityFloor:
    macro_f1: float = 0.0
    accuracy: float = 0.0
    core_intent_f1: float = 0.0  # every core intent's F1


@dataclass
class Verdict:
    promote: bool
    reasons: List[str] = field(default_factory=list)


def _section(path: Path, name: str) -> dict:
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get(name) or {}


def _check_fractions(section: str, values: object, names: Iterable[str]) -> None:
    for name in names:
        value = getattr(values, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ValueError(f"training.yml {section}.{name}: 应为 0 到 1 之间的数，实际是 {value!r}")


def load_rule(path: Path = TRAINING_CONFIG) -> PromotionRule:
    """The promotion rule from ``training.yml``; a bad value is an error naming the field."""
    data = _section(path, "promotion")
    rule = PromotionRule(
        **{k: data[k] for k in ("macro_f1_tolerance", "core_intent_max_drop") if k in data},
        core_intents=tuple(data.get("core_intents") or ()),
    )
    _check_fractions("promotion", rule, ("macro_f1_tolerance", "core_intent_max_drop"))
    return rule


def load_floor(path: Path = TRAINING_CONFIG) -> QualityFloor:
    """The quality floor from ``training.yml``; a bad value is an error naming the field."""
    data = _section(path, "floors")
    floor = QualityFloor(**{k: data[k] for k in ("macro_f1", "accuracy", "core_intent_f1") if k in data})
    _check_fractions("floors", floor, ("macro_f1", "accuracy", "core_intent_f1"))
    return floor


def below_floor(metrics: Metrics, floor: QualityFloor, core_intents: Iterable[str]) -> List[str]:
    """Every way ``metrics`` falls below ``floor``, in words (empty: good enough)."""
    reasons = []
    if metrics.macro_f1 < floor.macro_f1:
        reasons.append(f"macro-F1 {metrics.macro_f1:.3f} 低于底线 {floor.macro_f1:.3f}")
    if metrics.accuracy < floor.accuracy:
        reasons.append(f"准确率 {metrics.accuracy:.3f} 低于底线 {floor.accuracy:.3f}")
    for intent in sorted(core_intents):
        f1 = metrics.f1.get(intent, 0.0)
        if f1 < floor.core_intent_f1:
            reasons.append(f"核心意图 {intent} 的 F1 {f1:.3f} 低于底线 {floor.core_intent_f1:.3f}")
    return reasons


def decide(new: Metrics, current: Optional[Metrics], rule: PromotionRule, core_intents: Iterable[str]) -> Verdict:
    """Promote ``new`` over ``current`` (None: nothing in service yet, so promote)?"""
    if current is None:
        return Verdict(True, ["还没有在用的模型"])
    reasons = []
    if new.macro_f1 < current.macro_f1 - rule.macro_f1_tolerance:
        reasons.append(
            f"macro-F1 {new.macro_f1:.3f} 比在用模型的 {current.macro_f1:.3f} 低了 "
            f"{current.macro_f1 - new.macro_f1:.3f}，超过容差 {rule.macro_f1_tolerance:.3f}"
        )
    for intent in sorted(core_intents):
        before, after = current.f1.get(intent), new.f1.get(intent, 0.0)
        if before is not None and before - after > rule.core_intent_max_drop:
            reasons.append(f"核心意图 {intent} 的 F1 从 {before:.3f} 降到 {after:.3f}（允许最多降 {rule.core_intent_max_drop:.3f}）")
    if reasons:
        return Verdict(False, reasons)
    return Verdict(True, [f"macro-F1 {new.macro_f1:.3f}（在用模型 {current.macro_f1:.3f}），核心意图都没有明显下降"])
