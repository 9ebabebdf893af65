"""Full training time and the servers' resident memory.

python -m bench.resources [--skip-training]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.runtime.launch import launched_bot
from bot.settings import PROJECT_ROOT


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def time_training(out: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "--force", "--out", str(out), "--fixed-model-name", "bench"],
        cwd=PROJECT_ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-training", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_training:
            seconds = time_training(Path(tmp) / "models")
            print(f"full training (NLU + dialogue, forced, 2 cores): {seconds:.0f} s")
        with launched_bot(Path(tmp) / "bot") as bot:
            for _ in range(20):
                bot.send("tb_xiaoyu", "我买的羽绒服到哪了")
            actions_pid, rasa_pid, console_pid = bot.pids  # the order of bot.runtime.serve.server_commands
            print(
                f"Rasa server RSS: {rss_mb(rasa_pid):.0f} MB   action server RSS: {rss_mb(actions_pid):.0f} MB   "
                f"console RSS: {rss_mb(console_pid):.0f} MB"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
