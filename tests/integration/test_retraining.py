"""Retraining for real, small: a run is promoted, a run on deliberately damaged labels is refused with the
reason, a rollback puts the earlier model back, and a running server loads a model without dropping the
conversation in progress."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from bot.crm import schema
from bot.crm.db import session_factory
from bot.settings import PROJECT_ROOT
from bot.training.candidates import CandidateStore
from bot.training.pipeline import train_and_promote
from bot.training.registry import SERVED_NAME, ModelRegistry
from tests.integration.conftest import RunningBot, said

NOW = datetime(2026, 11, 25, 20, 0)


def small_config(folder: Path) -> Path:
    """The project's pipeline as it is (the linear intent classifier trains in well under a minute)."""
    text = (PROJECT_ROOT / "config.yml").read_text(encoding="utf-8")
    path = folder / "config.yml"
    path.write_text(text, encoding="utf-8")
    return path


def copy_data(folder: Path, damage: bool = False) -> Path:
    target = folder / "data"
    shutil.copytree(PROJECT_ROOT / "data", target)
    if damage:  # every block of examples labelled as the next block's intent
        for path in (target / "nlu").glob("*.yml"):
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            blocks = [b for b in data.get("nlu", []) if "intent" in b]
            intents = [b["intent"] for b in blocks]
            for block, wrong in zip(blocks, intents[1:] + intents[:1]):
                block["intent"] = wrong
            path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> CandidateStore:
    url = f"sqlite:///{tmp_path_factory.mktemp('crm') / 'crm.db'}"
    schema.upgrade(url)
    return CandidateStore(session_factory(url))


def test_promoted_refused_and_rolled_back(tmp_path: Path, store: CandidateStore) -> None:
    registry = ModelRegistry(tmp_path / "models")
    config = small_config(tmp_path)
    quiet = lambda message: None  # noqa: E731
    good = train_and_promote(NOW, quiet, store, config=config, data=copy_data(tmp_path / "good"), registry=registry, reload=False)
    assert good.promoted and registry.in_service().id == good.entry_id and good.evaluation.macro_f1 > 0.7
    assert (registry.folder / good.entry_id / "confusion.png").exists()
    served = (tmp_path / "models" / SERVED_NAME).read_bytes()

    bad = train_and_promote(
        NOW + timedelta(minutes=5), quiet, store, config=config, data=copy_data(tmp_path / "bad", damage=True),
        registry=registry, reload=False,
    )
    assert not bad.promoted and bad.evaluation.macro_f1 < good.evaluation.macro_f1
    assert any("macro-F1" in reason for reason in bad.reasons) and any("核心意图" in reason for reason in bad.reasons)
    assert (tmp_path / "models" / SERVED_NAME).read_bytes() == served and registry.in_service().id == good.entry_id

    registry.serve(bad.entry_id, ["手动上线（测试）"])
    registry.serve(good.entry_id, [f"回滚到 {good.entry_id}"])
    assert (tmp_path / "models" / SERVED_NAME).read_bytes() == served


def test_a_running_server_loads_a_model_mid_conversation(
    running_bot: RunningBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.training.models_cli import reload_running_server
    from bot.training.train import latest_model

    monkeypatch.setenv("RASA_URL", running_bot.url)
    monkeypatch.setenv("RASA_TOKEN", running_bot.rasa_token)
    status, which, _ = running_bot.message("tb_chenmei", "我的羽绒服订单什么情况", "reload-1")
    assert status == 200 and "哪" in which["replies"][0]["text"]
    copy = tmp_path / "promoted.tar.gz"
    shutil.copyfile(latest_model(), copy)
    assert "已加载" in reload_running_server(copy)
    status, answer, _ = running_bot.message("tb_chenmei", "第二个", "reload-2")
    text = "\n".join(r["text"] for r in answer["replies"])
    assert status == 200 and not said(text, "utter_technical_difficulty") and not said(text, "utter_ask_rephrase")
