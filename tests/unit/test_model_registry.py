"""The model registry: every model kept with its facts; serving, refusing and rolling back."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from bot.training.registry import SERVED_NAME, ModelRegistry, data_hash


def model(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / f"trained-{len(content)}.tar.gz"
    path.write_bytes(content)
    return path


def test_models_are_kept_served_refused_and_rolled_back(tmp_path: Path) -> None:
    registry = ModelRegistry(tmp_path / "models")
    first = registry.add(model(tmp_path, b"first"), "hash-a", {"macro_f1": 0.95}, datetime(2026, 11, 25, 20, 0))
    registry.serve(first.id, ["还没有在用的模型"])
    assert (tmp_path / "models" / SERVED_NAME).read_bytes() == b"first"
    second = registry.add(model(tmp_path, b"second!"), "hash-b", {"macro_f1": 0.90}, datetime(2026, 11, 25, 21, 0))
    registry.refuse(second.id, ["macro-F1 低了"])
    assert registry.in_service().id == first.id
    assert [(e.id, e.promoted, e.in_service, e.reasons) for e in registry.entries()] == [
        ("20261125-200000", True, True, ["还没有在用的模型"]),
        ("20261125-210000", False, False, ["macro-F1 低了"]),
    ]
    registry.serve(second.id, ["手动回滚"])  # an operator's choice, recorded
    assert (tmp_path / "models" / SERVED_NAME).read_bytes() == b"second!" and registry.in_service().id == second.id
    with pytest.raises(KeyError):
        registry.serve("nope", [])


def test_the_data_hash_changes_with_the_training_data(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "nlu.yml").write_text("a", encoding="utf-8")
    for name in ("domain.yml", "config.yml"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    before = data_hash(tmp_path)
    assert data_hash(tmp_path) == before
    (tmp_path / "data" / "nlu.yml").write_text("b", encoding="utf-8")
    assert data_hash(tmp_path) != before


def test_the_models_command_lists_and_rolls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from bot.cli import main
    from bot.runtime.launch import free_port

    monkeypatch.setenv("MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("RASA_URL", f"http://127.0.0.1:{free_port()}")  # no server there
    registry = ModelRegistry(tmp_path / "models")
    old = registry.add(model(tmp_path, b"old"), "hash-a", {"macro_f1": 0.951}, datetime(2026, 11, 20, 9, 0))
    registry.serve(old.id, ["还没有在用的模型"])
    new = registry.add(model(tmp_path, b"newer"), "hash-b", {"macro_f1": 0.962}, datetime(2026, 11, 25, 9, 0))
    registry.serve(new.id, ["macro-F1 0.962"])
    assert main(["models"]) == 0
    listing = capsys.readouterr().out
    assert "● 在用  20261125-090000  macro-F1 0.962" in listing and "已上线过  20261120-090000" in listing
    assert main(["models", "rollback", old.id]) == 0
    assert "没有运行中的 Rasa 服务器" in capsys.readouterr().out
    assert (tmp_path / "models" / SERVED_NAME).read_bytes() == b"old"
    assert main(["models", "rollback", "19990101-000000"]) == 1
