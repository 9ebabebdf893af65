"""Reading chat logs: every bad row named by its line, the good ones kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.training.candidates import domain_intents, training_texts
from bot.training.importer import ImportFileError, normalise, read_dialogues

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_a_csv_with_bad_rows_reports_each_by_line() -> None:
    result = read_dialogues(FIXTURES / "dialogues_bad.csv", domain_intents())
    problems = {p.line: p.message for p in result.problems}
    assert set(problems) == {3, 4, 5, 6, 7}
    assert "conversation_id" in problems[3]
    assert "role" in problems[4]
    assert "text 为空" in problems[5]
    assert "book_flight" in problems[6]
    assert "只有买家" in problems[7]
    assert [(r.line, r.text, r.intent) for r in result.rows] == [(2, "运费险怎么赔的呀", "ask_policy"), (8, "这个外套有黑色L码吗", None)]


def test_jsonl_roles_in_chinese_and_broken_lines(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text('{"conversation_id": "a", "role": "买家", "text": "在吗"}\n\n{broken\n[1]\n', encoding="utf-8")
    result = read_dialogues(path, domain_intents())
    assert [r.role for r in result.rows] == ["buyer"]
    assert [p.line for p in result.problems] == [3, 4] and "JSON" in result.problems[0].message


@pytest.mark.parametrize("name", ["missing.jsonl", "log.txt"])
def test_a_file_that_cannot_be_read_is_an_error(tmp_path: Path, name: str) -> None:
    if name.endswith(".txt"):
        (tmp_path / name).write_text("hello", encoding="utf-8")
    with pytest.raises(ImportFileError):
        read_dialogues(tmp_path / name, domain_intents())


def test_texts_compare_normalised_and_the_training_data_is_known() -> None:
    assert normalise("  在吗　 在吗 ") == "在吗 在吗"
    assert "好的谢谢" in training_texts()
