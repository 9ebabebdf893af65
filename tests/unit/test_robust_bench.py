"""bench.robust's pure parts: the seeded config, which sentences count as near the fallback, the story reader."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bench.robust import Reading, Sentence, Thresholds, Variant, seeded_config, story_sentences

LIMITS = Thresholds(fallback=0.45, ambiguity=0.05)


def test_a_seeded_config_changes_the_seed_and_nothing_else(tmp_path: Path) -> None:
    from bot.settings import PROJECT_ROOT

    original = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    seeded = yaml.safe_load(seeded_config(7, tmp_path).read_text(encoding="utf-8"))
    classifier = "bot.nlu.linear_classifier.LinearIntentClassifier"
    (seeded_classifier,) = [c for c in seeded["pipeline"] if c["name"] == classifier]
    assert seeded_classifier["random_seed"] == 7
    seeded_classifier["random_seed"] = next(c for c in original["pipeline"] if c["name"] == classifier)["random_seed"]
    assert seeded == original


def test_a_variant_sets_every_thread_variable() -> None:
    environment = Variant(seed=7, threads=1).environment()
    assert environment["OMP_NUM_THREADS"] == "1" and environment["TF_INTRA_OP_PARALLELISM_THREADS"] == "1"
    assert Variant(7, 2).name == "seed7-threads2"


def sentence(text: str, *readings: Reading, expected: str = "query_logistics") -> Sentence:
    return Sentence(text, expected, "test", {f"v{i}": r for i, r in enumerate(readings)})


@pytest.mark.parametrize(
    ("reading", "near"),
    [
        (Reading("query_logistics", "query_logistics", 0.93, 0.90), False),
        (Reading("query_logistics", "query_logistics", 0.54, 0.40), True),  # within 0.1 of the 0.45 threshold
        (Reading("query_logistics", "query_logistics", 0.80, 0.14), True),  # lead within 0.1 of the 0.05 ambiguity
        (Reading("nlu_fallback", "query_logistics", 0.40, 0.30), True),
    ],
)
def test_near_the_fallback_on_any_variant(reading: Reading, near: bool) -> None:
    wide = Reading("query_logistics", "query_logistics", 0.99, 0.98)
    assert sentence("我的快递到哪了", wide, reading).near_fallback(LIMITS) is near


def test_a_sentence_settled_by_a_rule_is_never_near_the_fallback() -> None:
    ruled = sentence("应该是6172839405162738这个", Reading("inform", "inform", 1.0, 0.01), expected="inform")
    assert ruled.by_rule and not ruled.near_fallback(LIMITS)


def test_read_differently_by_the_variants_or_not_as_the_story_says() -> None:
    right = Reading("query_logistics", "query_logistics", 0.9, 0.8)
    wrong = Reading("query_order", "query_order", 0.9, 0.8)
    assert not sentence("包裹到哪了", right, right).read_differently()
    assert sentence("包裹到哪了", right, wrong).read_differently()
    assert sentence("包裹到哪了", wrong, wrong).read_differently()
    assert not sentence("包裹到哪了", wrong, wrong, expected=None).read_differently()  # a conversation's message


def test_story_sentences_drop_entity_markup_and_keep_the_expected_intent(tmp_path: Path) -> None:
    stories = tmp_path / "stories.yml"
    stories.write_text(
        'version: "3.1"\nstories:\n- story: s\n  steps:\n  - user: |\n      订单号[3850274619384756](order_id)\n'
        "    intent: inform\n  - action: order_form\n  - intent: deny\n",
        encoding="utf-8",
    )
    (found,) = story_sentences([stories])
    assert (found.text, found.expected) == ("订单号3850274619384756", "inform")


def test_literal_messages_are_found_where_each_helper_takes_its_text(tmp_path: Path) -> None:
    from bench.robust import literal_messages

    (tmp_path / "test_talk.py").write_text(
        'def test_x(bot):\n'
        '    bot.texts("tb_xiaoyu", "我买的羽绒服到哪了")\n'
        '    say(bot, "tb_wangjun", "鼠标怎么还不发货")\n'
        '    bot.message("tb_chenmei", "第二个", "id-1")\n'
        '    bot.texts("tb_xiaoyu", f"撤销{rma}")\n'  # not a literal: left out
        '    bot.send("tb_zhaolei", "我的订单到哪了")\n',
        encoding="utf-8",
    )
    found = literal_messages([tmp_path], known={"我的订单到哪了"})
    assert [s.text for s in found] == ["我买的羽绒服到哪了", "鼠标怎么还不发货", "第二个"]
