"""The complaint classifier: trained on data/complaints/train.yml, judged on a held-out set it never saw."""

from __future__ import annotations

from pathlib import Path

import pytest
from sklearn.metrics import accuracy_score

from bot.complaints.classifier import CATEGORIES, SEVERITIES, classify, is_upset, load_examples, signals_of

ROOT = Path(__file__).parents[2]
HELDOUT = ROOT / "tests" / "complaints" / "heldout.yml"
TRAIN = ROOT / "data" / "complaints" / "train.yml"


def test_the_heldout_set_is_never_trained_on() -> None:
    trained = {r["text"] for r in load_examples(TRAIN)}
    heldout = load_examples(HELDOUT)
    assert len(heldout) >= 100
    assert not trained & {r["text"] for r in heldout}
    assert {r["category"] for r in heldout} == set(CATEGORIES) and {r["severity"] for r in heldout} == set(SEVERITIES)


def test_accuracy_on_the_heldout_set_stays_above_the_floor() -> None:
    """A regression guard, well below the figures bench.complaints reports; a broken model falls far under it."""
    rows = load_examples(HELDOUT)
    predicted = [classify(r["text"]) for r in rows]
    assert accuracy_score([r["category"] for r in rows], [p.category for p in predicted]) >= 0.6
    assert accuracy_score([r["severity"] for r in rows], [p.severity for p in predicted]) >= 0.5


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("衣服洗了一次就开线了，质量太差", "商品质量"),
        ("客服半天不回消息，回了也很敷衍", "服务态度"),
        ("快递一个礼拜了还没到，物流也不更新", "物流配送"),
        ("退货寄回去十天了还没退款", "售后"),
    ],
)
def test_clear_cases_get_their_category(text: str, category: str) -> None:
    assert classify(text).category == category


def test_threats_and_repeats_raise_severity() -> None:
    assert classify("再不处理我就去12315投诉你们，骗子！！！").severity == "高"
    calm = classify("快递有点慢")
    assert calm.severity in ("低", "中")
    assert "repeat" in classify("快递有点慢", earlier_complaints=3).signals


def test_signals_are_explainable() -> None:
    found = signals_of("你们就是骗子！！！我要给差评，还要投诉到平台")
    assert found["threat"] == 1.0 and found["accusation"] == 1.0 and found["exclaim"] >= 1.0
    assert signals_of("本来想给好评的")["threat"] == 0.0


@pytest.mark.parametrize(
    "text, upset",
    [
        ("羽绒服发了快两天了还没到！！什么破快递啊 气死我了😤", True),
        ("鼠标付款三天了还不发货？？叫你们人工出来", True),
        ("坚果收到好几袋包装都破了 真的无语🙄", True),
        ("我买的羽绒服到哪了", False),
        ("跑鞋啥时候发呀？", False),
    ],
)
def test_an_upset_buyer_is_recognised_whatever_they_ask(text: str, upset: bool) -> None:
    assert is_upset(text) is upset
