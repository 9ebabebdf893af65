"""``python -m bot privacy prune [--days N] [--dry-run]``: the retention job from the command line."""

from __future__ import annotations

import argparse


def add_parser(sub: "argparse._SubParsersAction") -> None:
    parser = sub.add_parser("privacy", help="个人信息保留期限：删除或遮盖超过保留期的对话文字（先 --dry-run 看看）")
    verbs = parser.add_subparsers(dest="privacy_command", metavar="ACTION")
    verbs.required = True
    prune = verbs.add_parser("prune", help="遮盖超过保留期的对话文字、台账与发出的消息，删除过期的核实和登录记录")
    prune.add_argument("--days", type=int, default=None,
                       help="保留天数（默认 shop_policy.yml 的 privacy.retention_days）；更早的内容被遮盖或删除")
    prune.add_argument("--dry-run", action="store_true", help="只统计会改动多少，不改任何东西")
    prune.set_defaults(func=_prune)


def _prune(args: argparse.Namespace) -> int:
    from bot import clock
    from bot.crm import schema
    from bot.crm.db import session_factory
    from bot.policy.model import load_policy
    from bot.privacy.prune import prune
    from bot.runtime.serve import tracker_store_url

    days = args.days if args.days is not None else load_policy().retention_days
    if days < 1:
        raise ValueError(f"--days 至少为 1，实际是 {days}")
    schema.upgrade(args.database_url)
    report = prune(session_factory(args.database_url), tracker_store_url(), clock.now(), days, args.dry_run)
    print(f"{'将会处理' if args.dry_run else '已处理'} {days} 天以前的内容：")
    for line in report.lines():
        print(line)
    if args.dry_run:
        print("（演练：没有改动任何内容；去掉 --dry-run 执行）")
    return 0
