"""Buyers' phone numbers typed into the chat do not stay forever (issue 15, finding 9): the retention job, from the
command line, on a copy of the running stack's own conversations and CRM aged past the retention period."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.settings import PROJECT_ROOT
from tests.integration.conftest import RunningBot

AGE = 200 * 24 * 3600  # seconds: older than the policy's 180 days


def aged_copy(source: Path, target: Path, statements: list) -> None:
    """A consistent copy of a live SQLite database (its WAL included), with the given ageing applied."""
    with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
        live.backup(copy)
        for statement in statements:
            copy.execute(statement)
        copy.commit()


def prune(crm: Path, tracker: Path, *flags: str) -> str:
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{crm}", TRACKER_DB=str(tracker))
    env.pop("TRACKER_STORE_URL", None)
    done = subprocess.run([sys.executable, "-m", "bot", "privacy", "prune", *flags], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def typed_phones(tracker: Path) -> int:
    with sqlite3.connect(tracker) as connection:
        return sum("13800000005" in (data or "") for (data,) in connection.execute("SELECT data FROM events"))


def test_a_dry_run_changes_nothing_and_a_real_run_redacts_old_conversations(running_bot: RunningBot, tmp_path: Path) -> None:
    sender = "guest_retention_1"
    running_bot.texts(sender, "帮我查一下订单")
    running_bot.texts(sender, "13800000005")  # a phone typed to be verified
    crm, tracker = tmp_path / "crm.db", tmp_path / "tracker.db"
    aged_copy(running_bot.workdir / "tracker.db", tracker, [f"UPDATE events SET timestamp = timestamp - {AGE}"])
    aged_copy(Path(running_bot.database_url.removeprefix("sqlite:///")), crm,
              ["UPDATE webhook_messages SET received_at = datetime(received_at, '-200 days')"])
    assert typed_phones(tracker) > 0

    dry = prune(crm, tracker, "--dry-run")
    assert "演练" in dry and typed_phones(tracker) > 0
    counted = int(dry.split("对话事件（消息文字、识别出的实体、槽位值）：")[1].split()[0])
    assert counted > 0

    done = prune(crm, tracker)
    assert f"对话事件（消息文字、识别出的实体、槽位值）：{counted}" in done
    assert typed_phones(tracker) == 0
    with sqlite3.connect(crm) as connection:
        texts = [t for (t,) in connection.execute("SELECT text FROM webhook_messages WHERE sender_id = ?", (sender,))]
        assert texts and set(texts) == {"[已删除]"}
        assert connection.execute("SELECT count(*) FROM orders").fetchone()[0] > 0  # the CRM keeps its records
    with sqlite3.connect(tracker) as connection:
        kinds = [json.loads(d)["event"] for (d,) in connection.execute(
            "SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,))]
    assert "user" in kinds and "bot" in kinds  # the conversation's shape stays
