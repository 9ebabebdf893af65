"""`python -m bot import-dialogues` end to end: the real model pre-labels, bad rows are named, the CRM keeps candidates."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from bot.crm.db import session_scope
from bot.crm.models import NluCandidate
from bot.settings import PROJECT_ROOT

FIXTURES = PROJECT_ROOT / "tests" / "fixtures"


def run(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, SQLALCHEMY_SILENCE_UBER_WARNING="1", TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run(
        [sys.executable, "-m", "bot", "--database-url", database_url, "import-dialogues", *args],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )


def test_the_model_in_service_prelabels_and_the_report_counts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    done = run(url, str(FIXTURES / "dialogues_good.jsonl"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "新增候选 3 条（带标签 2，模型预标注 1），重复 2 条" in done.stdout
    with session_scope(url) as session:
        shoes = session.execute(select(NluCandidate).where(NluCandidate.label_source == "model")).scalar_one()
        assert shoes.intent in ("urge_shipment", "query_order") and 0 < float(shoes.confidence) <= 1
        assert shoes.provenance["line"] == 3


def test_bad_rows_are_named_and_the_good_ones_still_count(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    done = run(url, str(FIXTURES / "dialogues_bad.csv"), "--no-prelabel")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "有问题的行 5 行" in done.stdout and "第 6 行：未知的意图 book_flight" in done.stdout
    missing = run(url, str(tmp_path / "nothing.jsonl"), "--no-prelabel")
    assert missing.returncode == 1 and "找不到文件" in missing.stderr
