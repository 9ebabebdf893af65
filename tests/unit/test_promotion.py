"""Promotion only when the new model is not worse: the decision on held-out metrics."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.training.promotion import Metrics, PromotionRule, QualityFloor, below_floor, decide, load_floor, load_rule

CORE = ["greet", "request_return", "complain"]
CURRENT = Metrics(0.95, 0.95, {"greet": 0.98, "request_return": 0.90, "complain": 0.92})
RULE = PromotionRule(macro_f1_tolerance=0.01, core_intent_max_drop=0.05)


def test_nothing_in_service_means_promote() -> None:
    assert decide(CURRENT, None, RULE, CORE).promote


def test_slightly_worse_within_tolerance_is_promoted() -> None:
    new = Metrics(0.945, 0.94, {"greet": 0.97, "request_return": 0.88, "complain": 0.93})
    verdict = decide(new, CURRENT, RULE, CORE)
    assert verdict.promote and "0.945" in verdict.reasons[0]


def test_worse_beyond_tolerance_is_refused_with_the_figures() -> None:
    verdict = decide(Metrics(0.93, 0.93, CURRENT.f1), CURRENT, RULE, CORE)
    assert not verdict.promote and "0.930" in verdict.reasons[0] and "0.950" in verdict.reasons[0]


def test_one_core_intent_falling_too_far_is_refused_even_if_the_average_holds() -> None:
    new = Metrics(0.96, 0.96, {"greet": 0.99, "request_return": 0.80, "complain": 0.95})
    verdict = decide(new, CURRENT, RULE, CORE)
    assert not verdict.promote and verdict.reasons == [
        "核心意图 request_return 的 F1 从 0.900 降到 0.800（允许最多降 0.050）"
    ]


def test_a_core_intent_missing_from_the_new_model_counts_as_zero() -> None:
    new = Metrics(0.95, 0.95, {"greet": 0.98, "complain": 0.92})
    assert not decide(new, CURRENT, RULE, CORE).promote


def test_the_rule_is_read_from_training_yml_and_checked(tmp_path: Path) -> None:
    rule = load_rule()
    assert (rule.macro_f1_tolerance, rule.core_intent_max_drop) == (0.01, 0.05)
    assert len(rule.core_intents) == 26 and "complain" in rule.core_intents
    bad = tmp_path / "training.yml"
    bad.write_text("promotion:\n  macro_f1_tolerance: lots\n", encoding="utf-8")
    with pytest.raises(ValueError, match="macro_f1_tolerance"):
        load_rule(bad)


FLOOR = QualityFloor(macro_f1=0.93, accuracy=0.93, core_intent_f1=0.8)


def test_a_model_above_every_floor_passes() -> None:
    assert below_floor(CURRENT, FLOOR, CORE) == []


def test_each_figure_below_its_floor_is_named() -> None:
    weak = Metrics(0.92, 0.91, {"greet": 0.98, "request_return": 0.70})  # complain missing: counts as 0
    assert below_floor(weak, FLOOR, CORE) == [
        "macro-F1 0.920 低于底线 0.930",
        "准确率 0.910 低于底线 0.930",
        "核心意图 complain 的 F1 0.000 低于底线 0.800",
        "核心意图 request_return 的 F1 0.700 低于底线 0.800",
    ]


def test_the_floor_in_training_yml_is_read_and_checked(tmp_path: Path) -> None:
    floor = load_floor()
    assert 0.5 < floor.macro_f1 <= 1 and 0 < floor.core_intent_f1 <= floor.macro_f1
    bad = tmp_path / "training.yml"
    bad.write_text("floors:\n  macro_f1: 93\n", encoding="utf-8")
    with pytest.raises(ValueError, match="floors.macro_f1"):
        load_floor(bad)
