"""The command line: help, idempotent set-up, and refusals with a clear message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_help_lists_every_command() -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "--help"], cwd=ROOT, capture_output=True, text=True, check=True)
    for command in ("init-db", "reset-db", "seed-demo", "export-lexicon", "check-policy", "train", "serve", "chat"):
        assert command in result.stdout


def test_init_and_seed_are_repeatable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    assert main(["--database-url", url, "init-db"]) == 0
    assert main(["--database-url", url, "init-db"]) == 0
    assert main(["--database-url", url, "seed-demo", "--if-empty", "--customers", "20", "--orders", "60"]) == 0
    assert main(["--database-url", url, "seed-demo", "--if-empty"]) == 0
    assert "跳过" in capsys.readouterr().out
    assert main(["--database-url", url, "seed-demo"]) == 1  # not on a filled database
    assert "已经有顾客数据" in capsys.readouterr().err


def test_reset_needs_confirmation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    assert main(["--database-url", url, "reset-db"]) == 2
    assert "--yes" in capsys.readouterr().err


def test_unreachable_database_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql://postgres@127.0.0.1:5432/xiaoer_database_that_does_not_exist"
    assert main(["--database-url", url, "init-db"]) == 1
    err = capsys.readouterr().err
    assert "无法连接" in err and "xiaoer_database_that_does_not_exist" in err


def test_check_policy_shows_the_rules_or_names_the_bad_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-policy"]) == 0
    assert "无理由退货 7 天" in capsys.readouterr().out
    bad = tmp_path / "policy.yml"
    bad.write_text(
        (ROOT / "shop_policy.yml").read_text(encoding="utf-8").replace("report_within_hours: 48", "report_within_hours: 两天")
    )
    assert main(["check-policy", "--file", str(bad)]) == 1
    assert "damaged_in_transit.report_within_hours" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flags", "merge", "reload"),
    [([], True, True), (["--no-merge", "--no-reload"], False, False)],
)
def test_train_for_tests_neither_merges_crm_examples_nor_reloads_a_running_server(
    flags: list, merge: bool, reload: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """make test trains with both off: its result depends on the repository alone and leaves `make run`'s bot be."""
    from bot.training import pipeline
    from bot.training.evaluate import Evaluation

    calls = []

    def fake_train(now, force=False, reload=True, merge=True):  # type: ignore[no-untyped-def]
        calls.append((merge, reload))
        return pipeline.TrainingOutcome("20261130-120000", Evaluation(0.95, 0.95, {}, [], []), True, ["还没有在用的模型"], 0)

    monkeypatch.setattr(pipeline, "train_and_promote", fake_train)
    monkeypatch.setenv("MODELS_DIR", str(tmp_path / "models"))
    assert main(["--database-url", f"sqlite:///{tmp_path / 'crm.db'}", "train", *flags]) == 0
    assert calls == [(merge, reload)]
    assert str(tmp_path / "models" / "registry" / "20261130-120000") in capsys.readouterr().out


def test_staff_can_be_disabled_enabled_and_reset_from_the_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from bot import clock
    from bot.crm.db import session_factory
    from bot.staff.accounts import StaffAccounts

    url = f"sqlite:///{tmp_path / 'crm.db'}"
    monkeypatch.setenv("STAFF_PASSWORD", "first-password")
    assert main(["--database-url", url, "staff", "add", "leaver"]) == 0
    accounts = StaffAccounts(session_factory(url))
    token = accounts.issue_token("leaver", "cli test", clock.now())
    assert main(["--database-url", url, "staff", "disable", "leaver"]) == 0
    assert "结束了 1 个登录和令牌" in capsys.readouterr().out
    assert accounts.by_token(token, clock.now()) is None and accounts.check_password("leaver", "first-password") is None
    assert main(["--database-url", url, "staff", "enable", "leaver"]) == 0
    monkeypatch.setenv("STAFF_PASSWORD", "second-password")
    assert main(["--database-url", url, "staff", "reset-password", "leaver"]) == 0
    assert accounts.check_password("leaver", "second-password") is not None
    assert accounts.check_password("leaver", "first-password") is None
    assert main(["--database-url", url, "staff", "disable", "nobody"]) == 1
