"""Load through the signed webhook: N buyers at once, each holding a 20-message conversation.

    python -m bench.load [--buyers 50] [--servers 1|2] [--stack sqlite|postgres] [--think 3 8] [--retry-rate 0.05]
    python -m bench.load --throughput [--servers 1|2]     # no pauses: how many messages a second the stack answers

Starts its own bot on free ports (Rasa server(s), action server, console, a
fresh demo CRM). ``--stack sqlite`` is what ``make run`` runs (SQLite CRM and
tracker store, one server); ``postgres`` puts the CRM and the tracker store on
fresh PostgreSQL databases with the Redis lock store, which two servers need.
Each buyer is a demo customer who types the next message a few seconds after
the reply (``--think``, uniform, seconds); a share of messages is sent again
with the same message id, as a platform retries. Messages alternate between
the servers, as a round-robin load balancer would send them.

Prints sent, answered, lost (no reply, or missing from the tracker), duplicated
(recorded twice in the tracker), errors (non-200, or an apology instead of an
answer), latency p50/p95/p99 and messages per second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import aiohttp

from bot.channels.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from bot.runtime.launch import LaunchedBot, launched_bot

SCRIPT = [
    "你好",
    "我的订单什么情况",
    "第一个",
    "物流到哪了",
    "大概什么时候能到",
    "有优惠券吗",
    "运费险怎么赔",
    "七天无理由怎么退",
    "这个羽绒服有货吗",
    "T恤有什么颜色",
    "可以开发票吗",
    "怎么付款",
    "保修多久",
    "谢谢",
    "我最近的订单发货了吗",
    "好的",
    "你是机器人吗",
    "哦哦",
    "谢谢你",
    "再见",
]
TARGET_P95_MS = 300
REDIS_URL = "redis://127.0.0.1:6379/6"


@dataclass
class Tally:
    sent: int = 0
    answered: int = 0
    errors: List[str] = field(default_factory=list)
    retries_consistent: int = 0
    latencies: List[float] = field(default_factory=list)
    ids: Dict[str, List[str]] = field(default_factory=dict)  # buyer -> message ids sent
    apologies: Tuple[str, ...] = ()


def percentile(values: List[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


async def post(http: aiohttp.ClientSession, server: str, secret: str, payload: dict) -> Tuple[int, dict, bool]:
    raw = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    stamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: sign(secret, stamp, raw)}
    async with http.post(f"{server}/webhooks/shop/webhook", data=raw, headers=headers) as response:
        body = await response.json(content_type=None)
        return response.status, body, response.headers.get("X-Shop-Duplicate") == "1"


async def buyer(
    http: aiohttp.ClientSession,
    servers: List[str],
    secret: str,
    sender: str,
    tally: Tally,
    think: Optional[Tuple[float, float]],
    retry_rate: float,
    rng: random.Random,
    run: str,
) -> None:
    tally.ids[sender] = []
    await asyncio.sleep(rng.uniform(0, think[1]) if think else 0)  # buyers do not all start in the same second
    for index, text in enumerate(SCRIPT):
        message_id = f"{run}-{sender}-{index}"
        payload = {"message_id": message_id, "sender": sender, "type": "text", "text": text, "timestamp": int(time.time())}
        server = servers[(index + int(sender[-5:])) % len(servers)]
        tally.sent += 1
        tally.ids[sender].append(message_id)
        started = time.perf_counter()
        try:
            status, body, _ = await post(http, server, secret, payload)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            tally.errors.append(f"{message_id}: {type(exc).__name__}")
            continue
        tally.latencies.append(time.perf_counter() - started)
        replies = [r.get("text", "") for r in body.get("replies", [])] if status == 200 else []
        if status != 200:
            tally.errors.append(f"{message_id}: HTTP {status} {body}")
        elif not replies:
            tally.errors.append(f"{message_id}: no reply to {text!r}")
        elif any(any(a in r for a in tally.apologies) for r in replies):
            tally.errors.append(f"{message_id}: apology instead of an answer to {text!r}")
        else:
            tally.answered += 1
        if rng.random() < retry_rate:  # the platform did not see our response and sends it again
            again_status, again, duplicate = await post(http, servers[-1 - index % len(servers)], secret, payload)
            if again_status == 200 and duplicate and again == body:
                tally.retries_consistent += 1
            else:
                tally.errors.append(f"{message_id}: the retry got a different answer")
        if think:
            await asyncio.sleep(rng.uniform(*think))


async def tracker_ids(http: aiohttp.ClientSession, server: str, sender: str, token: str) -> List[str]:
    params = {"include_events": "ALL", "token": token}
    async with http.get(f"{server}/conversations/{sender}/tracker", params=params) as response:
        events = (await response.json()).get("events") or []
    return [e.get("message_id") for e in events if e.get("event") == "user"]


async def drive(bot: LaunchedBot, servers: List[str], buyers: int, think: Optional[Tuple[float, float]], retry_rate: float) -> None:
    import yaml

    from bot.settings import PROJECT_ROOT

    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    tally = Tally(apologies=tuple(v["text"][:12] for v in domain["responses"]["utter_technical_difficulty"]))
    rng = random.Random(7)
    run = f"load{int(time.time())}"
    senders = [f"tb_u{n:05d}" for n in range(1, buyers + 1)]
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as http:
        started = time.perf_counter()
        await asyncio.gather(*(buyer(http, servers, bot.webhook_secret, s, tally, think, retry_rate, rng, run) for s in senders))
        elapsed = time.perf_counter() - started
        lost = duplicated = 0
        for sender in senders:
            recorded = await tracker_ids(http, servers[0], sender, bot.rasa_token)
            lost += sum(1 for mid in tally.ids[sender] if mid not in recorded)
            duplicated += sum(1 for mid in set(recorded) if mid and recorded.count(mid) > 1)
    ms = [1000 * v for v in tally.latencies]
    print(f"{buyers} buyers × {len(SCRIPT)} messages, {len(servers)} server(s), think {think or 'none'} s, "
          f"retry rate {retry_rate:.0%}")
    print(f"  sent {tally.sent}  answered {tally.answered}  lost {lost + (tally.sent - len(tally.latencies))}  "
          f"duplicated {duplicated}  errors {len(tally.errors)}  retries answered identically {tally.retries_consistent}")
    print(f"  latency p50 {percentile(ms, 50):.0f} ms  p95 {percentile(ms, 95):.0f} ms  p99 {percentile(ms, 99):.0f} ms  "
          f"mean {statistics.mean(ms):.0f} ms  (target p95 < {TARGET_P95_MS} ms)")
    print(f"  throughput {tally.sent / elapsed:.1f} messages/s over {elapsed:.0f} s")
    for line in tally.errors[:10]:
        print(f"  error: {line}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--buyers", type=int, default=50)
    parser.add_argument("--servers", type=int, choices=[1, 2], default=1)
    parser.add_argument("--stack", choices=["sqlite", "postgres"], default=None, help="default: sqlite for 1 server, postgres for 2")
    parser.add_argument("--think", type=float, nargs=2, default=[3.0, 8.0], metavar=("MIN", "MAX"))
    parser.add_argument("--retry-rate", type=float, default=0.05)
    parser.add_argument("--throughput", action="store_true", help="no pauses between messages (saturation)")
    args = parser.parse_args()
    stack = args.stack or ("postgres" if args.servers == 2 else "sqlite")
    if args.servers == 2 and stack != "postgres":
        parser.error("two servers share the PostgreSQL tracker store and the Redis lock store: use --stack postgres")
    think = None if args.throughput else (args.think[0], args.think[1])
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack_:
        options: dict = {}
        if stack == "postgres":
            from bot.runtime.pgtemp import temporary_database

            options = {
                "database_url": stack_.enter_context(temporary_database("xiaoer_bench_crm")),
                "tracker_url": stack_.enter_context(temporary_database("xiaoer_bench_tracker")),
                "redis_url": REDIS_URL,
            }
        bot = stack_.enter_context(launched_bot(Path(tmp) / "bot", **options))
        servers = [bot.url] + ([bot.add_rasa_server("rasa2")] if args.servers == 2 else [])
        print(f"stack: {stack}" + (" + Redis lock store" if stack == "postgres" else ""))
        asyncio.run(drive(bot, servers, args.buyers, think, args.retry_rate))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
