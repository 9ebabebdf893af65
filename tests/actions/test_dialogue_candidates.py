"""Importing chat logs into candidates on real SQLite and PostgreSQL: labels kept, the rest pre-labelled,
duplicates skipped (in the file, among earlier imports, in the training data), provenance kept."""

from __future__ import annotations

from pathlib import Path

from bot.crm.db import session_factory
from bot.training.candidates import CandidateStore, import_dialogues
from tests.conftest import AS_OF

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def labeller(text: str) -> tuple:
    """A stand-in for the model: unsure about everything but shipping questions."""
    return ("urge_shipment", 0.93) if "发货" in text else ("ask_product", 0.41)


def test_import_keeps_labels_prelabels_the_rest_and_skips_duplicates(seeded_db_url: str) -> None:
    store = CandidateStore(session_factory(seeded_db_url))
    report = import_dialogues(FIXTURES / "dialogues_good.jsonl", labeller, AS_OF, store)
    assert (report.rows, report.buyer_messages, report.imported_labelled, report.imported_prelabelled) == (6, 5, 2, 1)
    assert report.duplicates == 2 and report.problems == []  # the cup twice, and 好的谢谢 is already trained on
    review = store.for_review()
    assert [(c.text, c.intent, c.label_source) for c in review[:1]] == [("我买的那双鞋子到现在还没发货，能快点吗", "urge_shipment", "model")]
    labelled = {c.text: c for c in review}
    assert labelled["收到的杯子裂了一道缝"].intent == "report_damaged"
    assert labelled["收到的杯子裂了一道缝"].provenance == {"file": "dialogues_good.jsonl", "line": 4, "conversation_id": "c2"}

    again = import_dialogues(FIXTURES / "dialogues_good.jsonl", labeller, AS_OF, store)
    assert again.imported == 0 and again.duplicates == 5  # a second import of the same file adds nothing


def test_the_least_certain_come_first(seeded_db_url: str, tmp_path: Path) -> None:
    store = CandidateStore(session_factory(seeded_db_url))
    path = tmp_path / "more.csv"
    path.write_text("conversation_id,role,text\nx,buyer,什么时候发货啊急用\nx,buyer,这款保温杯能装开水吗\n", encoding="utf-8")
    import_dialogues(path, labeller, AS_OF, store)
    texts = [c.text for c in store.for_review() if c.provenance["file"] == "more.csv"]
    assert texts == ["这款保温杯能装开水吗", "什么时候发货啊急用"]  # 0.41 before 0.93


def test_review_accepts_corrects_and_rejects_once(seeded_db_url: str, tmp_path: Path) -> None:
    import pytest

    from bot.training.candidates import ReviewError, domain_intents

    store = CandidateStore(session_factory(seeded_db_url))
    path = tmp_path / "review.csv"
    path.write_text("conversation_id,role,text\nr,buyer,包裹显示签收了但我没收到\nr,buyer,能开个发票吗公司报销\nr,buyer,哈哈哈哈哈\n", encoding="utf-8")
    import_dialogues(path, labeller, AS_OF, store)
    ids = {c.text: c.id for c in store.for_review() if c.provenance["file"] == "review.csv"}
    intents = domain_intents()
    assert store.review(ids["能开个发票吗公司报销"], "ask_product", True, "xiaomei", AS_OF, intents) == "已采纳"
    assert store.review(ids["包裹显示签收了但我没收到"], "query_logistics", True, "xiaomei", AS_OF, intents) == "已修改"
    assert store.review(ids["哈哈哈哈哈"], None, False, "xiaomei", AS_OF, intents) == "已拒绝"
    with pytest.raises(ReviewError, match="已"):
        store.review(ids["哈哈哈哈哈"], "greet", True, "xiaomei", AS_OF, intents)
    with pytest.raises(ReviewError, match="未知的意图"):
        store.add_reviewed("随便说一句话", "book_flight", {}, "xiaomei", AS_OF, intents)
    assert store.add_reviewed("我那件衣服能不能换成大一号的", "request_exchange", {"file": "console"}, "xiaomei", AS_OF, intents)
    assert not store.add_reviewed("我那件衣服能不能换成大一号的", "request_exchange", {}, "xiaomei", AS_OF, intents)


def test_accepted_examples_are_merged_and_held_out_ones_never(seeded_db_url: str, tmp_path: Path) -> None:
    import yaml

    from bot.crm.models import NluCandidate
    from bot.training.candidates import domain_intents
    from bot.training.evaluate import HELDOUT, load_examples
    from bot.training.pipeline import merge_reviewed

    store = CandidateStore(session_factory(seeded_db_url))
    heldout_text, heldout_intent = load_examples(HELDOUT)[0]
    intents = domain_intents()
    store.add_reviewed("我那双鞋能换成四十一码的吗", "request_exchange", {}, "xiaomei", AS_OF, intents)
    with store.sessions.begin() as session:  # a held-out sentence that slipped into a chat log and was accepted
        session.add(NluCandidate(text=heldout_text, intent=heldout_intent, label_source="file", status="已采纳",
                                 provenance={}, imported_at=AS_OF))
    target = tmp_path / "reviewed.yml"
    count = merge_reviewed(store, target)
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    merged = {line[2:] for block in data["nlu"] for line in block["examples"].splitlines()}
    assert "我那双鞋能换成四十一码的吗" in merged and heldout_text not in merged and count == len(merged)
