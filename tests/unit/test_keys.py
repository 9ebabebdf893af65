"""The stack's keys: from the environment, else generated once into var/, owner-only; var/'s private files 0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from bot.runtime.keys import RASA_TOKEN, WEBHOOK_SECRET, key_value, keys_env, tighten


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_key_is_generated_once_owner_only_and_then_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RASA_TOKEN.env, raising=False)
    first = key_value(RASA_TOKEN, tmp_path)
    assert len(first) >= 40 and key_value(RASA_TOKEN, tmp_path) == first
    assert mode(tmp_path / RASA_TOKEN.file) == 0o600


def test_the_environment_wins_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WEBHOOK_SECRET.env, "from-the-environment")
    assert key_value(WEBHOOK_SECRET, tmp_path) == "from-the-environment"
    assert not (tmp_path / WEBHOOK_SECRET.file).exists()


def test_every_key_differs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SHOP_WEBHOOK_SECRET", "RASA_TOKEN", "ACTION_SERVER_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert len(set(keys_env(tmp_path).values())) == 3


def test_private_files_in_var_become_owner_only(tmp_path: Path) -> None:
    for name in ("crm.db", "tracker.db-wal", "endpoints.yml", "webhook_secret", "results.txt"):
        (tmp_path / name).write_text("x")
        os.chmod(tmp_path / name, 0o644)
    changed = {p.name for p in tighten(tmp_path)}
    assert changed == {"crm.db", "tracker.db-wal", "endpoints.yml", "webhook_secret"}
    assert mode(tmp_path / "crm.db") == 0o600 and mode(tmp_path / "results.txt") == 0o644


def test_python_m_bot_writes_owner_only_files(tmp_path: Path) -> None:
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'crm.db'}"
    subprocess.run([sys.executable, "-m", "bot", "--database-url", url, "init-db"], check=True, capture_output=True,
                   cwd=Path(__file__).resolve().parents[2])
    assert mode(tmp_path / "crm.db") == 0o600
