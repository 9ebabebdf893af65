"""serve's supervisor: a child that dies is restarted with back-off while the others keep serving; on SIGTERM the
children stop Rasa first and the action server last."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from bot.runtime.supervisor import Supervisor, restart_delay, stop_order

ROOT = Path(__file__).resolve().parents[2]


def child(log: Path, name: str) -> list:
    """A stand-in server: notes its start and, on SIGTERM, its stop, in ``log``."""
    script = textwrap.dedent(f"""
        import signal, sys, time
        log = open({str(log)!r}, "a")
        log.write("start {name}\\n"); log.flush()
        def stop(*_):
            log.write("stop {name}\\n"); log.flush(); sys.exit(0)
        signal.signal(signal.SIGTERM, stop)
        while True:
            time.sleep(0.1)
    """)
    return [sys.executable, "-c", script]


def test_the_back_off_doubles_up_to_a_minute() -> None:
    assert [restart_delay(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert restart_delay(30) == 60.0


def test_rasa_stops_first_and_the_action_server_last() -> None:
    assert stop_order(["actions", "rasa", "console", "extra"]) == ["rasa", "console", "actions", "extra"]


def test_a_crashed_child_is_restarted_after_its_delay_and_the_others_keep_running(tmp_path: Path) -> None:
    log = tmp_path / "log"
    now = [0.0]
    commands = {"actions": child(log, "actions"), "rasa": child(log, "rasa"),
                "console": [sys.executable, "-c", "import sys; sys.exit(3)"]}
    said: list = []
    supervisor = Supervisor(commands, {}, ROOT, clock=lambda: now[0], say=said.append)
    try:
        for c in supervisor.children.values():
            supervisor.start(c)
        supervisor.children["console"].process.wait(timeout=30)
        supervisor.check()
        assert "console 意外退出（退出码 3），1 秒后重新启动；其余服务照常" in said
        first = supervisor.children["console"].process
        now[0] = 0.5
        supervisor.check()
        assert supervisor.children["console"].process is first  # not yet: the back-off holds
        now[0] = 1.5
        supervisor.check()
        assert supervisor.children["console"].process is not first and supervisor.children["console"].restarts == 1
        supervisor.children["console"].process.wait(timeout=30)
        supervisor.check()
        assert supervisor.children["console"].restart_at == 1.5 + 2.0  # the second crash in a row waits longer
        assert all(supervisor.children[n].process.poll() is None for n in ("actions", "rasa"))
    finally:
        assert supervisor.stop_all() == ["rasa", "actions"]


def test_sigterm_stops_every_child_rasa_first(tmp_path: Path) -> None:
    log = tmp_path / "log"
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from tests.unit.test_supervisor import child
        from bot.runtime.supervisor import Supervisor
        from pathlib import Path
        log = Path({str(log)!r})
        names = ("actions", "console", "rasa")
        sys.exit(Supervisor({{n: child(log, n) for n in names}}, {{}}, Path({str(ROOT)!r})).run())
    """)
    supervisor = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    deadline = time.time() + 60
    while time.time() < deadline and (not log.exists() or log.read_text().count("start") < 3):
        time.sleep(0.1)
    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(timeout=60) == 0
    stops = [line.split()[1] for line in log.read_text().splitlines() if line.startswith("stop")]
    assert stops == ["rasa", "console", "actions"]
