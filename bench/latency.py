"""Per-message latency of a scripted conversation through the HTTP API, actions and DB included.

    python -m bench.latency [--rounds 5] [--concurrency 1 10] [--script orders|aftersales]

Starts its own bot (Rasa + action server, fresh demo CRM) on free ports, then
plays the script for 1 buyer and for N buyers at once (each buyer a different
demo customer, all in parallel), and prints p50/p95/p99 per message.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import List

from bot.runtime.launch import LaunchedBot, launched_bot

ORDER_SCRIPT = [
    "你好",
    "我的订单什么情况",
    "第一个",
    "物流到哪了",
    "有优惠券吗",
    "运费险怎么赔",
    "这个羽绒服有货吗",
    "谢谢",
    "再见",
]
#: The after-sales form end to end: order list, item list, reason, the stated outcome, a no.
AFTERSALES_SCRIPT = [
    "你好",
    "我想退货",
    "第一个",
    "第1件",
    "尺码不合适",
    "运费谁出",
    "先不用了",
    "售后进度",
    "再见",
]
SCRIPTS = {"orders": ORDER_SCRIPT, "aftersales": AFTERSALES_SCRIPT}
TARGET_P95_MS = 100


def percentile(values: List[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def play(bot: LaunchedBot, script: List[str], senders: List[str], latencies: List[float], errors: List[str]) -> None:
    """One buyer after another on this thread, each holding one whole scripted conversation."""
    for sender in senders:
        for text in script:
            started = time.perf_counter()
            try:
                replies = bot.send(f"{sender}", text)
                if not replies:
                    errors.append(f"{sender}: no reply to {text}")
            except Exception as exc:  # noqa: BLE001 - counted, not raised
                errors.append(f"{sender}: {exc}")
                continue
            latencies.append((time.perf_counter() - started) * 1000)


def run_level(bot: LaunchedBot, script: List[str], buyers: int, rounds: int, offset: int) -> None:
    latencies: List[float] = []
    errors: List[str] = []
    # each conversation is a different demo customer, so trackers stay conversation-sized
    threads = [
        threading.Thread(
            target=play,
            args=(bot, script, [f"tb_u{offset + index * rounds + r + 1:05d}" for r in range(rounds)], latencies, errors),
        )
        for index in range(buyers)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    print(
        f"{buyers:3d} buyer(s): {len(latencies):4d} messages in {elapsed:6.1f}s "
        f"({len(latencies) / elapsed:5.1f} msg/s)  p50 {percentile(latencies, 50):6.1f} ms  "
        f"p95 {percentile(latencies, 95):6.1f} ms  p99 {percentile(latencies, 99):6.1f} ms  "
        f"mean {statistics.mean(latencies):6.1f} ms  errors {len(errors)}"
    )
    for error in errors[:5]:
        print(f"    {error}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=4, help="conversations per concurrent buyer slot")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--script", choices=sorted(SCRIPTS), default="orders", help="which conversation to play")
    args = parser.parse_args()
    script = SCRIPTS[args.script]
    with tempfile.TemporaryDirectory() as tmp, launched_bot(Path(tmp)) as bot:
        print(
            f"{args.script} script of {len(script)} messages, {args.rounds} conversations per concurrent buyer; "
            f"target p95 < {TARGET_P95_MS} ms at 1 buyer"
        )
        offset = 0
        for buyers in args.concurrency:
            run_level(bot, script, buyers, args.rounds, offset)
            offset += buyers * args.rounds
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
