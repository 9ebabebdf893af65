"""``serve``'s children kept running: one that dies is logged and restarted with back-off; the others keep serving.

A crash of the console must not take the buyers' chat down, nor a crash of the Rasa server the staff's console.
A child that exits is started again after 1, 2, 4 … seconds (at most a minute); one that then stays up for a
minute is counted healthy again. On SIGTERM or Ctrl-C the children are stopped in ``STOP_ORDER``: Rasa first,
so no buyer message is taken that the action server could no longer finish, the action server last.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional

logger = logging.getLogger(__name__)

STOP_ORDER = ("rasa", "console", "care", "actions")
BACKOFF_MAX = 60.0
HEALTHY_AFTER = 60.0  # seconds up after which a child's earlier crashes are forgiven
POLL_SECONDS = 0.5
STOP_TIMEOUT = 20.0


def restart_delay(crashes: int) -> float:
    """Seconds to wait before starting a child that has crashed ``crashes`` times in a row: 1, 2, 4 … at most 60."""
    return min(2.0 ** max(crashes - 1, 0), BACKOFF_MAX)


def stop_order(names: List[str]) -> List[str]:
    """The order to stop children in: STOP_ORDER's first, any other after them."""
    known = [name for name in STOP_ORDER if name in names]
    return known + [name for name in names if name not in known]


@dataclass
class Child:
    name: str
    command: List[str]
    process: Optional[subprocess.Popen] = None
    crashes: int = 0
    started_at: float = 0.0
    restart_at: Optional[float] = None
    restarts: int = 0


class Supervisor:
    def __init__(self, commands: Dict[str, List[str]], env: Dict[str, str], cwd: Path,
                 clock: Callable[[], float] = time.monotonic, say: Callable[[str], None] = logger.warning):
        self.children = {name: Child(name, command) for name, command in commands.items()}
        self.env, self.cwd, self.clock, self.say = env, cwd, clock, say
        self.stopping = False

    def start(self, child: Child) -> None:
        child.process = subprocess.Popen(child.command, cwd=self.cwd, env=self.env)
        child.started_at, child.restart_at = self.clock(), None

    def check(self) -> None:
        """One look at every child: schedule a restart for one that exited, start one whose time has come."""
        now = self.clock()
        for child in self.children.values():
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restarts += 1
                    self.say(f"重新启动 {child.name}（第 {child.restarts} 次）")
                    self.start(child)
                continue
            if child.process is None or child.process.poll() is None:
                continue
            if now - child.started_at >= HEALTHY_AFTER:
                child.crashes = 0
            child.crashes += 1
            delay = restart_delay(child.crashes)
            child.restart_at = now + delay
            self.say(f"{child.name} 意外退出（退出码 {child.process.returncode}），{delay:.0f} 秒后重新启动；其余服务照常")

    def run(self, install_signals: bool = True) -> int:
        if install_signals:
            signal.signal(signal.SIGTERM, self.request_stop)
            signal.signal(signal.SIGINT, self.request_stop)
        for child in self.children.values():
            self.start(child)
        while not self.stopping:
            self.check()
            time.sleep(POLL_SECONDS)
        self.stop_all()
        return 0

    def request_stop(self, *_args: object) -> None:
        self.stopping = True

    def stop_all(self) -> List[str]:
        """Stop every child in STOP_ORDER, each given time to finish; returns the order they were stopped in."""
        stopped = []
        for name in stop_order(list(self.children)):
            process = self.children[name].process
            if process is None or process.poll() is not None:
                continue
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
            stopped.append(name)
        return stopped
