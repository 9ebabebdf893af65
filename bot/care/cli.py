"""``python -m bot care run [--dry-run]``: the proactive-message job, for cron or any scheduler.

    */5 * * * *  cd /srv/xiaoer && .venv/bin/python -m bot care run --quiet
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import datetime


def add_parser(sub: "argparse._SubParsersAction") -> None:
    parser = sub.add_parser("care", help="主动关怀：发货/物流停滞/签收回访/投诉回访/生日/节日/沉睡唤醒消息")
    verbs = parser.add_subparsers(dest="care_command", metavar="ACTION")
    verbs.required = True
    run = verbs.add_parser("run", help="发送该发的主动消息（可每几分钟运行一次，同一事件绝不重复发送）")
    run.add_argument("--dry-run", action="store_true", help="只列出会发什么、为什么，不发送也不建待办")
    run.add_argument("--at", help="按这个时间计算（ISO 格式，默认现在；用于预览）")
    run.add_argument("--buyer", action="append", help="只处理这个买家的会话（sender id，可重复）")
    run.add_argument("--every", type=float, metavar="MINUTES", help="不退出，每隔这么多分钟运行一次（serve 在设置 CARE_EVERY_MINUTES 时这样启动）")
    run.add_argument("--quiet", action="store_true", help="不列出不发送的事件，只列出发送的和合计")
    run.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from bot import clock
    from bot.care.book import CareBook
    from bot.care.job import BotSpeaker, CareJob, report
    from bot.channels.outbox import Outbox
    from bot.crm import schema
    from bot.crm.db import session_factory
    from bot.runtime.keys import keys_env
    from bot.runtime.serve import console_env, demo_platform_env
    from bot.settings import get_settings

    settings = get_settings()
    for key, value in {**console_env(settings), **demo_platform_env(settings), **keys_env()}.items():
        os.environ.setdefault(key, value)  # the same bot, platform and keys that `serve` uses
    schema.upgrade(args.database_url)
    sessions = session_factory(args.database_url)
    try:
        at = datetime.fromisoformat(args.at) if args.at else None
    except ValueError:
        raise ValueError(f"--at 应为 ISO 格式的时间，如 2026-10-01T10:00，实际是 {args.at!r}") from None
    job = CareJob(
        BotSpeaker(),
        Outbox(sessions=sessions),
        book=CareBook(sessions),
        now=(lambda: at) if at else clock.now,
        buyers=set(args.buyer) if args.buyer else None,
    )
    if not args.every:
        print(report(asyncio.run(job.run(dry_run=args.dry_run)), verbose=not args.quiet))
        return 0
    while True:  # the scheduler `serve` starts: a failed run is reported, the next one tries again
        try:
            print(report(asyncio.run(job.run(dry_run=args.dry_run)), verbose=not args.quiet), flush=True)
        except Exception as exc:  # noqa: BLE001 - e.g. the database briefly unreachable
            print(f"主动关怀运行失败：{type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        time.sleep(args.every * 60)
