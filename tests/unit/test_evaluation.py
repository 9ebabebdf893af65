"""Scoring held-out predictions, and the report with its confusion-matrix picture."""

from __future__ import annotations

from pathlib import Path

from bot.training.evaluate import HELDOUT, load_examples, save_report, score


def test_scores_per_intent_and_the_worst_confusions() -> None:
    gold = ["greet", "greet", "thank", "thank", "complain"]
    predicted = ["greet", "thank", "thank", "thank", "thank"]
    texts = ["在吗", "亲在不在", "谢谢", "多谢", "太差了"]
    evaluation = score(gold, predicted, texts)
    assert evaluation.accuracy == 0.6 and evaluation.per_intent["greet"]["recall"] == 0.5
    assert evaluation.per_intent["complain"]["f1"] == 0.0
    assert evaluation.confusion == [[0, 0, 1], [0, 1, 1], [0, 0, 2]]  # labels: complain, greet, thank
    assert {(w["gold"], w["predicted"], w["count"]) for w in evaluation.worst} == {("complain", "thank", 1), ("greet", "thank", 1)}
    assert evaluation.metrics().f1["thank"] == evaluation.per_intent["thank"]["f1"]


def test_the_report_is_json_and_a_picture(tmp_path: Path) -> None:
    evaluation = score(["greet", "thank"], ["greet", "greet"], ["在吗", "谢谢"])
    report, picture = save_report(evaluation, tmp_path / "report")
    assert report.read_text(encoding="utf-8").startswith("{") and picture.read_bytes()[:4] == b"\x89PNG"


def test_the_heldout_sets_load_without_markup() -> None:
    examples = load_examples(HELDOUT)
    assert len(examples) > 700 and not any("](" in text for text, _ in examples)
